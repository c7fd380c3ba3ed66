// Cost of one rate-limit decision, alone and with two threads sharing the limiter (a node budget is
// shared by every worker). Goal (issue 3): <= 50 ns, and no worse than 2x with two threads. The raw
// limiter under two threads hammering one cache line is the worst case; the proxy goes through a
// per-worker stash (BM_GcraDecisionPerWorkerStash).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include "core/guard/gcra_limiter.h"
#include "core/guard/local_token_cache.h"

namespace {

// Made afresh before every run (repetitions included): each run's clock starts at the same time, and a
// limiter left over from an earlier run would be far ahead of it and refuse everything.
std::unique_ptr<bulwark::guard::GcraLimiter> shared;
std::unique_ptr<bulwark::guard::GcraLimiter> tight;

void freshLimiters(const benchmark::State&) {
  shared = std::make_unique<bulwark::guard::GcraLimiter>(1e9, 1'000'000);  // admits everything: the fast path
  tight = std::make_unique<bulwark::guard::GcraLimiter>(10, 1);            // refuses nearly everything
}

// Decision only, with the time supplied by the caller (as the proxy passes the loop's cached time).
void BM_GcraDecision(benchmark::State& state) {
  auto& l = *shared;
  int64_t now = 1'000'000'000;
  for (auto _ : state) {
    now += 1000;
    benchmark::DoNotOptimize(l.tryAcquire(now));
  }
}
BENCHMARK(BM_GcraDecision)->Setup(freshLimiters)->Threads(1)->Threads(2)->UseRealTime();

// Decision plus reading the monotonic clock, the cost when no cached time is at hand.
void BM_GcraDecisionWithClock(benchmark::State& state) {
  auto& l = *shared;
  for (auto _ : state) {
    int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    benchmark::DoNotOptimize(l.tryAcquire(now));
  }
}
BENCHMARK(BM_GcraDecisionWithClock)->Setup(freshLimiters)->Threads(1)->Threads(2)->UseRealTime();

// A limiter that refuses most requests: refusals must stay as cheap as admissions.
void BM_GcraRefusal(benchmark::State& state) {
  auto& l = *tight;
  int64_t now = 1'000'000'000;
  for (auto _ : state) {
    now += 1000;
    benchmark::DoNotOptimize(l.tryAcquire(now));
  }
}
BENCHMARK(BM_GcraRefusal)->Setup(freshLimiters)->Threads(1)->Threads(2)->UseRealTime();

// What the proxy does per request: each worker takes admissions from the shared limiter in batches.
void BM_GcraDecisionPerWorkerStash(benchmark::State& state) {
  auto& l = *shared;
  bulwark::guard::LocalTokenCache stash;
  int64_t now = 1'000'000'000;
  for (auto _ : state) {
    now += 1000;
    benchmark::DoNotOptimize(stash.tryAcquire(l, now));
  }
}
BENCHMARK(BM_GcraDecisionPerWorkerStash)->Setup(freshLimiters)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
