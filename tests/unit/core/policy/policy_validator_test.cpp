#include "core/policy/policy_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/policy/policy_loader.h"
#include "tests/unit/core/policy/policy_test_util.h"

namespace bulwark::policy {
namespace {

using test::errorPaths;
using test::errorStrings;
using test::kMinimalRedis;
using test::yamlJson;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> check(const std::string& extraSpec, std::optional<Timestamp> now = std::nullopt) {
  return errorStrings(checkPolicy(yamlJson(std::string(kMinimalRedis) + extraSpec), now).errors);
}

TEST(PolicyValidatorTest, MinimalPolicyIsValid) {
  EXPECT_THAT(check(""), IsEmpty());
}

TEST(PolicyValidatorTest, NamesFieldRuleAndValue) {
  EXPECT_THAT(check("  rateLimit: {requestsPerSecond: 100, burst: 0}\n"),
              ElementsAre("spec.rateLimit.burst: must be >= 1 (got 0)"));
  EXPECT_THAT(check("  rateLimit: {requestsPerSecond: -5}\n"),
              ElementsAre("spec.rateLimit.requestsPerSecond: must be > 0 (got -5)"));
  EXPECT_THAT(check("  rateLimit: {requestsPerSecond: 0.5, maxWait: 11s}\n"),
              ElementsAre("spec.rateLimit.maxWait: must be between 1ms and 10s (got \"11s\")"));
  EXPECT_THAT(check("  concurrency: {maxInFlight: 0}\n"),
              ElementsAre("spec.concurrency.maxInFlight: must be >= 1 (got 0)"));
  EXPECT_THAT(
      check("  degradation: {staleReads: {enabled: true, maxBytes: 1Ki}}\n"),
      ElementsAre("spec.degradation.staleReads.maxBytes: must be between 1Mi and 64Gi (got \"1Ki\")"));
}

TEST(PolicyValidatorTest, ReturnsEveryErrorAtOnce) {
  auto errors = checkPolicy(yamlJson(R"(apiVersion: bulwark.io/v1alpha1
kind: ResiliencePolicy
metadata: {name: Orders_Cache, namespace: shop}
spec:
  target: {protocol: nats, upstream: {host: "a..b", port: 0}, listenPort: 80}
  rateLimit:
    requestsPerSecond: 100
    rules: [{name: x, match: {commands: [GET]}}, {name: x, match: {}, action: deny, burst: 5}]
  circuitBreaker: {failureRatio: 1.5, openDuration: 10ms}
  degradation: {coalesceReads: true, failMode: staleOrFail}
  autoTighten: {enabled: true, decreaseFactor: 1}
)"))
                    .errors;
  EXPECT_THAT(errorPaths(errors),
              ElementsAre("metadata.name", "spec.target.upstream.host", "spec.target.upstream.port",
                          "spec.target.listenPort", "spec.rateLimit.rules", "spec.rateLimit.rules[1].name",
                          "spec.rateLimit.rules[0].requestsPerSecond", "spec.rateLimit.rules[1].match",
                          "spec.rateLimit.rules[1].requestsPerSecond", "spec.circuitBreaker.failureRatio",
                          "spec.circuitBreaker.openDuration", "spec.degradation.coalesceReads",
                          "spec.degradation.failMode", "spec.autoTighten.signals",
                          "spec.autoTighten.decreaseFactor"));
}

TEST(PolicyValidatorTest, CrossFieldRulesOfTheCrd) {
  EXPECT_THAT(check("  messaging: {dedupWindow: 1m}\n"),
              ElementsAre("spec.messaging: messaging is only supported for protocol nats"));
  EXPECT_THAT(
      check("  autoTighten: {enabled: true, signals: {latencyP99: 20ms}}\n"),
      ElementsAre("spec.rateLimit.requestsPerSecond: autoTighten needs rateLimit.requestsPerSecond, the "
                  "budget it tightens"));
  EXPECT_THAT(
      check("  autoTighten: {signals: {inFlightUtilization: 0.9, backlog: 10}}\n"),
      ElementsAre("spec.autoTighten.signals.backlog: the backlog signal is only supported for protocol nats",
                  "spec.autoTighten.signals.inFlightUtilization: the inFlightUtilization signal needs "
                  "concurrency.maxInFlight"));
  EXPECT_THAT(check("  concurrency: {maxInFlight: 8, adaptive: {minLimit: 4}}\n"), IsEmpty())
      << "minLimit only has to fit maxInFlight when the adaptive limit is on";
  EXPECT_THAT(
      check("  concurrency: {maxInFlight: 8, adaptive: {enabled: true, minLimit: 16, maxLimit: 4}}\n"),
      ElementsAre("spec.concurrency.adaptive.minLimit: must be <= maxLimit (4) (got 16)",
                  "spec.concurrency.adaptive.minLimit: must be <= maxInFlight (8) (got 16)"));
  EXPECT_THAT(
      check("  nodeSelector: {matchExpressions: [{key: zone, operator: Exists, values: [a]}, "
            "{key: zone, operator: In}]}\n"),
      ElementsAre("spec.nodeSelector.matchExpressions[0].values: must be empty for Exists and DoesNotExist",
                  "spec.nodeSelector.matchExpressions[1].values: must be non-empty for In and NotIn"));
  EXPECT_THAT(
      check("  clients: [{name: a, priority: critical}]\n"),
      ElementsAre("spec.clients[0]: a client class needs podSelector, namespaceSelector or sourceCIDRs"));
}

TEST(PolicyValidatorTest, OperatorOnlyRules) {
  EXPECT_THAT(
      check("  clients: [{name: a, sourceCIDRs: [10.0.0.1/8, 300.1.1.1/32, \"fd00::/129\"]}]\n"),
      ElementsAre(
          "spec.clients[0].sourceCIDRs[0]: must have no address bits set beyond the prefix length "
          "(got \"10.0.0.1/8\")",
          "spec.clients[0].sourceCIDRs[1]: must hold a valid IPv4 address (got \"300.1.1.1/32\")",
          "spec.clients[0].sourceCIDRs[2]: must have a prefix length of at most 128 (got \"fd00::/129\")"));
  auto hostErrors = [](const std::string& host) {
    std::string text = kMinimalRedis;
    text.replace(text.find("redis-master.shop.svc"), 21, host);
    return errorStrings(checkPolicy(yamlJson(text)).errors);
  };
  EXPECT_THAT(hostErrors("\"10.0.0.256\""),
              ElementsAre("spec.target.upstream.host: must be a valid IPv4 address (got "
                          "\"10.0.0.256\")"));
  EXPECT_THAT(hostErrors("\"fe80::1::2\""),
              ElementsAre("spec.target.upstream.host: must be a valid IPv6 address (got "
                          "\"fe80::1::2\")"));
  EXPECT_THAT(hostErrors("\"::1\""), IsEmpty());
  EXPECT_THAT(hostErrors("Redis.Example.COM"), IsEmpty());
  EXPECT_THAT(hostErrors("\"a.-b\""), ::testing::SizeIs(1));
}

TEST(PolicyValidatorTest, OverrideExpiryIsCheckedOnlyWhenWritten) {
  auto now = *parseTimestamp("2026-12-03T12:00:00Z");
  std::string pinned = "  override: {mode: Shed, expires: \"2026-12-03T11:00:00Z\"}\n";
  EXPECT_THAT(check(pinned, now),
              ElementsAre("spec.override.expires: must be in the future (got \"2026-12-03T11:00:00Z\")"));
  EXPECT_THAT(check(pinned), IsEmpty()) << "a stored policy whose pin lapsed stays valid";
  EXPECT_THAT(check("  override: {mode: Shed, expires: \"2026-12-03T13:00:00Z\"}\n", now), IsEmpty());
  EXPECT_THAT(check("  override: {mode: Auto, expires: \"2030-01-01T00:00:00Z\"}\n", now),
              ElementsAre("spec.override.expires: only applies to a pinned mode (mode is Auto) (got "
                          "\"2030-01-01T00:00:00Z\")"));
  EXPECT_THAT(check("  override: {mode: Shed, expires: null}\n", now), IsEmpty());
}

TEST(PolicyValidatorTest, UnreadableFieldsAreReportedOnce) {
  EXPECT_THAT(
      check(
          "  rateLimit: {requestsPerSecond: \"many\"}\n  autoTighten: {enabled: true, signals: {errorRatio: "
          "0.1}}\n"),
      ElementsAre("spec.rateLimit.requestsPerSecond: must be a number (got \"many\")"));
  auto errors =
      checkPolicy(yamlJson("apiVersion: bulwark.io/v1alpha1\nkind: ResiliencePolicy\nmetadata: {name: p}\n"
                           "spec: {target: {protocol: redis, upstream: 5, listenPort: x}}\n"))
          .errors;
  EXPECT_THAT(errorStrings(errors), ElementsAre("spec.target.upstream: must be an object (got 5)",
                                                "spec.target.listenPort: must be an integer (got \"x\")"));
}

TEST(PolicyValidatorTest, LabelsAndSelectors) {
  EXPECT_THAT(
      check("  nodeSelector: {matchLabels: {\"bad key!\": x, ok: \"-bad-\"}}\n"),
      ElementsAre(::testing::StartsWith("spec.nodeSelector.matchLabels[bad key!]: must be a qualified name"),
                  ::testing::StartsWith("spec.nodeSelector.matchLabels[ok]: must be a label value")));
}

}  // namespace
}  // namespace bulwark::policy
