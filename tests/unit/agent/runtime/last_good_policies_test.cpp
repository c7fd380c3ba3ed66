#include "agent/runtime/last_good_policies.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bulwark::runtime {
namespace {

std::string policy(const std::string& name, const std::string& rps) {
  return "apiVersion: bulwark.io/v1alpha1\nkind: ResiliencePolicy\nmetadata: {name: " + name +
         ", namespace: t}\nspec:\n  target: {protocol: redis, upstream: {host: r, port: 6379}, listenPort: "
         "16000}\n"
         "  rateLimit: {requestsPerSecond: " +
         rps + "}\n";
}

TEST(LastGoodPoliciesTest, AnInvalidEditKeepsTheLastValidVersion) {
  LastGoodPolicies lg;
  auto served = lg.update(policy::loadPolicyText(policy("a", "100"), "a.yaml"));
  ASSERT_EQ(served.size(), 1u);
  EXPECT_FALSE(served[0].stale);

  served = lg.update(policy::loadPolicyText(policy("a", "-1"), "a.yaml"));
  ASSERT_EQ(served.size(), 1u);
  EXPECT_TRUE(served[0].stale);
  EXPECT_EQ(*served[0].policy.spec.rateLimit->requestsPerSecond, 100);

  served = lg.update(policy::loadPolicyText("garbage: [", "a.yaml"));
  ASSERT_EQ(served.size(), 1u) << "an unreadable file keeps it too";

  served = lg.update(policy::loadPolicyText(policy("a", "50"), "a.yaml"));
  ASSERT_EQ(served.size(), 1u);
  EXPECT_FALSE(served[0].stale);
  EXPECT_EQ(*served[0].policy.spec.rateLimit->requestsPerSecond, 50);
}

TEST(LastGoodPoliciesTest, ARemovedDocumentRemovesThePolicy) {
  LastGoodPolicies lg;
  lg.update(policy::loadPolicyText(policy("a", "100"), "a.yaml"));
  EXPECT_TRUE(lg.update({}).empty());
  EXPECT_TRUE(lg.update(policy::loadPolicyText(policy("a", "-1"), "a.yaml")).empty())
      << "nothing valid was ever read from there since";
}

}  // namespace
}  // namespace bulwark::runtime
