#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/policy/policy_loader.h"

namespace bulwark::runtime {

// Fail-static for policy files: a document that turns invalid (a typo in an edit) keeps serving the last
// valid policy read from the same place, so a mistake never removes protection or a listener that
// applications use. Deleting the file or the document does remove the policy.
class LastGoodPolicies {
 public:
  struct Served {
    policy::ResiliencePolicy policy;
    bool stale = false;  // the document is invalid now; this is its last valid version
    std::string source;
  };

  std::vector<Served> update(const std::vector<policy::PolicyDocument>& documents);

 private:
  std::map<std::string, policy::ResiliencePolicy> lastGood_;  // by "file#document"
};

}  // namespace bulwark::runtime
