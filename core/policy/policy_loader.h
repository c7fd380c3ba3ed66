#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy/field_error.h"
#include "core/policy/resilience_policy.h"
#include "core/policy/timestamp.h"

namespace bulwark::policy {

// A policy read from JSON and validated: decode errors first, then validation errors.
struct CheckedPolicy {
  ResiliencePolicy policy;  // as far as it could be read
  FieldErrors errors;       // empty when the policy is valid
  bool valid() const { return errors.empty(); }
};

CheckedPolicy checkPolicy(const nlohmann::json& object, std::optional<Timestamp> now = std::nullopt);

// One document of a policy file.
struct PolicyDocument {
  std::string file;
  int document = 0;  // 1-based index in the file
  CheckedPolicy checked;
  std::string readError;   // the document could not be read at all (YAML syntax, duplicate key, I/O)
  std::vector<int> lines;  // line of each checked.errors entry, 0 when unknown

  bool valid() const { return readError.empty() && checked.valid(); }
  // "examples/x.yaml#1" as validate-manifests.py names documents.
  std::string source() const { return file + "#" + std::to_string(document); }
  // Every problem as "file:line: path: message (got value)", the read error included.
  std::vector<std::string> describeErrors() const;
};

struct LoadOptions {
  std::optional<Timestamp> now;  // see ValidationOptions::now
};

std::vector<PolicyDocument> loadPolicyText(std::string_view text, const std::string& file,
                                           const LoadOptions& options = {});
std::vector<PolicyDocument> loadPolicyFile(const std::string& path, const LoadOptions& options = {});

// Every *.yaml, *.yml and *.json file directly in `dir`, in name order. Beyond each document's own
// errors, a policy whose namespace/name or listenPort an earlier valid policy already holds is refused
// with an error naming that policy (the earlier one keeps it). A bad file never stops the others.
std::vector<PolicyDocument> loadPolicyDirectory(const std::string& dir, const LoadOptions& options = {});

}  // namespace bulwark::policy
