#include "core/policy/quantity.h"

#include <array>
#include <limits>

namespace bulwark::policy {
namespace {

struct Suffix {
  std::string_view name;
  int64_t factor;
};

constexpr std::array<Suffix, 12> kSuffixes{{{"Ki", int64_t{1} << 10},
                                            {"Mi", int64_t{1} << 20},
                                            {"Gi", int64_t{1} << 30},
                                            {"Ti", int64_t{1} << 40},
                                            {"Pi", int64_t{1} << 50},
                                            {"Ei", int64_t{1} << 60},
                                            {"k", 1'000},
                                            {"M", 1'000'000},
                                            {"G", 1'000'000'000},
                                            {"T", 1'000'000'000'000},
                                            {"P", 1'000'000'000'000'000},
                                            {"E", 1'000'000'000'000'000'000}}};

// -Wpedantic: __int128 is a GNU extension, used for overflow-free checks.
__extension__ using Int128 = __int128;

constexpr std::string_view kShape = "must be a quantity of bytes such as 64Mi, 1Gi or 1048576";

std::optional<int64_t> failWith(std::string* error, std::string_view message) {
  if (error) *error = std::string(message);
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> parseByteQuantity(std::string_view text, std::string* error) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  size_t i = 0;
  Int128 whole = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    whole = whole * 10 + (text[i] - '0');
    if (whole > kMax) return failWith(error, "is too large");
    ++i;
  }
  if (i == 0) return failWith(error, kShape);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    size_t f = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      ++i;
    if (i == f) return failWith(error, kShape);
    fraction = text.substr(f, i - f);
  }
  int64_t factor = 1;
  std::string_view rest = text.substr(i);
  if (!rest.empty()) {
    bool found = false;
    for (const Suffix& s : kSuffixes) {
      if (rest == s.name) {
        factor = s.factor;
        found = true;
        break;
      }
    }
    if (!found) return failWith(error, kShape);
  }
  Int128 value = whole * factor;
  if (value > kMax) return failWith(error, "is too large");
  // fraction * factor must come out whole: digits / 10^len * factor.
  if (!fraction.empty()) {
    while (!fraction.empty() && fraction.back() == '0')
      fraction.remove_suffix(1);
    if (fraction.size() > 18) return failWith(error, "must be a whole number of bytes");
    Int128 digits = 0, scale = 1;
    for (char c : fraction) {
      digits = digits * 10 + (c - '0');
      scale *= 10;
    }
    Int128 scaled = digits * factor;
    if (scaled % scale != 0) return failWith(error, "must be a whole number of bytes");
    value += scaled / scale;
    if (value > kMax) return failWith(error, "is too large");
  }
  return static_cast<int64_t>(value);
}

std::string formatByteQuantity(int64_t bytes) {
  if (bytes == 0) return "0";
  for (int i = 5; i >= 0; --i) {
    const Suffix& s = kSuffixes[static_cast<size_t>(i)];
    if (bytes % s.factor == 0) return std::to_string(bytes / s.factor) + std::string(s.name);
  }
  for (int i = 11; i >= 6; --i) {
    const Suffix& s = kSuffixes[static_cast<size_t>(i)];
    if (bytes % s.factor == 0) return std::to_string(bytes / s.factor) + std::string(s.name);
  }
  return std::to_string(bytes);
}

}  // namespace bulwark::policy
