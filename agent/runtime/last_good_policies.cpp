#include "agent/runtime/last_good_policies.h"

namespace bulwark::runtime {

std::vector<LastGoodPolicies::Served> LastGoodPolicies::update(
    const std::vector<policy::PolicyDocument>& documents) {
  std::map<std::string, policy::ResiliencePolicy> next;
  std::vector<Served> served;
  for (const policy::PolicyDocument& d : documents) {
    const std::string source = d.source();
    if (d.valid()) {
      next[source] = d.checked.policy;
      served.push_back({d.checked.policy, false, source});
    } else if (auto it = lastGood_.find(source); it != lastGood_.end()) {
      next[source] = it->second;
      served.push_back({it->second, true, source});
    }
  }
  lastGood_ = std::move(next);
  return served;
}

}  // namespace bulwark::runtime
