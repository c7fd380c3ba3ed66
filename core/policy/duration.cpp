#include "core/policy/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace bulwark::policy {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

// Longest names first so "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 8> kUnits{{{"ns", 1},
                                      {"us", 1'000},
                                      {"\xC2\xB5s", 1'000},  // µs, the micro sign
                                      {"\xCE\xBCs", 1'000},  // μs, the Greek mu; Go accepts both
                                      {"ms", 1'000'000},
                                      {"s", 1'000'000'000},
                                      {"m", 60'000'000'000},
                                      {"h", 3'600'000'000'000}}};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// Adds digits * unit (+ fraction * unit) to total; false on overflow.
bool addComponent(std::string_view whole, std::string_view fraction, int64_t unit, int64_t& total) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (char c : whole) {
    if (value > (kMax - (c - '0')) / 10) return false;
    value = value * 10 + (c - '0');
  }
  if (value > kMax / unit) return false;
  int64_t nanos = value * unit;
  // The fraction contributes fraction * unit, truncated to whole nanoseconds.
  int64_t scale = 1;
  int64_t frac = 0;
  for (char c : fraction) {
    if (scale > kMax / 10) break;  // beyond nanosecond resolution for every unit
    scale *= 10;
    frac = frac * 10 + (c - '0');
  }
  if (frac > 0) {
    // frac/scale * unit without overflow: unit <= 3.6e12 and scale grows with frac.
    long double part =
        static_cast<long double>(frac) / static_cast<long double>(scale) * static_cast<long double>(unit);
    nanos += static_cast<int64_t>(part);
  }
  if (nanos > kMax - total) return false;
  total += nanos;
  return true;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text, std::string* error) {
  if (text.empty()) {
    fail(error, "must be a duration such as 250ms, 5s or 1m30s");
    return std::nullopt;
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && isDigit(text[i]))
      ++i;
    if (i == start) {
      fail(error, "must be a duration such as 250ms, 5s or 1m30s");
      return std::nullopt;
    }
    std::string_view whole = text.substr(start, i - start);
    std::string_view fraction;
    if (i < text.size() && text[i] == '.') {
      size_t f = ++i;
      while (i < text.size() && isDigit(text[i]))
        ++i;
      if (i == f) {
        fail(error, "must be a duration such as 250ms, 5s or 1m30s");
        return std::nullopt;
      }
      fraction = text.substr(f, i - f);
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      fail(error, "must be a duration such as 250ms, 5s or 1m30s (units ns, us, ms, s, m, h)");
      return std::nullopt;
    }
    i += unit->name.size();
    if (!addComponent(whole, fraction, unit->nanos, total)) {
      fail(error, "is too long a duration");
      return std::nullopt;
    }
  }
  return std::chrono::nanoseconds(total);
}

std::string formatDuration(std::chrono::nanoseconds d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  std::string out;
  if (n < 0) {
    out = "-";
    n = -n;
  }
  constexpr int64_t kSecond = 1'000'000'000;
  if (n % kSecond == 0) {
    int64_t s = n / kSecond;
    int64_t h = s / 3600, m = (s / 60) % 60, sec = s % 60;
    if (h) out += std::to_string(h) + "h";
    if (m) out += std::to_string(m) + "m";
    if (sec) out += std::to_string(sec) + "s";
    return out;
  }
  if (n % 1'000'000 == 0) return out + std::to_string(n / 1'000'000) + "ms";
  if (n % 1'000 == 0) return out + std::to_string(n / 1'000) + "us";
  return out + std::to_string(n) + "ns";
}

}  // namespace bulwark::policy
