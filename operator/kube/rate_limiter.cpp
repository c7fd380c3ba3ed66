#include "operator/kube/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace bulwark::kube {

RateLimiter::Duration ItemExponentialRateLimiter::when(const std::string& key) {
  std::lock_guard lock(mutex_);
  int exp = failures_[key]++;
  double delay = static_cast<double>(base_.count()) * std::pow(2.0, exp);
  if (delay > static_cast<double>(max_.count())) return max_;
  return Duration(static_cast<Duration::rep>(delay));
}

void ItemExponentialRateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::retries(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

BucketRateLimiter::BucketRateLimiter(double perSecond, int burst, const Clock& clock)
    : perSecond_(perSecond), burst_(burst), clock_(clock), tokens_(burst), last_(clock.now()) {}

RateLimiter::Duration BucketRateLimiter::when(const std::string&) {
  std::lock_guard lock(mutex_);
  auto now = clock_.now();
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * perSecond_);
    last_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0) return Duration::zero();
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / perSecond_));
}

RateLimiter::Duration MaxOfRateLimiter::when(const std::string& key) {
  Duration longest = Duration::zero();
  for (auto& l : limiters_)
    longest = std::max(longest, l->when(key));
  return longest;
}

void MaxOfRateLimiter::forget(const std::string& key) {
  for (auto& l : limiters_)
    l->forget(key);
}

int MaxOfRateLimiter::retries(const std::string& key) {
  int most = 0;
  for (auto& l : limiters_)
    most = std::max(most, l->retries(key));
  return most;
}

std::unique_ptr<RateLimiter> defaultControllerRateLimiter(const Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(
      std::make_unique<ItemExponentialRateLimiter>(std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  limiters.push_back(std::make_unique<BucketRateLimiter>(10.0, 100, clock));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

}  // namespace bulwark::kube
