#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace bulwark::guard {

// A circuit breaker over a sliding time window, shared by every worker of a node without a lock.
//
// Closed: calls pass and their outcomes (failure, slow) are counted in time buckets. Once the window holds
// `minimumCalls` calls and either the failure ratio or the slow-call ratio reaches its threshold, the
// breaker opens. Open: every call is refused until `openDuration` has passed, then the breaker is
// half-open: `halfOpenCalls` trial calls pass; if all succeed fast it closes with a fresh window, the
// first failing or slow one opens it again. Outcomes of calls admitted under an earlier state are ignored
// (each permit carries the state's epoch), so a straggler cannot close or reopen the breaker wrongly.
class CircuitBreaker {
 public:
  struct Config {
    double failureRatio = 0.5;
    int64_t slowCallNs = 1'000'000'000;
    double slowCallRatio = 1.0;
    int64_t minimumCalls = 20;
    int64_t windowNs = 10'000'000'000;
    int64_t openNs = 5'000'000'000;
    int64_t halfOpenCalls = 5;
  };

  enum class State : uint8_t { Closed = 0, Open = 1, HalfOpen = 2 };

  struct Permit {
    bool allowed = false;
    uint32_t epoch = 0;
  };

  explicit CircuitBreaker(const Config& config);

  // New thresholds (a changed policy): the breaker starts over closed with an empty window; calls in
  // flight under the old settings no longer count.
  void reconfigure(const Config& config);

  Permit tryAcquire(int64_t nowNs);
  // `failed`: an error reply the breaker counts, or a timeout; `durationNs`: time to the reply.
  void onResult(const Permit& permit, int64_t nowNs, bool failed, int64_t durationNs);
  // The call was abandoned without an outcome (the client left): a trial slot is given back.
  void cancel(const Permit& permit);
  State state(int64_t nowNs) const;

  // Counts over the current window, for stats and tests.
  struct WindowCounts {
    int64_t calls = 0, failures = 0, slow = 0;
  };
  WindowCounts window(int64_t nowNs) const;

 private:
  static constexpr size_t kBuckets = 10;
  static constexpr int64_t kNoSlot = INT64_MIN / 2;
  struct Bucket {
    std::atomic<int64_t> slot{kNoSlot};  // which bucketNs-wide slice of time the counts belong to
    std::atomic<int64_t> calls{0}, failures{0}, slow{0};
  };

  // state (8 bits) | epoch (32 bits) in one word, so a transition and its epoch change are one CAS.
  static uint64_t pack(State s, uint32_t epoch) { return (uint64_t{epoch} << 8) | static_cast<uint8_t>(s); }
  static State stateOf(uint64_t word) { return static_cast<State>(word & 0xff); }
  static uint32_t epochOf(uint64_t word) { return static_cast<uint32_t>(word >> 8); }

  bool transition(uint64_t& expected, State to, int64_t nowNs);
  void record(int64_t nowNs, bool failed, bool slow);
  void clearWindow();

  // The settings as atomics, so reconfigure() needs no lock against the request path.
  std::atomic<double> failureRatio_, slowCallRatio_;
  std::atomic<int64_t> slowCallNs_, minimumCalls_, windowNs_, openNs_, halfOpenCalls_, bucketNs_;
  std::atomic<uint64_t> word_{pack(State::Closed, 0)};
  std::atomic<int64_t> openedAtNs_{0};
  std::atomic<int64_t> trialsIssued_{0};
  std::atomic<int64_t> trialsSucceeded_{0};
  std::atomic<bool> unjudged_{false};  // failures recorded before the window held minimumCalls
  std::array<Bucket, kBuckets> buckets_;
};

}  // namespace bulwark::guard
