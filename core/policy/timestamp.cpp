#include "core/policy/timestamp.h"

#include <cstdint>
#include <cstdio>

namespace bulwark::policy {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

std::optional<Timestamp> bad(std::string* error) {
  if (error) *error = "must be an RFC 3339 date-time such as 2026-12-31T23:00:00Z";
  return std::nullopt;
}

}  // namespace

std::optional<Timestamp> parseTimestamp(std::string_view s, std::string* error) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return bad(error);
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return bad(error);
  // Timestamps are nanoseconds in an int64: 1677-09-21 to 2262-04-11. Whole years inside that span.
  if (y < 1678 || y > 2261) {
    if (error) *error = "must be a date between the years 1678 and 2261";
    return std::nullopt;
  }
  size_t i = 19;
  int64_t nanos = 0;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    int64_t scale = 100'000'000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      nanos += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return bad(error);
  }
  int offsetMinutes = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, om) ||
        oh > 23 || om > 59) {
      return bad(error);
    }
    offsetMinutes = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return bad(error);
  }
  if (i != s.size()) return bad(error);
  auto t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) - minutes(offsetMinutes);
  return time_point_cast<Timestamp::duration>(t) + duration_cast<Timestamp::duration>(nanoseconds(nanos));
}

std::string formatTimestamp(Timestamp t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  auto rest = t - day;
  auto h = duration_cast<hours>(rest);
  rest -= h;
  auto m = duration_cast<minutes>(rest);
  rest -= m;
  auto s = duration_cast<seconds>(rest);
  rest -= s;
  int64_t nanos = duration_cast<nanoseconds>(rest).count();
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02lld", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(h.count()), static_cast<int>(m.count()),
                        static_cast<long long>(s.count()));
  std::string out(buf, static_cast<size_t>(n));
  if (nanos != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(nanos));
    std::string frac(buf);
    while (frac.back() == '0')
      frac.pop_back();
    out += frac;
  }
  return out + "Z";
}

}  // namespace bulwark::policy
