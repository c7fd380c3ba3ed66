#include "core/policy/duration.h"

#include <gtest/gtest.h>

namespace bulwark::policy {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesKubernetesDurations) {
  EXPECT_EQ(parseDuration("250ms"), 250ms);
  EXPECT_EQ(parseDuration("5s"), 5s);
  EXPECT_EQ(parseDuration("1m30s"), 90s);
  EXPECT_EQ(parseDuration("1.5h"), 90min);
  EXPECT_EQ(parseDuration("1.5s"), 1500ms);
  EXPECT_EQ(parseDuration("10us"), 10us);
  EXPECT_EQ(parseDuration("10\xC2\xB5s"), 10us);
  EXPECT_EQ(parseDuration("10\xCE\xBCs"), 10us);
  EXPECT_EQ(parseDuration("7ns"), 7ns);
  EXPECT_EQ(parseDuration("1h2m3s4ms"), 1h + 2min + 3s + 4ms);
  EXPECT_EQ(parseDuration("0s"), 0s);
  EXPECT_EQ(parseDuration("0.000000001s"), 1ns);
}

TEST(DurationTest, RejectsWhatTheCrdPatternRejects) {
  for (const char* bad : {"", "5", "0", "-5s", "+5s", "5 s", " 5s", "5s ", "5sec", "1d", ".5s", "5.s", "s",
                          "1m30", "5S", "1h-1m", "1e3s"}) {
    std::string error;
    EXPECT_FALSE(parseDuration(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(DurationTest, RejectsOverflowInsteadOfWrapping) {
  std::string error;
  EXPECT_FALSE(parseDuration("9999999999999h", &error));
  EXPECT_EQ(error, "is too long a duration");
  EXPECT_FALSE(parseDuration("2562048h", &error));  // just above int64 nanoseconds
  EXPECT_TRUE(parseDuration("2562047h"));
}

TEST(DurationTest, FormatsShortestForm) {
  EXPECT_EQ(formatDuration(90s), "1m30s");
  EXPECT_EQ(formatDuration(1h), "1h");
  EXPECT_EQ(formatDuration(3600s + 1s), "1h1s");
  EXPECT_EQ(formatDuration(250ms), "250ms");
  EXPECT_EQ(formatDuration(1500ms), "1500ms");
  EXPECT_EQ(formatDuration(10us), "10us");
  EXPECT_EQ(formatDuration(7ns), "7ns");
  EXPECT_EQ(formatDuration(0s), "0s");
}

TEST(DurationTest, FormatReadsBack) {
  for (std::chrono::nanoseconds d : std::initializer_list<std::chrono::nanoseconds>{
           1ns, 999ns, 1us, 1ms, 1s, 61s, 3601s, 86400s, 1500ms, 1234567ns, 2562047h}) {
    auto back = parseDuration(formatDuration(d));
    ASSERT_TRUE(back) << formatDuration(d);
    EXPECT_EQ(*back, std::chrono::nanoseconds(d));
  }
}

}  // namespace
}  // namespace bulwark::policy
