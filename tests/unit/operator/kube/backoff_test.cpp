#include "operator/kube/backoff.h"

#include <gtest/gtest.h>

namespace bulwark::kube {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCapWithJitterOnTop) {
  double r = 0.0;
  Backoff b(milliseconds(100), milliseconds(1000), 0.5, [&r] { return r; });
  EXPECT_EQ(b.next(), milliseconds(100));
  EXPECT_EQ(b.next(), milliseconds(200));
  EXPECT_EQ(b.next(), milliseconds(400));
  EXPECT_EQ(b.next(), milliseconds(800));
  EXPECT_EQ(b.next(), milliseconds(1000));
  EXPECT_EQ(b.next(), milliseconds(1000));
  r = 0.999;
  EXPECT_EQ(b.next(), milliseconds(1499));  // up to half again on top
  b.reset();
  r = 0.5;
  EXPECT_EQ(b.next(), milliseconds(125));
}

}  // namespace
}  // namespace bulwark::kube
