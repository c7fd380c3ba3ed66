#include "operator/kube/rate_limiter.h"

#include <gtest/gtest.h>

namespace bulwark::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ItemExponentialRateLimiter, DoublesPerFailureFrom5msTo1000s) {
  ItemExponentialRateLimiter l(milliseconds(5), seconds(1000));
  EXPECT_EQ(l.when("a"), milliseconds(5));
  EXPECT_EQ(l.when("a"), milliseconds(10));
  EXPECT_EQ(l.when("a"), milliseconds(20));
  EXPECT_EQ(l.when("b"), milliseconds(5));  // per item
  EXPECT_EQ(l.retries("a"), 3);
  for (int i = 0; i < 30; ++i)
    l.when("a");
  EXPECT_EQ(l.when("a"), seconds(1000));
  l.forget("a");
  EXPECT_EQ(l.retries("a"), 0);
  EXPECT_EQ(l.when("a"), milliseconds(5));
}

TEST(BucketRateLimiter, BurstOf100ThenTenPerSecond) {
  ManualClock clock;
  BucketRateLimiter l(10, 100, clock);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(l.when("k" + std::to_string(i)), RateLimiter::Duration::zero()) << i;
  EXPECT_EQ(l.when("x"), milliseconds(100));  // in debt by one token
  EXPECT_EQ(l.when("y"), milliseconds(200));
  clock.advance(milliseconds(200));  // two tokens back pay the debt
  EXPECT_EQ(l.when("z"), milliseconds(100));
  clock.advance(seconds(20));  // refills up to the burst, no further
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(l.when("k" + std::to_string(i)), RateLimiter::Duration::zero()) << i;
  EXPECT_GT(l.when("w"), RateLimiter::Duration::zero());
}

TEST(DefaultControllerRateLimiter, TakesTheLongerOfItemAndBucket) {
  ManualClock clock;
  auto l = defaultControllerRateLimiter(clock);
  EXPECT_EQ(l->when("a"), milliseconds(5));
  EXPECT_EQ(l->when("a"), milliseconds(10));
  for (int i = 0; i < 98; ++i)
    l->when("b" + std::to_string(i));
  EXPECT_EQ(l->when("c"), milliseconds(100));  // the bucket is empty: it dominates the 5 ms
  EXPECT_EQ(l->retries("a"), 2);
  l->forget("a");
  EXPECT_EQ(l->retries("a"), 0);
}

}  // namespace
}  // namespace bulwark::kube
