#include "core/policy/policy_summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/policy/policy_loader.h"
#include "tests/support/source_tree.h"

namespace bulwark::policy {
namespace {

using ::testing::HasSubstr;

TEST(PolicySummaryTest, SaysWhatTheAgentEnforces) {
  auto docs = loadPolicyFile(testing::sourcePath("tests/data/conformance/full-redis.yaml"));
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_TRUE(docs[0].valid());
  std::string text = describePolicy(docs[0].checked.policy);
  EXPECT_THAT(text, HasSubstr("shop/orders-cache  redis  listen :16379 -> redis-master.shop.svc:6379"));
  EXPECT_THAT(text, HasSubstr("20000 rps (burst 2000) cluster-wide, over it wait up to 20ms then refuse"));
  EXPECT_THAT(text, HasSubstr("no-scans: deny on commands KEYS FLUSHALL FLUSHDB"));
  EXPECT_THAT(text, HasSubstr("512 in flight per node, adaptive 16..512"));
  EXPECT_THAT(text, HasSubstr("opens at 50% failures or 80% calls slower than 50ms over 10s"));
  EXPECT_THAT(text, HasSubstr("pinned Shed: INC-1234"));
}

TEST(PolicySummaryTest, DerivesUnsetBursts) {
  EXPECT_EQ(effectiveBurst(std::nullopt, 5000), 500);
  EXPECT_EQ(effectiveBurst(std::nullopt, 0.5), 1);
  EXPECT_EQ(effectiveBurst(std::nullopt, 15), 2);
  EXPECT_EQ(effectiveBurst(7, 5000), 7);
  auto docs = loadPolicyFile(testing::sourcePath("tests/data/conformance/full-nats.yaml"));
  ASSERT_TRUE(docs[0].valid());
  EXPECT_THAT(describePolicy(docs[0].checked.policy), HasSubstr("per client 1000 rps (burst 100)"));
}

}  // namespace
}  // namespace bulwark::policy
