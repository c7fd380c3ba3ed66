#pragma once

#include <algorithm>
#include <cstdint>

#include "core/guard/gcra_limiter.h"

namespace bulwark::guard {

// A worker's private stash of admissions taken from a shared GcraLimiter in small batches, so that
// workers sharing one node budget touch the limiter's cache line once per batch instead of once per
// request. It never admits more than the limiter allowed: the batch is admitted by the limiter first.
// What it costs is precision the other way: admissions still stashed when they expire (after
// `lifetimeNs`) are lost, so the batch stays a small fraction of what the limiter passes in that time.
// One per worker and limiter, used only from that worker's thread: no atomics.
class LocalTokenCache {
 public:
  static constexpr int64_t kLifetimeNs = 1'000'000;  // 1 ms
  static constexpr int64_t kMaxBatch = 64;

  bool tryAcquire(GcraLimiter& limiter, int64_t nowNs) {
    if (tokens_ > 0 && nowNs < expiresNs_) {
      --tokens_;
      return true;
    }
    // A batch of at most a millisecond's worth of the rate, and never more than a tenth of the burst, so
    // stashed admissions cannot starve the other workers of the burst.
    const int64_t perMs = static_cast<int64_t>(limiter.perSecond() / 1000.0);
    const int64_t batch = std::clamp<int64_t>(std::min(perMs, limiter.burst() / 10), 1, kMaxBatch);
    if (batch > 1 && limiter.tryAcquire(nowNs, batch).allowed) {
      tokens_ = batch - 1;
      expiresNs_ = nowNs + kLifetimeNs;
      return true;
    }
    tokens_ = 0;
    return limiter.tryAcquire(nowNs).allowed;
  }

 private:
  int64_t tokens_ = 0;
  int64_t expiresNs_ = 0;
};

}  // namespace bulwark::guard
