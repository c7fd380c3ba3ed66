#include "core/guard/gcra_limiter.h"

#include <algorithm>
#include <cmath>

namespace bulwark::guard {
namespace {

int64_t intervalFor(double perSecond) {
  double ns = 1e9 / perSecond;
  return std::max<int64_t>(1, static_cast<int64_t>(std::llround(ns)));
}

}  // namespace

GcraLimiter::GcraLimiter(double perSecond, int64_t burst)
    : intervalNs_(intervalFor(perSecond)), burst_(std::max<int64_t>(1, burst)) {}

void GcraLimiter::configure(double perSecond, int64_t burst) {
  intervalNs_.store(intervalFor(perSecond), std::memory_order_relaxed);
  burst_.store(std::max<int64_t>(1, burst), std::memory_order_relaxed);
}

double GcraLimiter::perSecond() const {
  return 1e9 / static_cast<double>(intervalNs_.load(std::memory_order_relaxed));
}

GcraLimiter::Decision GcraLimiter::acquire(int64_t nowNs, int64_t n, int64_t maxWaitNs) {
  const int64_t interval = intervalNs_.load(std::memory_order_relaxed);
  const int64_t tolerance = interval * burst_.load(std::memory_order_relaxed);  // burst requests fit at once
  int64_t tat = tat_.load(std::memory_order_relaxed);
  while (true) {
    // Idle time does not bank credit beyond `burst`: the schedule restarts at now.
    const int64_t next = std::max(tat, nowNs) + interval * n;
    const int64_t wait = next - tolerance - nowNs;  // > 0: the request is early by this much
    if (wait > maxWaitNs) return {false, wait};
    if (tat_.compare_exchange_weak(tat, next, std::memory_order_relaxed))
      return {true, std::max<int64_t>(0, wait)};
  }
}

}  // namespace bulwark::guard
