#include "core/policy/resilience_policy.h"

#include <algorithm>
#include <cmath>

namespace bulwark::policy {

int64_t effectiveBurst(std::optional<int64_t> burst, double perSecond) {
  if (burst) return *burst;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(perSecond / 10.0)));
}

}  // namespace bulwark::policy
