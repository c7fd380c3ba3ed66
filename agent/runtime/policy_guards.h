#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "agent/runtime/compiled_policy.h"
#include "agent/stats/agent_stats.h"
#include "core/guard/bulkhead.h"
#include "core/guard/circuit_breaker.h"
#include "core/guard/gcra_limiter.h"
#include "core/guard/local_token_cache.h"

namespace bulwark::runtime {

// Per-client (source address) limiters. A connection looks its limiter up once, when it is accepted, and
// keeps it; the request path never touches the map. Entries outlive their connections for a while, so a
// client cannot reset its limit by reconnecting.
class ClientLimiters {
 public:
  std::shared_ptr<guard::GcraLimiter> forClient(const std::string& address, const RateSpec& spec,
                                                int64_t nowNs);
  void configure(const RateSpec& spec);
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<guard::GcraLimiter> limiter;
    int64_t lastUsedNs = 0;
  };
  void sweep(int64_t nowNs);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

// A shared limiter with each worker's stash of admissions (see LocalTokenCache).
struct SharedLimiter {
  SharedLimiter(double perSecond, int64_t burst, size_t workers)
      : limiter(perSecond, burst), stash(workers) {}

  // Admits one request on `worker`; only from that worker's thread.
  bool admit(size_t worker, int64_t nowNs) { return stash[worker].tryAcquire(limiter, nowNs); }

  guard::GcraLimiter limiter;
  std::vector<guard::LocalTokenCache> stash;
};

// The mutable protection state of one policy on this node: limiters, bulkhead, breaker and stats. It
// survives reloads of the same policy, so tightening a limit does not hand out a fresh burst and an
// open breaker stays open.
class PolicyGuards {
 public:
  PolicyGuards(const CompiledPolicy& policy, size_t workers);

  // Carries the state over to a new version of the policy.
  void reconfigure(const CompiledPolicy& policy);

  SharedLimiter* budget() { return budget_.get(); }
  SharedLimiter* ruleLimiter(const std::string& rule);
  guard::Bulkhead* bulkhead() { return bulkhead_.get(); }
  guard::CircuitBreaker* breaker() { return breaker_.get(); }
  ClientLimiters& clients() { return clients_; }
  stats::PolicyStats& stats() { return *stats_; }
  std::shared_ptr<stats::PolicyStats> sharedStats() { return stats_; }

 private:
  size_t workers_;
  std::unique_ptr<SharedLimiter> budget_;
  std::map<std::string, std::unique_ptr<SharedLimiter>> rules_;
  std::unique_ptr<guard::Bulkhead> bulkhead_;
  std::unique_ptr<guard::CircuitBreaker> breaker_;
  std::optional<guard::CircuitBreaker::Config> breakerConfig_;
  ClientLimiters clients_;
  std::shared_ptr<stats::PolicyStats> stats_;
};

}  // namespace bulwark::runtime
