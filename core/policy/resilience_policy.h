#pragma once

// The C++ model of the ResiliencePolicy API (bulwark.io/v1alpha1), field for field as in
// crds/bulwark.io_resiliencepolicies.yaml. Member initializers are the CRD's defaults: a section that is
// present gets them exactly as the API server would apply them (a test compares the two). Fields the CRD
// leaves without a default are std::optional.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/policy/timestamp.h"

namespace bulwark::policy {

inline constexpr const char* kApiGroup = "bulwark.io";
inline constexpr const char* kApiVersion = "bulwark.io/v1alpha1";
inline constexpr const char* kKind = "ResiliencePolicy";

using Duration = std::chrono::nanoseconds;

enum class Protocol { Redis, Nats };
enum class SelectorOperator { In, NotIn, Exists, DoesNotExist };
enum class Priority { Critical, Normal, Sheddable };
enum class OnLimit { Reject, Wait };
enum class RuleAction { Limit, Deny };
enum class CommandClass { Read, Write, Admin, Blocking, PubSub, Transaction };
enum class FailMode { FastFail, StaleOrFail };
enum class PublishAction { Pace, Shed };
enum class FsyncMode { Always, Batch, Never };
// Modes a person can pin (spec.override.mode); Auto leaves the decision to autoTighten.
enum class OverrideMode { Auto, Normal, Tightened, Shed, StaleOnly, Bypass };
// Modes the operator reports (status.mode).
enum class Mode { Normal, Tightened, Shed, StaleOnly, Bypass, Invalid };
enum class ConditionStatus { True, False, Unknown };

struct SelectorRequirement {
  std::string key;
  SelectorOperator op = SelectorOperator::In;
  std::vector<std::string> values;
  bool operator==(const SelectorRequirement&) const = default;
};

// metav1.LabelSelector. An empty selector matches everything.
struct LabelSelector {
  std::map<std::string, std::string> matchLabels;
  std::vector<SelectorRequirement> matchExpressions;
  bool operator==(const LabelSelector&) const = default;
};

struct Upstream {
  std::string host;
  int64_t port = 0;
  bool operator==(const Upstream&) const = default;
};

struct Target {
  Protocol protocol = Protocol::Redis;
  Upstream upstream;
  int64_t listenPort = 0;
  bool operator==(const Target&) const = default;
};

struct ClientClass {
  std::string name;
  Priority priority = Priority::Normal;
  std::optional<LabelSelector> podSelector;
  std::optional<LabelSelector> namespaceSelector;
  std::optional<std::vector<std::string>> sourceCIDRs;
  bool operator==(const ClientClass&) const = default;
};

struct PerClientLimit {
  double requestsPerSecond = 0;
  std::optional<int64_t> burst;
  bool operator==(const PerClientLimit&) const = default;
};

struct RuleMatch {
  std::optional<std::vector<std::string>> commands;
  std::optional<std::vector<std::string>> keyPrefixes;
  std::optional<std::vector<CommandClass>> classes;
  bool operator==(const RuleMatch&) const = default;
};

struct RateLimitRule {
  std::string name;
  RuleMatch match;
  RuleAction action = RuleAction::Limit;
  std::optional<double> requestsPerSecond;
  std::optional<int64_t> burst;
  bool operator==(const RateLimitRule&) const = default;
};

struct RateLimit {
  std::optional<double> requestsPerSecond;
  std::optional<int64_t> burst;
  OnLimit onLimit = OnLimit::Reject;
  Duration maxWait = std::chrono::milliseconds(20);
  std::optional<PerClientLimit> perClient;
  std::vector<RateLimitRule> rules;
  bool operator==(const RateLimit&) const = default;
};

struct AdaptiveConcurrency {
  bool enabled = false;
  int64_t minLimit = 16;
  int64_t maxLimit = 1024;
  bool operator==(const AdaptiveConcurrency&) const = default;
};

struct Concurrency {
  int64_t maxInFlight = 0;
  std::optional<AdaptiveConcurrency> adaptive;
  bool operator==(const Concurrency&) const = default;
};

// Always present: the CRD defaults spec.timeouts to {}.
struct Timeouts {
  Duration connect = std::chrono::seconds(1);
  std::optional<Duration> request;
  bool operator==(const Timeouts&) const = default;
};

struct CircuitBreaker {
  double failureRatio = 0.5;
  Duration slowCallDuration = std::chrono::seconds(1);
  double slowCallRatio = 1.0;
  int64_t minimumCalls = 20;
  Duration window = std::chrono::seconds(10);
  Duration openDuration = std::chrono::seconds(5);
  int64_t halfOpenCalls = 5;
  bool operator==(const CircuitBreaker&) const = default;
};

struct StaleReads {
  bool enabled = false;
  Duration maxStaleness = std::chrono::seconds(60);
  int64_t maxBytes = int64_t{64} << 20;
  bool operator==(const StaleReads&) const = default;
};

struct NegativeCache {
  bool enabled = false;
  Duration ttl = std::chrono::seconds(30);
  int64_t expectedKeys = 1'000'000;
  double falsePositiveRate = 0.01;
  bool operator==(const NegativeCache&) const = default;
};

struct HotKeys {
  bool enabled = false;
  int64_t topK = 64;
  double minRate = 1000;
  Duration localTTL = std::chrono::milliseconds(500);
  bool operator==(const HotKeys&) const = default;
};

struct Degradation {
  std::optional<StaleReads> staleReads;
  bool coalesceReads = false;
  std::optional<NegativeCache> negativeCache;
  std::optional<HotKeys> hotKeys;
  FailMode failMode = FailMode::FastFail;
  bool operator==(const Degradation&) const = default;
};

struct PublishRule {
  std::optional<std::string> name;
  std::vector<std::string> subjects;
  double messagesPerSecond = 0;
  std::optional<int64_t> burst;
  PublishAction action = PublishAction::Pace;
  bool operator==(const PublishRule&) const = default;
};

struct Publish {
  std::vector<PublishRule> rules;
  bool operator==(const Publish&) const = default;
};

struct Deliver {
  double messagesPerSecond = 0;
  std::optional<int64_t> burst;
  bool operator==(const Deliver&) const = default;
};

struct Spool {
  bool enabled = false;
  int64_t maxBytes = int64_t{1} << 30;
  FsyncMode fsync = FsyncMode::Batch;
  bool operator==(const Spool&) const = default;
};

struct Backlog {
  int64_t threshold = 0;
  std::vector<std::string> shedSubjects;
  bool operator==(const Backlog&) const = default;
};

struct Messaging {
  std::optional<Publish> publish;
  std::optional<Deliver> deliver;
  std::optional<Spool> spool;
  Duration dedupWindow = std::chrono::minutes(2);
  std::optional<Backlog> backlog;
  bool operator==(const Messaging&) const = default;
};

struct Signals {
  std::optional<Duration> latencyP99;
  std::optional<double> errorRatio;
  std::optional<double> inFlightUtilization;
  std::optional<int64_t> backlog;
  bool operator==(const Signals&) const = default;
};

struct AutoTighten {
  bool enabled = false;
  std::optional<Signals> signals;
  double decreaseFactor = 0.7;
  double floorRatio = 0.2;
  double increaseStep = 0.1;
  Duration cooldown = std::chrono::seconds(30);
  int64_t consecutiveWindows = 3;
  bool operator==(const AutoTighten&) const = default;
};

struct Override {
  OverrideMode mode = OverrideMode::Auto;
  std::optional<std::string> reason;
  std::optional<Timestamp> expires;
  bool operator==(const Override&) const = default;
};

struct PolicySpec {
  Target target;
  std::optional<LabelSelector> nodeSelector;
  std::vector<ClientClass> clients;
  std::optional<RateLimit> rateLimit;
  std::optional<Concurrency> concurrency;
  Timeouts timeouts;
  std::optional<CircuitBreaker> circuitBreaker;
  std::optional<Degradation> degradation;
  std::optional<Messaging> messaging;
  std::optional<AutoTighten> autoTighten;
  std::optional<Override> override_;
  bool operator==(const PolicySpec&) const = default;
};

struct Condition {
  std::string type;
  ConditionStatus status = ConditionStatus::Unknown;
  std::string reason;
  std::string message;
  Timestamp lastTransitionTime{};
  std::optional<int64_t> observedGeneration;
  bool operator==(const Condition&) const = default;
};

struct ModeTransition {
  Timestamp time{};
  std::string from;
  std::string to;
  std::optional<std::string> reason;
  bool operator==(const ModeTransition&) const = default;
};

struct NodeCounts {
  std::optional<int64_t> desired;
  std::optional<int64_t> applied;
  std::optional<std::string> summary;
  bool operator==(const NodeCounts&) const = default;
};

struct BundleRef {
  std::optional<int64_t> generation;
  std::optional<std::string> hash;
  bool operator==(const BundleRef&) const = default;
};

struct PolicyStatus {
  std::optional<int64_t> observedGeneration;
  std::optional<Mode> mode;
  std::optional<double> effectiveRequestsPerSecond;
  std::optional<NodeCounts> nodes;
  std::optional<std::string> endpoint;
  std::optional<BundleRef> bundle;
  std::vector<Condition> conditions;
  std::vector<ModeTransition> history;
  bool operator==(const PolicyStatus&) const = default;
};

// The ObjectMeta fields Bulwark reads; the rest of ObjectMeta is accepted and not kept.
struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";
  std::optional<std::string> uid;
  std::optional<std::string> resourceVersion;
  std::optional<int64_t> generation;
  std::optional<Timestamp> creationTimestamp;
  std::optional<Timestamp> deletionTimestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> finalizers;
  bool operator==(const ObjectMeta&) const = default;
};

struct ResiliencePolicy {
  ObjectMeta metadata;
  PolicySpec spec;
  std::optional<PolicyStatus> status;
  bool operator==(const ResiliencePolicy&) const = default;

  // namespace/name, the key used in logs, metrics and refusal messages.
  std::string key() const { return metadata.namespace_ + "/" + metadata.name; }
};

// Burst when a limit leaves it unset: a tenth of the rate, at least 1 (documented in the CRD).
int64_t effectiveBurst(std::optional<int64_t> burst, double perSecond);

}  // namespace bulwark::policy
