#include "core/guard/local_token_cache.h"

#include <gtest/gtest.h>

namespace bulwark::guard {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

TEST(LocalTokenCacheTest, TakesBatchesButNeverMoreThanTheLimiterAdmits) {
  GcraLimiter limiter(100'000, 10'000);  // 100 per ms: batches of 64
  LocalTokenCache a, b;
  int64_t t = kSecond;
  int admitted = 0;
  // Two workers offering far more than the rate for 100 ms admit what the limiter alone would.
  for (int64_t step = 0; step < 100 * kMs; step += 1000) {
    admitted += a.tryAcquire(limiter, t + step);
    admitted += b.tryAcquire(limiter, t + step);
  }
  EXPECT_LE(admitted, 100'000 / 10 + 10'000);
  EXPECT_GE(admitted, (100'000 / 10 + 10'000) * 95 / 100);
}

TEST(LocalTokenCacheTest, SmallRatesGoStraightToTheLimiter) {
  GcraLimiter limiter(10, 1);
  LocalTokenCache c;
  EXPECT_TRUE(c.tryAcquire(limiter, kSecond));
  EXPECT_FALSE(c.tryAcquire(limiter, kSecond + kMs)) << "no stash to spend: the limiter refuses";
  EXPECT_TRUE(c.tryAcquire(limiter, kSecond + 100 * kMs));
}

TEST(LocalTokenCacheTest, StashedAdmissionsExpire) {
  GcraLimiter limiter(1'000'000, 100'000);
  LocalTokenCache c;
  ASSERT_TRUE(c.tryAcquire(limiter, kSecond));  // takes a batch of 64
  GcraLimiter other(1, 1);
  ASSERT_TRUE(other.tryAcquire(kSecond).allowed);
  // Within the lifetime the stash answers without asking the limiter; after it, the limiter decides.
  EXPECT_TRUE(c.tryAcquire(other, kSecond + kMs / 2));
  EXPECT_FALSE(c.tryAcquire(other, kSecond + 2 * kMs));
}

}  // namespace
}  // namespace bulwark::guard
