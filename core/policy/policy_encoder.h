#pragma once

#include <nlohmann/json.hpp>

#include "core/policy/resilience_policy.h"

namespace bulwark::policy {

// The Kubernetes JSON of a policy, defaults included, as the API server would store it. decodePolicy of
// the result gives back an equal policy.
nlohmann::json encodePolicy(const ResiliencePolicy& policy);
nlohmann::json encodeSpec(const PolicySpec& spec);
nlohmann::json encodeStatus(const PolicyStatus& status);

}  // namespace bulwark::policy
