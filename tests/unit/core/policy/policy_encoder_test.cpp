#include "core/policy/policy_encoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/policy/policy_decoder.h"
#include "tests/support/source_tree.h"
#include "tests/unit/core/policy/policy_test_util.h"

namespace bulwark::policy {
namespace {

using test::errorStrings;
using test::yamlJson;
using ::testing::IsEmpty;

class PolicyEncoderRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(PolicyEncoderRoundTrip, DecodeOfEncodeIsIdentity) {
  auto first = decodePolicy(yamlJson(testing::readFile(testing::sourcePath(GetParam()))));
  ASSERT_THAT(errorStrings(first.errors), IsEmpty());
  nlohmann::json encoded = encodePolicy(first.policy);
  auto second = decodePolicy(nlohmann::json::parse(encoded.dump()));
  ASSERT_THAT(errorStrings(second.errors), IsEmpty()) << encoded.dump(2);
  EXPECT_EQ(first.policy, second.policy) << encoded.dump(2);
  EXPECT_EQ(encodePolicy(second.policy), encoded);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PolicyEncoderRoundTrip,
                         ::testing::Values("tests/data/conformance/full-redis.yaml",
                                           "tests/data/conformance/full-nats.yaml"));

TEST(PolicyEncoderTest, WritesDefaultsAsTheApiServerStoresThem) {
  auto r = decodePolicy(yamlJson(std::string(test::kMinimalRedis) + "  circuitBreaker: {}\n"));
  ASSERT_THAT(errorStrings(r.errors), IsEmpty());
  nlohmann::json spec = encodeSpec(r.policy.spec);
  EXPECT_EQ(spec["timeouts"], nlohmann::json({{"connect", "1s"}}));
  EXPECT_EQ(spec["circuitBreaker"]["openDuration"], "5s");
  EXPECT_EQ(spec["circuitBreaker"]["slowCallRatio"], 1.0);
  EXPECT_FALSE(spec.contains("rateLimit"));
  EXPECT_FALSE(spec.contains("clients"));
}

}  // namespace
}  // namespace bulwark::policy
