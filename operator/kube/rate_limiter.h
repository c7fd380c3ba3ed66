#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/util/clock.h"

namespace bulwark::kube {

// How long an item must wait before it is retried (client-go's workqueue.TypedRateLimiter).
class RateLimiter {
 public:
  using Duration = std::chrono::nanoseconds;
  virtual ~RateLimiter() = default;
  virtual Duration when(const std::string& key) = 0;  // the delay for this retry; counts it
  virtual void forget(const std::string& key) = 0;    // the item succeeded: start over
  virtual int retries(const std::string& key) = 0;
};

// Per item: base * 2^failures, at most `max` (client-go: 5 ms to 1000 s).
class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Duration base, Duration max) : base_(base), max_(max) {}
  Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int retries(const std::string& key) override;

 private:
  std::mutex mutex_;
  Duration base_;
  Duration max_;
  std::map<std::string, int> failures_;
};

// One token bucket for all items (client-go: 10 per second, burst 100), as golang.org/x/time/rate's
// Reserve: each call takes a token, possibly going into debt, and waits until the debt is paid.
class BucketRateLimiter final : public RateLimiter {
 public:
  BucketRateLimiter(double perSecond, int burst, const Clock& clock);
  Duration when(const std::string& key) override;
  void forget(const std::string&) override {}
  int retries(const std::string&) override { return 0; }

 private:
  std::mutex mutex_;
  double perSecond_;
  double burst_;
  const Clock& clock_;
  double tokens_;
  Clock::time_point last_;
};

// The longest delay of several limiters.
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
      : limiters_(std::move(limiters)) {}
  Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int retries(const std::string& key) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// client-go's DefaultControllerRateLimiter: per-item exponential 5 ms..1000 s, and overall 10 qps burst 100.
std::unique_ptr<RateLimiter> defaultControllerRateLimiter(const Clock& clock);

}  // namespace bulwark::kube
