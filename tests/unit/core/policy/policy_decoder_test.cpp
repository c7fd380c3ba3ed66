#include "core/policy/policy_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/source_tree.h"
#include "tests/unit/core/policy/policy_test_util.h"

namespace bulwark::policy {
namespace {

using namespace std::chrono_literals;
using test::errorPaths;
using test::errorStrings;
using test::kMinimalRedis;
using test::yamlJson;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PolicyDecoderTest, ReadsEveryFieldOfTheDesignExample) {
  auto r = decodePolicy(
      yamlJson(testing::readFile(testing::sourcePath("tests/data/conformance/full-redis.yaml"))));
  ASSERT_THAT(errorStrings(r.errors), IsEmpty());
  const PolicySpec& s = r.policy.spec;
  EXPECT_EQ(r.policy.key(), "shop/orders-cache");
  EXPECT_EQ(s.target.protocol, Protocol::Redis);
  EXPECT_EQ(s.target.upstream.host, "redis-master.shop.svc");
  EXPECT_EQ(s.target.listenPort, 16379);
  ASSERT_TRUE(s.nodeSelector);
  EXPECT_EQ(s.nodeSelector->matchExpressions[0].op, SelectorOperator::In);
  ASSERT_EQ(s.clients.size(), 2u);
  EXPECT_EQ(s.clients[1].priority, Priority::Sheddable);
  ASSERT_TRUE(s.rateLimit);
  EXPECT_EQ(s.rateLimit->requestsPerSecond, 20000);
  EXPECT_EQ(s.rateLimit->onLimit, OnLimit::Wait);
  EXPECT_EQ(s.rateLimit->rules[0].action, RuleAction::Deny);
  EXPECT_EQ(s.rateLimit->rules[1].match.classes, (std::vector{CommandClass::Read, CommandClass::Write}));
  EXPECT_EQ(s.timeouts.request, 250ms);
  EXPECT_EQ(s.circuitBreaker->slowCallDuration, 50ms);
  EXPECT_EQ(s.degradation->staleReads->maxBytes, int64_t{64} << 20);
  EXPECT_EQ(s.degradation->failMode, FailMode::StaleOrFail);
  EXPECT_EQ(s.autoTighten->signals->latencyP99, 20ms);
  EXPECT_EQ(s.override_->mode, OverrideMode::Shed);
  ASSERT_TRUE(r.policy.status);
  EXPECT_EQ(r.policy.status->mode, Mode::Tightened);
  EXPECT_EQ(r.policy.status->conditions[0].status, ConditionStatus::True);
}

TEST(PolicyDecoderTest, AppliesCrdDefaultsToPresentSections) {
  auto r = decodePolicy(yamlJson(std::string(kMinimalRedis) +
                                 "  rateLimit: {requestsPerSecond: 100}\n  circuitBreaker: {}\n"
                                 "  clients: [{name: a, podSelector: {}}]\n"));
  ASSERT_THAT(errorStrings(r.errors), IsEmpty());
  const PolicySpec& s = r.policy.spec;
  EXPECT_EQ(s.rateLimit->onLimit, OnLimit::Reject);
  EXPECT_EQ(s.rateLimit->maxWait, 20ms);
  EXPECT_FALSE(s.rateLimit->burst);
  EXPECT_EQ(s.circuitBreaker->failureRatio, 0.5);
  EXPECT_EQ(s.circuitBreaker->window, 10s);
  EXPECT_EQ(s.circuitBreaker->halfOpenCalls, 5);
  EXPECT_EQ(s.clients[0].priority, Priority::Normal);
  EXPECT_EQ(s.timeouts.connect, 1s);  // spec.timeouts defaults to {}
  EXPECT_FALSE(s.timeouts.request);
  EXPECT_FALSE(s.concurrency);
  EXPECT_FALSE(s.override_);
  EXPECT_EQ(r.policy.metadata.namespace_, "shop");
}

TEST(PolicyDecoderTest, NamespaceDefaultsLikeKubectl) {
  auto r = decodePolicy(yamlJson(R"(apiVersion: bulwark.io/v1alpha1
kind: ResiliencePolicy
metadata: {name: p}
spec: {target: {protocol: nats, upstream: {host: nats, port: 4222}, listenPort: 14222}}
)"));
  ASSERT_THAT(errorStrings(r.errors), IsEmpty());
  EXPECT_EQ(r.policy.metadata.namespace_, "default");
}

TEST(PolicyDecoderTest, ReportsUnknownFieldsAtEveryDepth) {
  auto r = decodePolicy(yamlJson(R"(apiVersion: bulwark.io/v1alpha1
kind: ResiliencePolicy
metadata: {name: p, namepsace: shop}
spec:
  target: {protocol: redis, upstream: {host: r, port: 6379, tls: true}, listenPort: 16379}
  rateLimit:
    brust: 10
    rules: [{name: a, match: {command: [GET]}, action: deny}]
  clients: [{name: c, podSelektor: {}}]
extra: 1
)"));
  EXPECT_THAT(errorStrings(r.errors),
              ElementsAre("metadata.namepsace: unknown field", "spec.target.upstream.tls: unknown field",
                          "spec.clients[0].podSelektor: unknown field",
                          "spec.rateLimit.rules[0].match.command: unknown field",
                          "spec.rateLimit.brust: unknown field", "extra: unknown field"));
  // Unknown fields do not make their neighbours unreadable.
  EXPECT_THAT(r.unreadable, IsEmpty());
}

TEST(PolicyDecoderTest, ReportsWrongTypesWithTheValue) {
  auto r = decodePolicy(yamlJson(R"(apiVersion: bulwark.io/v1alpha1
kind: ResiliencePolicy
metadata: {name: p}
spec:
  target: {protocol: memcached, upstream: {host: 6379, port: "6379"}, listenPort: 16379.5}
  rateLimit: {requestsPerSecond: "fast", burst: 2.5, maxWait: 20}
  concurrency: {maxInFlight: 10, adaptive: {enabled: "yes"}}
  degradation: {staleReads: {maxBytes: 64MB}}
  override: {expires: tomorrow}
  clients: oops
)"));
  EXPECT_THAT(
      errorStrings(r.errors),
      ElementsAre(
          "spec.target.protocol: must be one of redis, nats (got \"memcached\")",
          "spec.target.upstream.host: must be a string (got 6379)",
          "spec.target.upstream.port: must be an integer (got \"6379\")",
          "spec.target.listenPort: must be an integer (got 16379.5)",
          "spec.clients: must be a list (got \"oops\")",
          "spec.rateLimit.requestsPerSecond: must be a number (got \"fast\")",
          "spec.rateLimit.burst: must be an integer (got 2.5)",
          "spec.rateLimit.maxWait: must be a string (got 20)",
          "spec.concurrency.adaptive.enabled: must be a boolean (got \"yes\")",
          "spec.degradation.staleReads.maxBytes: must be a quantity of bytes such as 64Mi, 1Gi or 1048576 "
          "(got \"64MB\")",
          "spec.override.expires: must be an RFC 3339 date-time such as 2026-12-31T23:00:00Z (got "
          "\"tomorrow\")"));
  EXPECT_EQ(r.unreadable.size(), r.errors.size());
}

TEST(PolicyDecoderTest, ReportsMissingRequiredFields) {
  auto r = decodePolicy(yamlJson(R"(apiVersion: bulwark.io/v1alpha1
kind: ResiliencePolicy
metadata: {namespace: shop}
spec:
  target: {upstream: {host: r}}
  rateLimit: {perClient: {burst: 3}, rules: [{name: x}]}
  concurrency: {}
)"));
  EXPECT_THAT(errorPaths(r.errors),
              ElementsAre("metadata.name", "spec.target.protocol", "spec.target.upstream.port",
                          "spec.target.listenPort", "spec.rateLimit.perClient.requestsPerSecond",
                          "spec.rateLimit.rules[0].match", "spec.concurrency.maxInFlight"));
  for (const auto& e : r.errors)
    EXPECT_EQ(e.message, "required");
}

TEST(PolicyDecoderTest, ChecksApiVersionAndKind) {
  auto r = decodePolicy(yamlJson("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nspec: {}\n"));
  EXPECT_THAT(errorStrings(r.errors),
              ::testing::Contains("apiVersion: must be bulwark.io/v1alpha1 (got \"v1\")"));
  EXPECT_THAT(errorStrings(r.errors),
              ::testing::Contains("kind: must be ResiliencePolicy (got \"ConfigMap\")"));
}

TEST(PolicyDecoderTest, NonObjectsAreErrorsNotCrashes) {
  for (const char* text : {"[1, 2]", "42", "\"text\"", "null", "{spec: [], metadata: 5}"}) {
    auto r = decodePolicy(yamlJson(text));
    EXPECT_FALSE(r.errors.empty()) << text;
  }
}

TEST(PolicyDecoderTest, AcceptsKubernetesServerFields) {
  auto r = decodePolicy(nlohmann::json::parse(R"({
    "apiVersion": "bulwark.io/v1alpha1", "kind": "ResiliencePolicy",
    "metadata": {"name": "p", "namespace": "shop", "uid": "9f1c", "resourceVersion": "42", "generation": 3,
                 "creationTimestamp": "2026-12-01T10:00:00Z", "finalizers": ["bulwark.io/cleanup"],
                 "managedFields": [{"manager": "kubectl"}], "ownerReferences": []},
    "spec": {"target": {"protocol": "redis", "upstream": {"host": "r", "port": 6379}, "listenPort": 16379}}})"));
  ASSERT_THAT(errorStrings(r.errors), IsEmpty());
  EXPECT_EQ(r.policy.metadata.generation, 3);
  EXPECT_EQ(r.policy.metadata.resourceVersion, "42");
  EXPECT_EQ(r.policy.metadata.finalizers, std::vector<std::string>{"bulwark.io/cleanup"});
}

}  // namespace
}  // namespace bulwark::policy
