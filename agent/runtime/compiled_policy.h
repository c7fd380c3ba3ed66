#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/guard/circuit_breaker.h"
#include "core/policy/resilience_policy.h"

namespace bulwark::runtime {

// Command classes as a bit mask; rules match on any overlap.
enum CommandClassBit : uint32_t {
  kRead = 1u << 0,
  kWrite = 1u << 1,
  kAdmin = 1u << 2,
  kBlocking = 1u << 3,
  kPubSub = 1u << 4,
  kTransaction = 1u << 5,
};

// What a rule looks at in one request.
struct RequestView {
  std::string_view command;     // as the client sent it, any case
  std::string_view subcommand;  // the second argument of container commands (CLIENT KILL), else empty
  std::string_view firstKey;    // empty when the command has no key
  uint32_t classes = 0;
};

struct CompiledRule {
  std::string name;
  bool deny = false;
  std::vector<std::string> commands;  // lower case; "client|kill" names a subcommand
  std::vector<std::string> keyPrefixes;
  uint32_t classes = 0;  // 0: any class
  double perSecond = 0;
  int64_t burst = 0;

  bool matches(const RequestView& r) const;
};

struct RateSpec {
  double perSecond = 0;
  int64_t burst = 1;
};

// A validated ResiliencePolicy turned into what the data plane reads per request: plain values, lower-case
// command names, nanoseconds. Immutable; a reload builds a new one.
struct CompiledPolicy {
  std::string key;  // namespace/name, as refusals name the policy
  policy::Protocol protocol = policy::Protocol::Redis;
  std::string upstreamHost;
  uint16_t upstreamPort = 0;
  uint16_t listenPort = 0;
  int64_t connectTimeoutNs = 0;
  std::optional<int64_t> requestTimeoutNs;

  std::vector<CompiledRule> rules;  // in order: the first match decides
  bool rulesNeedKey = false;        // some rule matches on key prefixes: find the request's first key
  std::optional<RateSpec> budget;   // this node's share of the policy budget
  bool pace = false;                // onLimit: wait
  int64_t maxWaitNs = 0;
  std::optional<RateSpec> perClient;
  std::optional<int64_t> maxInFlight;
  std::optional<guard::CircuitBreaker::Config> breaker;
  policy::OverrideMode mode = policy::OverrideMode::Auto;

  // The refusal texts, built once so the request path does not format strings.
  std::string rateLimitedError;   // -BUSY bulwark: rate limited by ns/name (retry later)
  std::string breakerOpenError;   // -BUSY bulwark: circuit open for ns/name
  std::string bulkheadFullError;  // -BUSY bulwark: too many requests in flight for ns/name
  std::string timeoutError;       // -ERR bulwark: upstream timed out for ns/name
  std::string upstreamDownError;  // -ERR bulwark: upstream unavailable for ns/name

  // The RESP error for a denied command.
  std::string deniedError(std::string_view command) const;
  // The first rule that matches, or nullptr.
  const CompiledRule* match(const RequestView& r) const;
};

// `nodeShare` scales the cluster-wide budgets to this node (1.0 in standalone mode).
std::shared_ptr<const CompiledPolicy> compilePolicy(const policy::ResiliencePolicy& policy,
                                                    double nodeShare = 1.0);

}  // namespace bulwark::runtime
