// Cost of one rate-limit decision, alone and with two threads sharing the limiter (a node budget is
// shared by every worker). Goal (issue 3): <= 50 ns, and no worse than 2x with two threads.
#include <benchmark/benchmark.h>

#include <chrono>

#include "core/guard/gcra_limiter.h"

namespace {

bulwark::guard::GcraLimiter& sharedLimiter() {
  static bulwark::guard::GcraLimiter limiter(1e9, 1'000'000);  // admits everything: measures the fast path
  return limiter;
}

// Decision only, with the time supplied by the caller (as the proxy passes the loop's cached time).
void BM_GcraDecision(benchmark::State& state) {
  auto& l = sharedLimiter();
  int64_t now = 1'000'000'000;
  for (auto _ : state) {
    now += 1000;
    benchmark::DoNotOptimize(l.tryAcquire(now));
  }
}
BENCHMARK(BM_GcraDecision)->Threads(1)->Threads(2)->UseRealTime();

// Decision plus reading the monotonic clock, the cost when no cached time is at hand.
void BM_GcraDecisionWithClock(benchmark::State& state) {
  auto& l = sharedLimiter();
  for (auto _ : state) {
    int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    benchmark::DoNotOptimize(l.tryAcquire(now));
  }
}
BENCHMARK(BM_GcraDecisionWithClock)->Threads(1)->Threads(2)->UseRealTime();

// A limiter that refuses most requests: refusals must stay as cheap as admissions.
void BM_GcraRefusal(benchmark::State& state) {
  static bulwark::guard::GcraLimiter tight(10, 1);
  int64_t now = 1'000'000'000;
  for (auto _ : state) {
    now += 1000;
    benchmark::DoNotOptimize(tight.tryAcquire(now));
  }
}
BENCHMARK(BM_GcraRefusal)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
