#include "agent/runtime/policy_guards.h"

#include <vector>

#include "core/policy/policy_enums.h"

namespace bulwark::runtime {
namespace {

constexpr int64_t kClientIdleNs =
    60'000'000'000;  // keep a client's limiter a minute after its last connection
constexpr size_t kSweepAbove = 4096;

bool sameBreaker(const guard::CircuitBreaker::Config& a, const guard::CircuitBreaker::Config& b) {
  return a.failureRatio == b.failureRatio && a.slowCallNs == b.slowCallNs &&
         a.slowCallRatio == b.slowCallRatio && a.minimumCalls == b.minimumCalls && a.windowNs == b.windowNs &&
         a.openNs == b.openNs && a.halfOpenCalls == b.halfOpenCalls;
}

}  // namespace

std::shared_ptr<guard::GcraLimiter> ClientLimiters::forClient(const std::string& address,
                                                              const RateSpec& spec, int64_t nowNs) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(address);
  if (it == entries_.end()) {
    if (entries_.size() >= kSweepAbove) sweep(nowNs);
    it = entries_
             .emplace(address, Entry{std::make_shared<guard::GcraLimiter>(spec.perSecond, spec.burst), nowNs})
             .first;
  }
  it->second.lastUsedNs = nowNs;
  return it->second.limiter;
}

void ClientLimiters::configure(const RateSpec& spec) {
  std::lock_guard lock(mutex_);
  for (auto& [address, entry] : entries_)
    entry.limiter->configure(spec.perSecond, spec.burst);
}

size_t ClientLimiters::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void ClientLimiters::sweep(int64_t nowNs) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool unused = it->second.limiter.use_count() == 1 && nowNs - it->second.lastUsedNs > kClientIdleNs;
    it = unused ? entries_.erase(it) : std::next(it);
  }
}

PolicyGuards::PolicyGuards(const CompiledPolicy& policy, size_t workers)
    : workers_(workers),
      stats_(std::make_shared<stats::PolicyStats>(policy.key, std::string(policy::toString(policy.protocol)),
                                                  workers)) {
  reconfigure(policy);
  stats_->setGauges({
      [this] { return bulkhead_ ? bulkhead_->inFlight() : 0; },
      [this] { return bulkhead_ ? bulkhead_->limit() : 0; },
      [this] {
        return breaker_ ? static_cast<int>(
                              breaker_->state(std::chrono::steady_clock::now().time_since_epoch().count()))
                        : 0;
      },
      nullptr,
  });
}

SharedLimiter* PolicyGuards::ruleLimiter(const std::string& rule) {
  auto it = rules_.find(rule);
  return it == rules_.end() ? nullptr : it->second.get();
}

void PolicyGuards::reconfigure(const CompiledPolicy& policy) {
  if (policy.budget) {
    if (budget_) {
      budget_->limiter.configure(policy.budget->perSecond, policy.budget->burst);
    } else {
      budget_ = std::make_unique<SharedLimiter>(policy.budget->perSecond, policy.budget->burst, workers_);
    }
  }
  // Guards are never freed while the policy lives: a session of the previous version may still hold a
  // pointer. A dropped limit simply stops being consulted.
  for (const CompiledRule& rule : policy.rules) {
    if (rule.deny) continue;
    auto& limiter = rules_[rule.name];
    if (limiter) {
      limiter->limiter.configure(rule.perSecond, rule.burst);
    } else {
      limiter = std::make_unique<SharedLimiter>(rule.perSecond, rule.burst, workers_);
    }
  }
  if (policy.perClient) clients_.configure(*policy.perClient);
  if (policy.maxInFlight) {
    if (bulkhead_) {
      bulkhead_->setLimit(*policy.maxInFlight);
    } else {
      bulkhead_ = std::make_unique<guard::Bulkhead>(*policy.maxInFlight);
    }
  }
  if (policy.breaker && (!breakerConfig_ || !sameBreaker(*breakerConfig_, *policy.breaker))) {
    if (breaker_) {
      breaker_->reconfigure(*policy.breaker);
    } else {
      breaker_ = std::make_unique<guard::CircuitBreaker>(*policy.breaker);
    }
    breakerConfig_ = policy.breaker;
  }
}

}  // namespace bulwark::runtime
