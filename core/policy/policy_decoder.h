#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/policy/field_error.h"
#include "core/policy/resilience_policy.h"

namespace bulwark::policy {

struct DecodeResult {
  ResiliencePolicy policy;
  FieldErrors errors;  // wrong types, unknown fields, missing required fields, unparsable strings
  // Fields whose value could not be read; the validator skips them so one mistake is reported once.
  std::vector<std::string> unreadable;
};

// Reads a ResiliencePolicy from the JSON Kubernetes serves (or a YAML document turned into JSON). Every
// structural problem is reported with its path; fields absent from a present section take the CRD's
// defaults. Never throws.
DecodeResult decodePolicy(const nlohmann::json& object);

}  // namespace bulwark::policy
