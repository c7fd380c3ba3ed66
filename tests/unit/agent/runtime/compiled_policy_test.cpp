#include "agent/runtime/compiled_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/policy/policy_loader.h"

namespace bulwark::runtime {
namespace {

std::shared_ptr<const CompiledPolicy> compile(const std::string& spec, double share = 1.0) {
  auto docs = policy::loadPolicyText(
      "apiVersion: bulwark.io/v1alpha1\nkind: ResiliencePolicy\nmetadata: {name: c, namespace: shop}\nspec:\n"
      "  target: {protocol: redis, upstream: {host: r, port: 6379}, listenPort: 16000}\n" +
          spec,
      "t.yaml");
  EXPECT_TRUE(docs.at(0).valid()) << ::testing::PrintToString(docs[0].describeErrors());
  return compilePolicy(docs[0].checked.policy, share);
}

TEST(CompiledPolicyTest, RulesMatchCommandsSubcommandsKeysAndClasses) {
  auto p = compile(R"(  rateLimit:
    rules:
      - {name: scans, match: {commands: [keys, SCAN]}, action: deny}
      - {name: kill, match: {commands: ["CLIENT|KILL"]}, action: deny}
      - {name: sessions, match: {keyPrefixes: ["session:"], classes: [write]}, requestsPerSecond: 10}
)");
  auto match = [&](RequestView r) {
    const CompiledRule* rule = p->match(r);
    return rule ? rule->name : std::string("none");
  };
  EXPECT_EQ(match({"KEYS", "", "", kRead}), "scans");
  EXPECT_EQ(match({"scan", "", "", kRead}), "scans");
  EXPECT_EQ(match({"client", "kill", "", kAdmin}), "kill");
  EXPECT_EQ(match({"CLIENT", "LIST", "", kAdmin}), "none");
  EXPECT_EQ(match({"SET", "", "session:1", kWrite}), "sessions");
  EXPECT_EQ(match({"GET", "", "session:1", kRead}), "none") << "every criterion must hold";
  EXPECT_EQ(match({"SET", "", "sessions", kWrite}), "none");
  EXPECT_EQ(match({"SET", "", "", kWrite}), "none");
}

TEST(CompiledPolicyTest, BudgetsScaleToTheNodeShare) {
  auto p = compile(R"(  rateLimit:
    requestsPerSecond: 3000
    burst: 300
    rules: [{name: r, match: {commands: [GET]}, requestsPerSecond: 100}]
)",
                   1.0 / 3);
  ASSERT_TRUE(p->budget);
  EXPECT_DOUBLE_EQ(p->budget->perSecond, 1000);
  EXPECT_EQ(p->budget->burst, 100);
  EXPECT_NEAR(p->rules[0].perSecond, 33.33, 0.01);
  EXPECT_EQ(p->rules[0].burst, 3) << "a tenth of the rule's rate, scaled";
}

TEST(CompiledPolicyTest, RefusalsNameThePolicy) {
  auto p = compile("  circuitBreaker: {openDuration: 2s}\n  timeouts: {request: 250ms}\n");
  EXPECT_EQ(p->rateLimitedError, "-BUSY bulwark: rate limited by shop/c (retry later)\r\n");
  EXPECT_EQ(p->breakerOpenError, "-BUSY bulwark: circuit open for shop/c\r\n");
  EXPECT_EQ(p->deniedError("keys"), "-ERR bulwark: command KEYS denied by shop/c\r\n");
  ASSERT_TRUE(p->breaker);
  EXPECT_EQ(p->breaker->openNs, 2'000'000'000);
  EXPECT_EQ(p->requestTimeoutNs, 250'000'000);
  EXPECT_EQ(p->connectTimeoutNs, 1'000'000'000);
}

}  // namespace
}  // namespace bulwark::runtime
