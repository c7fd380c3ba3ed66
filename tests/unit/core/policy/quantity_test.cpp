#include "core/policy/quantity.h"

#include <gtest/gtest.h>

namespace bulwark::policy {
namespace {

TEST(QuantityTest, ParsesBinaryAndDecimalSuffixes) {
  EXPECT_EQ(parseByteQuantity("64Mi"), int64_t{64} << 20);
  EXPECT_EQ(parseByteQuantity("1Gi"), int64_t{1} << 30);
  EXPECT_EQ(parseByteQuantity("1.5Gi"), int64_t{3} << 29);
  EXPECT_EQ(parseByteQuantity("500M"), 500'000'000);
  EXPECT_EQ(parseByteQuantity("1k"), 1000);
  EXPECT_EQ(parseByteQuantity("1048576"), 1048576);
  EXPECT_EQ(parseByteQuantity("0.5Ki"), 512);
  EXPECT_EQ(parseByteQuantity("1.000Ki"), 1024);
  EXPECT_EQ(parseByteQuantity("7Ei"), int64_t{7} << 60);
}

TEST(QuantityTest, RejectsMalformedAndFractionalBytes) {
  for (const char* bad : {"", "64MB", "64mi", "1.5.Gi", "-1Mi", "+1Mi", "Mi", "1 Mi", "1e3", "0.1", "1.5",
                          "1m", ".5Gi", "5.Gi", "1Ki1"}) {
    std::string error;
    EXPECT_FALSE(parseByteQuantity(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(QuantityTest, RejectsOverflow) {
  std::string error;
  EXPECT_FALSE(parseByteQuantity("8Ei", &error));
  EXPECT_EQ(error, "is too large");
  EXPECT_FALSE(parseByteQuantity("99999999999999999999", &error));
}

TEST(QuantityTest, FormatsCanonically) {
  EXPECT_EQ(formatByteQuantity(int64_t{64} << 20), "64Mi");
  EXPECT_EQ(formatByteQuantity(int64_t{1} << 30), "1Gi");
  EXPECT_EQ(formatByteQuantity(int64_t{3} << 29), "1536Mi");
  EXPECT_EQ(formatByteQuantity(500'000'000), "500M");
  EXPECT_EQ(formatByteQuantity(1001), "1001");
  EXPECT_EQ(formatByteQuantity(0), "0");
  for (int64_t v : {int64_t{1}, int64_t{1024}, int64_t{1000}, int64_t{123456789}, int64_t{1} << 40}) {
    EXPECT_EQ(parseByteQuantity(formatByteQuantity(v)), v);
  }
}

}  // namespace
}  // namespace bulwark::policy
