#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/policy/field_error.h"
#include "core/policy/resilience_policy.h"
#include "core/policy/timestamp.h"

namespace bulwark::policy {

struct ValidationOptions {
  // When set, spec.override.expires must lie after it. Set it where a person is writing the policy
  // (an admission check, `bulwark-agent --dry-run`); leave it unset where a stored policy is re-read, so
  // an override that has lapsed falls back to Auto instead of invalidating the policy.
  std::optional<Timestamp> now;
  // Fields the decoder could not read; their own errors are already reported.
  std::vector<std::string> skip;
};

// Every range, pattern and cross-field rule of the CRD (its OpenAPI schema and its CEL rules), plus the
// rules only the operator can check. Returns all errors, in field order. Never throws.
FieldErrors validatePolicy(const ResiliencePolicy& policy, const ValidationOptions& options = {});

}  // namespace bulwark::policy
