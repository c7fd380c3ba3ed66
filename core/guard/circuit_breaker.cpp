#include "core/guard/circuit_breaker.h"

#include <algorithm>

namespace bulwark::guard {

CircuitBreaker::CircuitBreaker(const Config& config) {
  reconfigure(config);
}

void CircuitBreaker::reconfigure(const Config& config) {
  failureRatio_.store(config.failureRatio, std::memory_order_relaxed);
  slowCallRatio_.store(config.slowCallRatio, std::memory_order_relaxed);
  slowCallNs_.store(config.slowCallNs, std::memory_order_relaxed);
  minimumCalls_.store(config.minimumCalls, std::memory_order_relaxed);
  windowNs_.store(config.windowNs, std::memory_order_relaxed);
  openNs_.store(config.openNs, std::memory_order_relaxed);
  halfOpenCalls_.store(config.halfOpenCalls, std::memory_order_relaxed);
  bucketNs_.store(std::max<int64_t>(1, config.windowNs / static_cast<int64_t>(kBuckets)),
                  std::memory_order_relaxed);
  uint64_t word = word_.load(std::memory_order_acquire);
  while (
      !word_.compare_exchange_weak(word, pack(State::Closed, epochOf(word) + 1), std::memory_order_acq_rel)) {
  }
  clearWindow();
}

bool CircuitBreaker::transition(uint64_t& expected, State to, int64_t nowNs) {
  uint64_t next = pack(to, epochOf(expected) + 1);
  if (!word_.compare_exchange_strong(expected, next, std::memory_order_acq_rel)) return false;
  if (to == State::Open) openedAtNs_.store(nowNs, std::memory_order_release);
  if (to == State::HalfOpen) {
    trialsIssued_.store(0, std::memory_order_relaxed);
    trialsSucceeded_.store(0, std::memory_order_relaxed);
  }
  if (to == State::Closed) clearWindow();
  expected = next;
  return true;
}

CircuitBreaker::Permit CircuitBreaker::tryAcquire(int64_t nowNs) {
  uint64_t word = word_.load(std::memory_order_acquire);
  while (true) {
    switch (stateOf(word)) {
      case State::Closed:
        return {true, epochOf(word)};
      case State::Open:
        if (nowNs - openedAtNs_.load(std::memory_order_acquire) < openNs_.load(std::memory_order_relaxed)) {
          return {false, epochOf(word)};
        }
        if (!transition(word, State::HalfOpen, nowNs)) continue;  // someone else moved it; look again
        [[fallthrough]];
      case State::HalfOpen:
        if (trialsIssued_.fetch_add(1, std::memory_order_acq_rel) <
            halfOpenCalls_.load(std::memory_order_relaxed)) {
          return {true, epochOf(word)};
        }
        trialsIssued_.fetch_sub(1, std::memory_order_acq_rel);  // refused: only granted trials count
        return {false, epochOf(word)};
    }
  }
}

void CircuitBreaker::onResult(const Permit& permit, int64_t nowNs, bool failed, int64_t durationNs) {
  uint64_t word = word_.load(std::memory_order_acquire);
  if (!permit.allowed || epochOf(word) != permit.epoch) return;
  const bool slow = durationNs >= slowCallNs_.load(std::memory_order_relaxed);
  if (stateOf(word) == State::HalfOpen) {
    if (failed || slow) {
      transition(word, State::Open, nowNs);
    } else if (trialsSucceeded_.fetch_add(1, std::memory_order_acq_rel) + 1 >=
               halfOpenCalls_.load(std::memory_order_relaxed)) {
      transition(word, State::Closed, nowNs);
    }
    return;
  }
  if (stateOf(word) != State::Closed) return;
  record(nowNs, failed, slow);
  // A good call only lowers the ratios, so it need not sum the window — unless failures are waiting for
  // the window to reach minimumCalls, which this call may complete.
  if (!failed && !slow && !unjudged_.load(std::memory_order_relaxed)) return;
  WindowCounts w = window(nowNs);
  if (w.calls < minimumCalls_.load(std::memory_order_relaxed)) {
    if (failed || slow) unjudged_.store(true, std::memory_order_relaxed);
    return;
  }
  unjudged_.store(false, std::memory_order_relaxed);
  const double calls = static_cast<double>(w.calls);
  if (static_cast<double>(w.failures) / calls >= failureRatio_.load(std::memory_order_relaxed) ||
      static_cast<double>(w.slow) / calls >= slowCallRatio_.load(std::memory_order_relaxed)) {
    transition(word, State::Open, nowNs);
  }
}

void CircuitBreaker::cancel(const Permit& permit) {
  uint64_t word = word_.load(std::memory_order_acquire);
  if (permit.allowed && stateOf(word) == State::HalfOpen && epochOf(word) == permit.epoch) {
    trialsIssued_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

CircuitBreaker::State CircuitBreaker::state(int64_t nowNs) const {
  uint64_t word = word_.load(std::memory_order_acquire);
  if (stateOf(word) == State::Open &&
      nowNs - openedAtNs_.load(std::memory_order_acquire) >= openNs_.load(std::memory_order_relaxed)) {
    return State::HalfOpen;  // the next call will be a trial
  }
  return stateOf(word);
}

void CircuitBreaker::record(int64_t nowNs, bool failed, bool slow) {
  const int64_t slot = nowNs / bucketNs_.load(std::memory_order_relaxed);
  Bucket& b = buckets_[static_cast<size_t>(slot) % kBuckets];
  int64_t seen = b.slot.load(std::memory_order_acquire);
  if (seen < slot && b.slot.compare_exchange_strong(seen, slot, std::memory_order_acq_rel)) {
    // This thread moved the bucket to a new slice of time: the old counts fall out of the window.
    b.calls.store(0, std::memory_order_relaxed);
    b.failures.store(0, std::memory_order_relaxed);
    b.slow.store(0, std::memory_order_relaxed);
  }
  b.calls.fetch_add(1, std::memory_order_relaxed);
  if (failed) b.failures.fetch_add(1, std::memory_order_relaxed);
  if (slow) b.slow.fetch_add(1, std::memory_order_relaxed);
}

CircuitBreaker::WindowCounts CircuitBreaker::window(int64_t nowNs) const {
  const int64_t slot = nowNs / bucketNs_.load(std::memory_order_relaxed);
  WindowCounts w;
  for (const Bucket& b : buckets_) {
    int64_t s = b.slot.load(std::memory_order_acquire);
    if (s > slot - static_cast<int64_t>(kBuckets) && s <= slot) {
      w.calls += b.calls.load(std::memory_order_relaxed);
      w.failures += b.failures.load(std::memory_order_relaxed);
      w.slow += b.slow.load(std::memory_order_relaxed);
    }
  }
  return w;
}

void CircuitBreaker::clearWindow() {
  for (Bucket& b : buckets_)
    b.slot.store(kNoSlot, std::memory_order_release);
}

}  // namespace bulwark::guard
