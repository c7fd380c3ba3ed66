#pragma once

#include <atomic>
#include <cstdint>

namespace bulwark::guard {

// The generic cell rate algorithm: one atomic "theoretical arrival time" per limiter, so a decision is a
// load, some arithmetic and usually one compare-exchange — no lock, no allocation, no timer. Times are
// nanoseconds on a monotonic clock, passed in by the caller so tests step time instead of sleeping.
class GcraLimiter {
 public:
  struct Decision {
    bool allowed = false;
    // Allowed: how long the caller must hold the request before sending it (0 unless paced).
    // Refused: when the request would have been allowed.
    int64_t waitNs = 0;
  };

  // `perSecond` > 0; `burst` >= 1 requests may pass at once after an idle period.
  GcraLimiter(double perSecond, int64_t burst);

  // Admits `n` requests at `nowNs` or refuses them; never waits.
  Decision tryAcquire(int64_t nowNs, int64_t n = 1) { return acquire(nowNs, n, 0); }

  // Paces: admits the request with a delay of at most `maxWaitNs` (the caller holds it that long), or
  // refuses without reserving capacity when the delay would be longer.
  Decision acquireWithin(int64_t nowNs, int64_t maxWaitNs, int64_t n = 1) {
    return acquire(nowNs, n, maxWaitNs);
  }

  // New rate and burst (operator tightening). Requests already admitted stay admitted; the next decision
  // uses the new values.
  void configure(double perSecond, int64_t burst);

  double perSecond() const;
  int64_t burst() const { return burst_.load(std::memory_order_relaxed); }

 private:
  Decision acquire(int64_t nowNs, int64_t n, int64_t maxWaitNs);

  std::atomic<int64_t> tat_{INT64_MIN / 2};  // theoretical arrival time of the next request
  std::atomic<int64_t> intervalNs_;          // 1 / rate, the emission interval
  std::atomic<int64_t> burst_;
};

}  // namespace bulwark::guard
