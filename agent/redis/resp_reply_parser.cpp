#include "agent/redis/resp_reply_parser.h"

#include <cstring>

namespace bulwark::redis {

namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool equalsLower(const char* p, std::size_t n, std::string_view lowerWord) {
  if (n != lowerWord.size()) return false;
  for (std::size_t i = 0; i < n; ++i) {
    char c = p[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lowerWord[i]) return false;
  }
  return true;
}

}  // namespace

bool isAggregate(ReplyType type) {
  switch (type) {
    case ReplyType::Array:
    case ReplyType::Map:
    case ReplyType::Set:
    case ReplyType::Attribute:
    case ReplyType::Push:
      return true;
    default:
      return false;
  }
}

RespReplyParser::RespReplyParser(const ReplyLimits& limits) : limits_(limits) {
  stack_.resize(limits_.maxDepth);
  values_.resize(limits_.maxCapturedElements + 1);
  captureBuffer_.resize((limits_.maxCapturedElements + 1) * limits_.maxCapturedLength);
}

std::string_view RespReplyParser::describe(ReplyError error) {
  switch (error) {
    case ReplyError::None:
      return "";
    case ReplyError::UnexpectedByte:
      return "invalid reply type byte";
    case ReplyError::BadLength:
      return "invalid length";
    case ReplyError::BulkTooLarge:
      return "bulk string too large";
    case ReplyError::AggregateTooLarge:
      return "aggregate too large";
    case ReplyError::TooDeep:
      return "aggregates nested too deep";
    case ReplyError::BadInteger:
      return "invalid integer";
    case ReplyError::BadDouble:
      return "invalid double";
    case ReplyError::BadBoolean:
      return "invalid boolean";
    case ReplyError::BadBigNumber:
      return "invalid big number";
    case ReplyError::BadVerbatim:
      return "invalid verbatim string";
    case ReplyError::BadTerminator:
      return "missing CRLF";
    case ReplyError::LineTooLong:
      return "line too long";
  }
  return "invalid reply";
}

void RespReplyParser::reset() {
  state_ = State::Type;
  error_ = ReplyError::None;
  depth_ = 0;
  inFrame_ = false;
  carried_ = 0;
  target_ = nullptr;
  capturedElements_ = 0;
  frame_ = ReplyFrame{};
}

ReplyResult RespReplyParser::fail(ReplyError error, const char* data, const char* p) {
  state_ = State::Error;
  error_ = error;
  return {ReplyStatus::Error, static_cast<std::size_t>(p - data)};
}

void RespReplyParser::beginValue(char type) {
  target_ = nullptr;
  if (type == '|') {
    if (depth_ == 0) frame_.hasAttribute = true;
    return;
  }
  std::size_t slot = 0;
  if (depth_ == 1 && !stack_[0].attribute &&
      static_cast<std::uint64_t>(stack_[0].index) < limits_.maxCapturedElements) {
    slot = 1 + static_cast<std::size_t>(stack_[0].index);
    capturedElements_ = slot;
  } else if (depth_ != 0) {
    return;
  }
  ReplyValue& v = values_[slot];
  v = ReplyValue{};
  v.type = static_cast<ReplyType>(type);
  v.content = std::string_view(captureBuffer_.data() + slot * limits_.maxCapturedLength, 0);
  target_ = &v;
}

void RespReplyParser::capture(const char* p, std::size_t n) {
  if (target_ == nullptr || n == 0) return;
  const std::size_t have = target_->content.size();
  const std::size_t room = limits_.maxCapturedLength - have;
  const std::size_t k = n < room ? n : room;
  if (k != 0) {
    const auto slot = static_cast<std::size_t>(target_ - values_.data());
    char* base = captureBuffer_.data() + slot * limits_.maxCapturedLength;
    std::memcpy(base + have, p, k);
    target_->content = std::string_view(base, have + k);
  }
  if (k < n) target_->truncated = true;
}

bool RespReplyParser::endValue(bool attribute) {
  target_ = nullptr;
  for (;;) {
    if (depth_ == 0) return !attribute;  // an attribute at top level precedes the reply proper
    if (attribute) return false;         // attributes are not elements of their aggregate
    Level& level = stack_[depth_ - 1];
    ++level.index;
    if (--level.remaining > 0) return false;
    attribute = level.attribute;
    --depth_;
  }
}

bool RespReplyParser::validDouble() const {
  // What redis sends (%.17g, inf, -inf, nan) and what RESP3 allows: [+-](digits[.digits]|.digits)
  // [e[+-]digits], inf, nan.
  const char* p = double_.data();
  const char* const e = p + doubleLength_;
  if (p != e && (*p == '-' || *p == '+')) ++p;
  const auto rest = static_cast<std::size_t>(e - p);
  if (equalsLower(p, rest, "inf") || equalsLower(p, rest, "nan")) return true;
  std::size_t digits = 0;
  while (p != e && isDigit(*p))
    ++p, ++digits;
  if (p != e && *p == '.') {
    ++p;
    while (p != e && isDigit(*p))
      ++p, ++digits;
  }
  if (digits == 0) return false;
  if (p != e && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != e && (*p == '-' || *p == '+')) ++p;
    std::size_t exponent = 0;
    while (p != e && isDigit(*p))
      ++p, ++exponent;
    if (exponent == 0) return false;
  }
  return p == e;
}

ReplyResult RespReplyParser::feed(const char* data, std::size_t len) {
  if (state_ == State::Error) return {ReplyStatus::Error, 0};
  const char* p = data;
  const char* const end = data + len;
  const char* frameStart = data;

  auto needMore = [&]() {
    if (inFrame_) carried_ += static_cast<std::uint64_t>(end - frameStart);
    return ReplyResult{ReplyStatus::NeedMore, len};
  };
  auto done = [&]() {
    frame_.bytes = carried_ + static_cast<std::uint64_t>(p - frameStart);
    frame_.value = values_[0];
    frame_.elements = std::span<const ReplyValue>(values_.data() + 1, capturedElements_);
    inFrame_ = false;
    state_ = State::Type;
    return ReplyResult{ReplyStatus::Reply, static_cast<std::size_t>(p - data)};
  };

  for (;;) {
    switch (state_) {
      case State::Type: {
        if (p == end) return needMore();
        if (!inFrame_) {
          inFrame_ = true;
          carried_ = 0;
          frameStart = p;
          frame_ = ReplyFrame{};
          capturedElements_ = 0;
        }
        const char c = *p;
        switch (c) {
          case '+':
          case '-':
          case ':':
          case '$':
          case '*':
          case '_':
          case ',':
          case '#':
          case '!':
          case '=':
          case '(':
          case '%':
          case '~':
          case '|':
          case '>':
            break;
          default:
            return fail(ReplyError::UnexpectedByte, data, p);
        }
        ++p;
        type_ = c;
        position_ = 0;
        beginValue(c);
        switch (c) {
          case '+':
          case '-':
            state_ = State::Line;
            break;
          case ',':
            doubleLength_ = 0;
            state_ = State::Double;
            break;
          case '(':
            bigPhase_ = 0;
            state_ = State::BigNumber;
            break;
          case '#':
            state_ = State::Boolean;
            break;
          case '_':
            if (target_) target_->null = true;
            state_ = State::Cr;
            break;
          default:
            number_.reset();
            state_ = State::Decimal;
            break;
        }
        break;
      }

      case State::Decimal: {
        const auto step = number_.feed(p, end);
        if (step == detail::DecimalLine::Step::NeedMore) return needMore();
        if (step == detail::DecimalLine::Step::BadTerminator) return fail(ReplyError::BadTerminator, data, p);
        if (step == detail::DecimalLine::Step::Invalid) {
          return fail(type_ == ':' ? ReplyError::BadInteger : ReplyError::BadLength, data, p);
        }
        const std::int64_t n = number_.value();
        if (type_ == ':') {
          if (target_) target_->integer = n;
          if (endValue(false)) return done();
          state_ = State::Type;
          break;
        }
        if (type_ == '$' || type_ == '!' || type_ == '=') {
          if (n == -1 && type_ == '$') {
            if (target_) target_->null = true;
            if (endValue(false)) return done();
            state_ = State::Type;
            break;
          }
          if (n < 0) return fail(ReplyError::BadLength, data, p);
          if (n > limits_.maxBulkLength) return fail(ReplyError::BulkTooLarge, data, p);
          if (type_ == '=' && n < 4) return fail(ReplyError::BadVerbatim, data, p);
          if (target_) target_->length = n;
          remaining_ = n;
          state_ = n == 0 ? State::Cr : State::BulkData;
          break;
        }
        // An aggregate: * % ~ | >
        if (n == -1 && type_ == '*') {
          if (target_) target_->null = true;
          if (endValue(false)) return done();
          state_ = State::Type;
          break;
        }
        if (n < 0) return fail(ReplyError::BadLength, data, p);
        if (n > limits_.maxAggregateLength) return fail(ReplyError::AggregateTooLarge, data, p);
        if (target_) target_->length = n;
        const bool attribute = type_ == '|';
        const std::int64_t elements = (type_ == '%' || attribute) ? 2 * n : n;
        if (elements == 0) {
          if (endValue(attribute)) return done();
          state_ = State::Type;
          break;
        }
        if (depth_ == limits_.maxDepth) return fail(ReplyError::TooDeep, data, p);
        stack_[depth_++] = Level{elements, 0, attribute};
        target_ = nullptr;
        state_ = State::Type;
        break;
      }

      case State::Line: {
        const auto avail = static_cast<std::size_t>(end - p);
        const auto* cr = static_cast<const char*>(std::memchr(p, '\r', avail));
        const std::size_t n = cr ? static_cast<std::size_t>(cr - p) : avail;
        if (position_ + static_cast<std::int64_t>(n) > limits_.maxLineLength) {
          return fail(ReplyError::LineTooLong, data, p + (limits_.maxLineLength - position_));
        }
        capture(p, n);
        position_ += static_cast<std::int64_t>(n);
        p += n;
        if (cr == nullptr) return needMore();
        ++p;
        if (target_) target_->length = position_;
        state_ = State::Lf;
        break;
      }

      case State::Double: {
        while (p != end && *p != '\r') {
          if (doubleLength_ == double_.size()) return fail(ReplyError::BadDouble, data, p);
          double_[doubleLength_++] = *p++;
        }
        if (p == end) return needMore();
        if (!validDouble()) return fail(ReplyError::BadDouble, data, p);
        capture(double_.data(), doubleLength_);
        if (target_) target_->length = static_cast<std::int64_t>(doubleLength_);
        ++p;
        state_ = State::Lf;
        break;
      }

      case State::BigNumber: {
        const char* run = p;
        while (p != end) {
          const char c = *p;
          if (bigPhase_ == 0 && (c == '-' || c == '+')) {
            bigPhase_ = 1;
          } else if (isDigit(c)) {
            bigPhase_ = 2;
          } else if (c == '\r' && bigPhase_ == 2) {
            break;
          } else {
            return fail(ReplyError::BadBigNumber, data, p);
          }
          if (++position_ > limits_.maxLineLength) return fail(ReplyError::LineTooLong, data, p);
          ++p;
        }
        capture(run, static_cast<std::size_t>(p - run));
        if (p == end) return needMore();
        if (target_) target_->length = position_;
        ++p;
        state_ = State::Lf;
        break;
      }

      case State::Boolean:
        if (p == end) return needMore();
        if (*p != 't' && *p != 'f') return fail(ReplyError::BadBoolean, data, p);
        if (target_) target_->integer = *p == 't' ? 1 : 0;
        ++p;
        state_ = State::Cr;
        break;

      case State::BulkData: {
        const auto avail = static_cast<std::size_t>(end - p);
        const std::size_t n =
            static_cast<std::size_t>(remaining_) < avail ? static_cast<std::size_t>(remaining_) : avail;
        // A verbatim string starts with its format: three bytes and a colon ("txt:").
        if (type_ == '=' && position_ <= 3 && position_ + static_cast<std::int64_t>(n) > 3 &&
            p[3 - position_] != ':') {
          return fail(ReplyError::BadVerbatim, data, p + (3 - position_));
        }
        capture(p, n);
        p += n;
        position_ += static_cast<std::int64_t>(n);
        remaining_ -= static_cast<std::int64_t>(n);
        if (remaining_ > 0) return needMore();
        state_ = State::Cr;
        break;
      }

      case State::Cr:
        if (p == end) return needMore();
        if (*p != '\r') return fail(ReplyError::BadTerminator, data, p);
        ++p;
        state_ = State::Lf;
        break;

      case State::Lf:
        if (p == end) return needMore();
        if (*p != '\n') return fail(ReplyError::BadTerminator, data, p);
        ++p;
        if (endValue(false)) return done();
        state_ = State::Type;
        break;

      case State::Error:
        return {ReplyStatus::Error, static_cast<std::size_t>(p - data)};
    }
  }
}

}  // namespace bulwark::redis
