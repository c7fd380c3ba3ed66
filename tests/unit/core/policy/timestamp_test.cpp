#include "core/policy/timestamp.h"

#include <gtest/gtest.h>

namespace bulwark::policy {
namespace {

using namespace std::chrono;

TEST(TimestampTest, ParsesRfc3339) {
  auto t = parseTimestamp("2026-12-03T16:57:08Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(duration_cast<seconds>(t->time_since_epoch()).count(), 1796317028);
  EXPECT_EQ(parseTimestamp("2026-12-03T17:57:08+01:00"), t);
  EXPECT_EQ(parseTimestamp("2026-12-03t16:57:08z"), t);
  auto frac = parseTimestamp("2026-12-03T16:57:08.25Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(*frac - *t, milliseconds(250));
}

TEST(TimestampTest, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-12-03", "2026-12-03 16:57:08Z", "2026-13-03T16:57:08Z", "2026-02-30T00:00:00Z",
        "2026-12-03T24:00:00Z", "2026-12-03T16:57:08", "2026-12-03T16:57:08+0100", "2026-12-03T16:57:08.Z",
        "2026-12-03T16:57:08Zjunk", "tomorrow"}) {
    std::string error;
    EXPECT_FALSE(parseTimestamp(bad, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(TimestampTest, RejectsYearsBeyondNanosecondRange) {
  std::string error;
  EXPECT_FALSE(parseTimestamp("4060-01-01T00:00:00Z", &error));
  EXPECT_EQ(error, "must be a date between the years 1678 and 2261");
  EXPECT_FALSE(parseTimestamp("1600-01-01T00:00:00Z"));
  EXPECT_TRUE(parseTimestamp("2261-12-31T23:59:59Z"));
  EXPECT_TRUE(parseTimestamp("1678-01-01T00:00:00Z"));
}

TEST(TimestampTest, FormatsUtcAndReadsBack) {
  auto t = *parseTimestamp("2030-01-01T00:00:00Z");
  EXPECT_EQ(formatTimestamp(t), "2030-01-01T00:00:00Z");
  auto f = *parseTimestamp("2026-12-03T16:57:08.123Z");
  EXPECT_EQ(formatTimestamp(f), "2026-12-03T16:57:08.123Z");
  EXPECT_EQ(parseTimestamp(formatTimestamp(f)), f);
  EXPECT_EQ(formatTimestamp(*parseTimestamp("2026-12-03T17:57:08+01:00")), "2026-12-03T16:57:08Z");
}

}  // namespace
}  // namespace bulwark::policy
