#pragma once

#include <atomic>
#include <cstdint>

namespace bulwark::guard {

// Caps the requests in flight at once. The limit can move (the adaptive limiter, a new bundle) while
// requests hold slots; lowering it refuses newcomers until enough slots are released.
class Bulkhead {
 public:
  explicit Bulkhead(int64_t limit) : limit_(limit) {}

  bool tryAcquire() {
    int64_t held = inFlight_.fetch_add(1, std::memory_order_acq_rel) + 1;
    if (held <= limit_.load(std::memory_order_relaxed)) return true;
    inFlight_.fetch_sub(1, std::memory_order_acq_rel);
    return false;
  }
  void release() { inFlight_.fetch_sub(1, std::memory_order_acq_rel); }

  void setLimit(int64_t limit) { limit_.store(limit, std::memory_order_relaxed); }
  int64_t limit() const { return limit_.load(std::memory_order_relaxed); }
  int64_t inFlight() const { return inFlight_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> inFlight_{0};
  std::atomic<int64_t> limit_;
};

}  // namespace bulwark::guard
