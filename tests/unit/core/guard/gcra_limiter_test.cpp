#include "core/guard/gcra_limiter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace bulwark::guard {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

TEST(GcraLimiterTest, AdmitsTheBurstAtOnceThenTheRate) {
  GcraLimiter l(100, 10);  // one per 10 ms
  int64_t t = 5 * kSecond;
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(l.tryAcquire(t).allowed) << i;
  auto refused = l.tryAcquire(t);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.waitNs, 10 * kMs) << "says when the next one would pass";
  EXPECT_FALSE(l.tryAcquire(t + 9 * kMs).allowed);
  EXPECT_TRUE(l.tryAcquire(t + 10 * kMs).allowed);
  EXPECT_FALSE(l.tryAcquire(t + 10 * kMs).allowed);
}

TEST(GcraLimiterTest, IdleTimeBanksAtMostTheBurst) {
  GcraLimiter l(10, 3);
  int64_t t = kSecond;
  EXPECT_TRUE(l.tryAcquire(t).allowed);
  t += 3600 * kSecond;
  int admitted = 0;
  for (int i = 0; i < 100; ++i)
    admitted += l.tryAcquire(t).allowed;
  EXPECT_EQ(admitted, 3);
}

TEST(GcraLimiterTest, HoldsTheRateOverTimeWithinOneRequest) {
  // Offer 5x the rate for 3 s in 1 ms steps: admitted = rate * time + burst, exactly.
  GcraLimiter l(1000, 100);
  int64_t admitted = 0;
  for (int64_t t = 0; t < 3 * kSecond; t += kMs / 5)
    admitted += l.tryAcquire(10 * kSecond + t).allowed;
  EXPECT_NEAR(static_cast<double>(admitted), 3000 + 100, 1);
}

TEST(GcraLimiterTest, RefusalsReserveNothing) {
  GcraLimiter l(1, 1);
  EXPECT_TRUE(l.tryAcquire(0).allowed);
  for (int i = 0; i < 1000; ++i)
    EXPECT_FALSE(l.tryAcquire(kSecond / 2).allowed);
  EXPECT_TRUE(l.tryAcquire(kSecond).allowed) << "a flood of refusals must not push the schedule back";
}

TEST(GcraLimiterTest, PacingDelaysWithinMaxWaitAndRefusesBeyond) {
  GcraLimiter l(100, 1);  // 10 ms apart
  int64_t t = kSecond;
  EXPECT_EQ(l.acquireWithin(t, 20 * kMs).waitNs, 0);
  auto second = l.acquireWithin(t, 20 * kMs);
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.waitNs, 10 * kMs);
  auto third = l.acquireWithin(t, 20 * kMs);
  EXPECT_TRUE(third.allowed);
  EXPECT_EQ(third.waitNs, 20 * kMs);
  auto fourth = l.acquireWithin(t, 20 * kMs);
  EXPECT_FALSE(fourth.allowed);
  EXPECT_EQ(fourth.waitNs, 30 * kMs);
  EXPECT_EQ(l.acquireWithin(t + 30 * kMs, 0).waitNs, 0) << "the refused one reserved nothing";
}

TEST(GcraLimiterTest, ReconfiguringTakesEffectOnTheNextDecision) {
  GcraLimiter l(1000, 10);
  int64_t t = kSecond;
  l.configure(10, 1);  // tightened
  EXPECT_DOUBLE_EQ(l.perSecond(), 10);
  EXPECT_EQ(l.burst(), 1);
  int admitted = 0;
  for (int64_t step = 0; step < kSecond; step += kMs)
    admitted += l.tryAcquire(t + step).allowed;
  EXPECT_EQ(admitted, 10);
  l.configure(1000, 10);  // relaxed again
  admitted = 0;
  for (int64_t step = 0; step < kSecond; step += kMs / 10)
    admitted += l.tryAcquire(t + kSecond + step).allowed;
  EXPECT_NEAR(admitted, 1000 + 10, 2);
}

TEST(GcraLimiterTest, FractionalRates) {
  GcraLimiter l(0.5, 1);  // one every 2 s
  EXPECT_TRUE(l.tryAcquire(0).allowed);
  EXPECT_FALSE(l.tryAcquire(kSecond).allowed);
  EXPECT_TRUE(l.tryAcquire(2 * kSecond).allowed);
}

TEST(GcraLimiterTest, ThreadsNeverOverAdmit) {
  GcraLimiter l(1000, 50);
  std::atomic<int64_t> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int64_t t = 0; t < kSecond; t += kMs / 10)
        admitted += l.tryAcquire(t).allowed;
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_LE(admitted.load(), 1000 + 50);
  EXPECT_GE(admitted.load(), 1000);
}

}  // namespace
}  // namespace bulwark::guard
