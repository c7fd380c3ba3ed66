#pragma once

// Every metric the agent exports, declared in one place (DESIGN §7). Counters on the request path are
// per worker and written by that worker alone (a relaxed load and store, no lock, no shared cache line);
// a scrape sums them.

#include <prometheus/collectable.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bulwark::stats {

// bulwark_requests_total{decision}
enum class Decision : uint8_t {
  Allowed,
  Limited,
  Denied,
  Shed,
  Stale,
  Coalesced,
  BreakerOpen,
  Timeout,
  kCount
};
const char* decisionName(Decision d);

// Upper bounds of bulwark_upstream_latency_seconds, in seconds.
inline constexpr std::array<double, 16> kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// A counter written by one thread and read by any: no read-modify-write, so no locked instruction.
class LocalCounter {
 public:
  void add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct LatencyHistogram {
  std::array<LocalCounter, kLatencyBuckets.size() + 1> buckets;  // the last one is +Inf
  LocalCounter count;
  LocalCounter sumNanos;
  void observe(int64_t nanos);
};

// What one worker counts for one policy.
struct WorkerPolicyStats {
  std::array<LocalCounter, static_cast<size_t>(Decision::kCount)> decisions;
  LatencyHistogram upstreamLatency;
  LocalCounter upstreamErrors;  // error replies the breaker counts, connection failures, timeouts
  LocalCounter protocolErrors;  // malformed client input that closed a connection
  LocalCounter connectionsOpened;
  LocalCounter connectionsClosed;

  void count(Decision d, uint64_t n = 1) { decisions[static_cast<size_t>(d)].add(n); }
};

// Gauges read at scrape time from the live guard objects.
struct PolicyGauges {
  std::function<int64_t()> inFlight;
  std::function<int64_t()> inFlightLimit;
  std::function<int()> breakerState;  // 0 closed, 1 open, 2 half-open
  std::function<int64_t()> spoolBytes;
};

// The stats of one policy: a slot per worker, plus gauges.
class PolicyStats {
 public:
  PolicyStats(std::string policy, std::string protocol, size_t workers);
  WorkerPolicyStats& worker(size_t i) { return *workers_[i]; }
  const std::string& policy() const { return policy_; }
  const std::string& protocol() const { return protocol_; }
  void setGauges(PolicyGauges g);

  // Sums over workers.
  uint64_t decisions(Decision d) const;
  void collect(std::vector<prometheus::MetricFamily>& families) const;

 private:
  std::string policy_, protocol_;
  std::vector<std::unique_ptr<WorkerPolicyStats>> workers_;
  mutable std::mutex gaugesMutex_;
  PolicyGauges gauges_;
};

// The agent's collectable: every live policy plus agent-wide counters.
class AgentStats : public prometheus::Collectable {
 public:
  void add(std::shared_ptr<PolicyStats> policy);
  void remove(const std::string& policy);

  // bulwark_policy_load_errors_total: policy files or bundles refused.
  void countLoadError() { loadErrors_.fetch_add(1, std::memory_order_relaxed); }
  // Also bulwark_policies, the number of policies served.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<PolicyStats>> policies_;
  std::atomic<uint64_t> loadErrors_{0};
};

}  // namespace bulwark::stats
