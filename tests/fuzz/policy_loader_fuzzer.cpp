// The standalone policy loader on arbitrary text: whatever a policy file holds, loading it reports
// errors and never crashes, leaks, throws or hits undefined behaviour. Valid policies are also
// summarized and encoded, as the agent does with them.

#include <cstdint>
#include <string_view>

#include "core/policy/policy_encoder.h"
#include "core/policy/policy_loader.h"
#include "core/policy/policy_summary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bulwark::policy::PolicyDocument& doc : bulwark::policy::loadPolicyText(text, "fuzz.yaml")) {
    (void)doc.describeErrors();
    if (doc.valid()) {
      (void)bulwark::policy::describePolicy(doc.checked.policy);
      (void)bulwark::policy::encodePolicy(doc.checked.policy).dump();
    }
  }
  return 0;
}
