#pragma once

#include <string>

#include "core/policy/resilience_policy.h"

namespace bulwark::policy {

// What a policy makes the agent do, in a few aligned lines for people: limits with their derived bursts,
// the breaker's thresholds, degradation, the control law. Defaults appear as the values they resolve to.
std::string describePolicy(const ResiliencePolicy& policy);

}  // namespace bulwark::policy
