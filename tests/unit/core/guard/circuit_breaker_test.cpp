#include "core/guard/circuit_breaker.h"

#include <gtest/gtest.h>

namespace bulwark::guard {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;
using State = CircuitBreaker::State;

CircuitBreaker::Config config() {
  CircuitBreaker::Config c;
  c.failureRatio = 0.5;
  c.slowCallNs = 50 * kMs;
  c.slowCallRatio = 0.8;
  c.minimumCalls = 10;
  c.windowNs = 10 * kSecond;
  c.openNs = 5 * kSecond;
  c.halfOpenCalls = 3;
  return c;
}

// Runs one call at `t` with the given outcome; returns whether it was admitted.
bool call(CircuitBreaker& b, int64_t t, bool failed, int64_t durationNs = kMs) {
  auto p = b.tryAcquire(t);
  if (p.allowed) b.onResult(p, t + durationNs, failed, durationNs);
  return p.allowed;
}

TEST(CircuitBreakerTest, OpensAtTheFailureRatioOnlyAfterMinimumCalls) {
  CircuitBreaker b(config());
  int64_t t = 100 * kSecond;
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(call(b, t + i * kMs, true));
  EXPECT_EQ(b.state(t + 10 * kMs), State::Closed) << "9 calls are below minimumCalls";
  ASSERT_TRUE(call(b, t + 10 * kMs, false));
  EXPECT_EQ(b.state(t + 20 * kMs), State::Open) << "9/10 failures >= 50%";
  EXPECT_FALSE(b.tryAcquire(t + 1 * kSecond).allowed);
}

TEST(CircuitBreakerTest, StaysClosedBelowTheRatio) {
  CircuitBreaker b(config());
  int64_t t = 100 * kSecond;
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(call(b, t + i * kMs, i % 3 == 0));  // 34% failures
  EXPECT_EQ(b.state(t + kSecond), State::Closed);
}

TEST(CircuitBreakerTest, OpensOnSlowCalls) {
  CircuitBreaker b(config());
  int64_t t = 100 * kSecond;
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(call(b, t + i * kMs, false, i < 8 ? 60 * kMs : kMs));
  EXPECT_EQ(b.state(t + kSecond), State::Open) << "8/10 slow >= 80%";
}

TEST(CircuitBreakerTest, OldOutcomesLeaveTheWindow) {
  CircuitBreaker b(config());
  int64_t t = 100 * kSecond;
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(call(b, t + i * kMs, true));
  t += 11 * kSecond;  // those failures are older than the window now
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(call(b, t + i * kMs, i < 3));
  EXPECT_EQ(b.window(t + 20 * kMs).calls, 10);
  EXPECT_EQ(b.state(t + 20 * kMs), State::Closed);
}

TEST(CircuitBreakerTest, HalfOpenTrialsCloseItWhenTheyAllSucceed) {
  CircuitBreaker b(config());
  int64_t t = 100 * kSecond;
  for (int i = 0; i < 10; ++i)
    call(b, t, true);
  ASSERT_EQ(b.state(t), State::Open);
  t += 5 * kSecond + kMs;  // the breaker opened when the tenth result arrived, 1 ms after t
  EXPECT_EQ(b.state(t), State::HalfOpen);
  std::vector<CircuitBreaker::Permit> trials;
  for (int i = 0; i < 3; ++i) {
    trials.push_back(b.tryAcquire(t));
    EXPECT_TRUE(trials.back().allowed);
  }
  EXPECT_FALSE(b.tryAcquire(t).allowed) << "only halfOpenCalls trials";
  for (auto& p : trials)
    b.onResult(p, t + kMs, false, kMs);
  EXPECT_EQ(b.state(t + kMs), State::Closed);
  EXPECT_EQ(b.window(t + kMs).calls, 0) << "closing starts a fresh window";
  EXPECT_TRUE(b.tryAcquire(t + 2 * kMs).allowed);
}

TEST(CircuitBreakerTest, AFailingOrSlowTrialReopens) {
  for (bool slow : {false, true}) {
    CircuitBreaker b(config());
    int64_t t = 100 * kSecond;
    for (int i = 0; i < 10; ++i)
      call(b, t, true);
    t += 5 * kSecond + kMs;
    auto p = b.tryAcquire(t);
    ASSERT_TRUE(p.allowed);
    b.onResult(p, t, !slow, slow ? 60 * kMs : kMs);
    EXPECT_EQ(b.state(t), State::Open);
    EXPECT_FALSE(b.tryAcquire(t + 4 * kSecond).allowed) << "open for a full openDuration again";
    EXPECT_TRUE(b.tryAcquire(t + 5 * kSecond).allowed);
  }
}

TEST(CircuitBreakerTest, StragglersFromAnEarlierStateAreIgnored) {
  CircuitBreaker b(config());
  int64_t t = 100 * kSecond;
  auto straggler = b.tryAcquire(t);  // admitted while closed, answers much later
  for (int i = 0; i < 10; ++i)
    call(b, t, true);
  t += 5 * kSecond + kMs;
  auto trial = b.tryAcquire(t);
  ASSERT_TRUE(trial.allowed);
  b.onResult(straggler, t, true, 5 * kSecond);
  EXPECT_EQ(b.state(t), State::HalfOpen) << "the old call's failure does not reopen";
}

TEST(CircuitBreakerTest, ACancelledTrialFreesItsSlot) {
  CircuitBreaker b(config());
  int64_t t = 100 * kSecond;
  for (int i = 0; i < 10; ++i)
    call(b, t, true);
  t += 5 * kSecond + kMs;
  std::vector<CircuitBreaker::Permit> trials;
  for (int i = 0; i < 3; ++i)
    trials.push_back(b.tryAcquire(t));
  ASSERT_FALSE(b.tryAcquire(t).allowed);
  b.cancel(trials[0]);  // that client went away before the answer
  auto replacement = b.tryAcquire(t);
  ASSERT_TRUE(replacement.allowed);
  for (auto* p : {&trials[1], &trials[2], &replacement})
    b.onResult(*p, t + kMs, false, kMs);
  EXPECT_EQ(b.state(t + kMs), State::Closed);
}

TEST(CircuitBreakerTest, ReconfiguringStartsOverClosed) {
  CircuitBreaker b(config());
  int64_t t = 100 * kSecond;
  auto inFlight = b.tryAcquire(t);
  for (int i = 0; i < 10; ++i)
    call(b, t, true);
  ASSERT_EQ(b.state(t + kMs), State::Open);
  auto c = config();
  c.minimumCalls = 100;
  b.reconfigure(c);
  EXPECT_EQ(b.state(t + kMs), State::Closed);
  b.onResult(inFlight, t + 2 * kMs, true, kMs);
  EXPECT_EQ(b.window(t + 2 * kMs).calls, 0) << "a call admitted under the old settings does not count";
  for (int i = 0; i < 50; ++i)
    call(b, t + 3 * kMs, true);
  EXPECT_EQ(b.state(t + 4 * kMs), State::Closed) << "the new minimumCalls applies";
}

}  // namespace
}  // namespace bulwark::guard
