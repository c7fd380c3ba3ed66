#include "core/guard/bulkhead.h"

#include <gtest/gtest.h>

namespace bulwark::guard {
namespace {

TEST(BulkheadTest, CapsInFlightAndFreesOnRelease) {
  Bulkhead b(2);
  EXPECT_TRUE(b.tryAcquire());
  EXPECT_TRUE(b.tryAcquire());
  EXPECT_FALSE(b.tryAcquire());
  EXPECT_EQ(b.inFlight(), 2);
  b.release();
  EXPECT_TRUE(b.tryAcquire());
}

TEST(BulkheadTest, LoweringTheLimitRefusesNewcomersUntilSlotsFree) {
  Bulkhead b(4);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(b.tryAcquire());
  b.setLimit(2);
  EXPECT_FALSE(b.tryAcquire());
  b.release();
  b.release();
  EXPECT_FALSE(b.tryAcquire()) << "two still held: at the new limit";
  b.release();
  EXPECT_TRUE(b.tryAcquire());
}

}  // namespace
}  // namespace bulwark::guard
