#pragma once

// The decimal lines of RESP ("*3\r\n", "$-1\r\n", ":42\r\n" after the type byte), read incrementally
// with redis' own rules (string2ll): an optional '-', no '+', no leading zeros, no "-0", no spaces, the
// value within 64 bits, then exactly CRLF. A line can end in any chunk; the state between chunks is a
// few bytes, so nothing is buffered.

#include <cstdint>

namespace bulwark::redis::detail {

class DecimalLine {
 public:
  enum class Step : std::uint8_t { NeedMore, Done, Invalid, BadTerminator };

  void reset() {
    phase_ = Phase::Start;
    magnitude_ = 0;
    negative_ = false;
  }

  // Consumes from [p, end) up to the end of the line; `p` is left on the first byte not consumed (on
  // Invalid and BadTerminator: on the offending byte).
  Step feed(const char*& p, const char* end) {
    while (p != end) {
      const char c = *p;
      switch (phase_) {
        case Phase::Start:
          if (c == '-') {
            negative_ = true;
            phase_ = Phase::AfterSign;
            ++p;
            continue;
          }
          [[fallthrough]];
        case Phase::AfterSign:
          if (c == '0' && !negative_) {
            phase_ = Phase::Zero;
            ++p;
            continue;
          }
          if (c < '1' || c > '9') return Step::Invalid;
          magnitude_ = static_cast<std::uint64_t>(c - '0');
          phase_ = Phase::Digits;
          ++p;
          continue;
        case Phase::Digits:
          if (c >= '0' && c <= '9') {
            const auto d = static_cast<std::uint64_t>(c - '0');
            // 2^63 itself is only valid negated.
            if (magnitude_ > (kLimit - d) / 10) return Step::Invalid;
            magnitude_ = magnitude_ * 10 + d;
            ++p;
            continue;
          }
          if (c != '\r') return Step::Invalid;
          if (!negative_ && magnitude_ == kLimit) return Step::Invalid;
          phase_ = Phase::Lf;
          ++p;
          continue;
        case Phase::Zero:
          if (c != '\r') return Step::Invalid;
          phase_ = Phase::Lf;
          ++p;
          continue;
        case Phase::Lf:
          if (c != '\n') return Step::BadTerminator;
          ++p;
          phase_ = Phase::Start;
          return Step::Done;
      }
    }
    return Step::NeedMore;
  }

  std::int64_t value() const {
    if (!negative_) return static_cast<std::int64_t>(magnitude_);
    return magnitude_ == kLimit ? INT64_MIN : -static_cast<std::int64_t>(magnitude_);
  }

 private:
  enum class Phase : std::uint8_t { Start, AfterSign, Digits, Zero, Lf };
  static constexpr std::uint64_t kLimit = 9223372036854775808ull;  // 2^63

  std::uint64_t magnitude_ = 0;
  Phase phase_ = Phase::Start;
  bool negative_ = false;
};

}  // namespace bulwark::redis::detail
