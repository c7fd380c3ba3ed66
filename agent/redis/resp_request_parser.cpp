#include "agent/redis/resp_request_parser.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace bulwark::redis {

namespace {

constexpr std::string_view kErrPrefix = "-ERR ";

// isspace() in the C locale, which sdssplitargs uses between arguments.
bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

RespRequestParser::RespRequestParser(const RequestLimits& limits) : limits_(limits) {
  slots_.resize(limits_.maxCapturedArgs);
  views_.resize(limits_.maxCapturedArgs);
}

std::string_view RespRequestParser::describe(RequestError error) {
  switch (error) {
    case RequestError::None:
      return "";
    case RequestError::BadMultibulkLength:
      return "Protocol error: invalid multibulk length";
    case RequestError::TooManyArguments:
      return "Protocol error: invalid multibulk length";
    case RequestError::UnexpectedByte:
      return "Protocol error: expected '$'";
    case RequestError::BadBulkLength:
      return "Protocol error: invalid bulk length";
    case RequestError::BulkTooLarge:
      return "Protocol error: invalid bulk length";
    case RequestError::BadTerminator:
      return "Protocol error: expected CRLF";
    case RequestError::InlineTooLong:
      return "Protocol error: too big inline request";
    case RequestError::UnbalancedQuotes:
      return "Protocol error: unbalanced quotes in request";
    case RequestError::NulInInline:
      return "Protocol error: NUL byte in inline request";
  }
  return "Protocol error";
}

std::string_view RespRequestParser::errorMessage() const {
  if (errorLength_ == 0) return {};
  return {errorText_.data() + kErrPrefix.size(), errorLength_ - kErrPrefix.size() - 2};
}

std::string_view RespRequestParser::errorReply() const {
  return {errorText_.data(), errorLength_};
}

void RespRequestParser::reset() {
  state_ = State::Start;
  error_ = RequestError::None;
  errorLength_ = 0;
  beginFrame();
  frameBytes_ = 0;
}

void RespRequestParser::beginFrame() {
  argc_ = 0;
  argIndex_ = 0;
  remaining_ = 0;
  captured_ = 0;
  capturing_ = false;
  inBody_ = false;
  inline_ = false;
  carried_ = 0;
  lineLength_ = 0;
  lineInArena_ = false;
  arena_.clear();
}

RequestResult RespRequestParser::fail(RequestError error, const char* data, const char* p, char got) {
  state_ = State::Error;
  error_ = error;
  std::string_view message = describe(error);
  std::size_t n = 0;
  auto put = [&](std::string_view s) {
    const std::size_t k = std::min(s.size(), errorText_.size() - n);
    std::memcpy(errorText_.data() + n, s.data(), k);
    n += k;
  };
  put(kErrPrefix);
  put(message);
  if (error == RequestError::UnexpectedByte) {
    // redis-server prints the byte as %c, with CR and LF blanked so the reply stays one line.
    const char shown = (got == '\r' || got == '\n') ? ' ' : got;
    put(", got '");
    put(std::string_view(&shown, 1));
    put("'");
  }
  put("\r\n");
  errorLength_ = n;
  return {RequestStatus::Error, false, static_cast<std::size_t>(p - data), 0, 0};
}

RequestResult RespRequestParser::suspend(const char* data, const char* p, const char* frameStart) {
  // The caller's chunk goes away after this call: arguments captured from it move to the arena.
  const std::size_t live = captured_ + (capturing_ ? 1 : 0);
  for (std::size_t i = 0; i < live; ++i) {
    Slot& s = slots_[i];
    if (!s.inArena) {
      s.offset = arena_.size();
      appendArena(s.external, s.length);
      s.inArena = true;
    }
  }
  const std::size_t carried = carried_;
  carried_ += static_cast<std::size_t>(p - frameStart);
  const auto consumed = static_cast<std::size_t>(p - data);
  return {RequestStatus::NeedMore, false, consumed, static_cast<std::size_t>(frameStart - data), carried};
}

RequestResult RespRequestParser::starved(const char* data, const char* p, const char* frameStart) {
  // Out of input inside a multibulk frame: a body streams on, a header waits for more.
  if (inBody_) return report(RequestStatus::Continue, false, data, p, frameStart);
  return suspend(data, p, frameStart);
}

RequestResult RespRequestParser::report(RequestStatus status, bool complete, const char* data, const char* p,
                                        const char* frameStart) {
  const auto inChunk = static_cast<std::size_t>(p - frameStart);
  RequestResult r{status, complete, static_cast<std::size_t>(p - data),
                  static_cast<std::size_t>(frameStart - data),
                  status == RequestStatus::Command ? carried_ : 0};
  if (status == RequestStatus::Command) {
    for (std::size_t i = 0; i < captured_; ++i) {
      const Slot& s = slots_[i];
      views_[i] = s.inArena ? std::string_view(arena_.data() + s.offset, s.length)
                            : std::string_view(s.external, s.length);
    }
  }
  if (complete) {
    frameBytes_ = carried_ + inChunk;
    inBody_ = false;
  } else {
    carried_ += inChunk;
  }
  return r;
}

namespace {

// A length as clients send it: up to 18 digits, no sign, no leading zero, then CRLF; anything else
// (including a line cut short) returns nullptr and is left to the state machine.
const char* plainLength(const char* p, const char* end, std::int64_t& out) {
  const char* q = p;
  std::int64_t v = 0;
  if (q == end || *q < '0' || *q > '9') return nullptr;
  if (*q == '0') {
    ++q;
  } else {
    while (q != end && *q >= '0' && *q <= '9' && q - p < 18)
      v = v * 10 + (*q++ - '0');
  }
  if (end - q < 2 || q[0] != '\r' || q[1] != '\n') return nullptr;
  out = v;
  return q + 2;
}

}  // namespace

const char* RespRequestParser::wholeHeader(const char* frame, const char* end) {
  // Most commands arrive whole and well-formed: parse the header straight through the chunk. Whatever
  // is unusual (cut short, an argument past the header budget, "*0", an error) returns nullptr and the
  // state machine starts over at the frame, so both paths agree by construction.
  std::int64_t count = 0;
  const char* p = plainLength(frame + 1, end, count);
  if (p == nullptr || count == 0 || count > INT_MAX || count > limits_.maxArguments) return nullptr;
  const auto argc = static_cast<std::size_t>(count);
  const std::size_t capture = argc < slots_.size() ? argc : slots_.size();
  for (std::size_t i = 0; i < capture; ++i) {
    if (p == end || *p != '$') return nullptr;
    std::int64_t length = 0;
    p = plainLength(p + 1, end, length);
    if (p == nullptr || length > limits_.maxBulkLength) return nullptr;
    const auto n = static_cast<std::size_t>(length);
    if (static_cast<std::size_t>(p - frame) + n + 2 > limits_.maxHeaderBytes) return nullptr;
    if (static_cast<std::size_t>(end - p) < n + 2 || p[n] != '\r' || p[n + 1] != '\n') return nullptr;
    slots_[i] = Slot{p, 0, n, false};
    p += n + 2;
  }
  argc_ = argc;
  argIndex_ = capture;
  captured_ = capture;
  return p;
}

RequestResult RespRequestParser::feed(const char* data, std::size_t len) {
  if (state_ == State::Error) return {RequestStatus::Error, false, 0, 0, 0};
  const char* p = data;
  const char* const end = data + len;
  const char* frameStart = data;

  for (;;) {
    switch (state_) {
      case State::Start:
        if (p == end) return {RequestStatus::NeedMore, false, len, len, 0};
        beginFrame();
        frameStart = p;
        if (*p == '*') {
          if (const char* headerEnd = wholeHeader(p, end)) {
            p = headerEnd;
            if (argIndex_ == argc_) return report(RequestStatus::Command, true, data, p, frameStart);
            state_ = State::ArgStart;
            inBody_ = true;
            return report(RequestStatus::Command, false, data, p, frameStart);
          }
          ++p;
          number_.reset();
          state_ = State::Count;
        } else {
          state_ = State::Inline;
        }
        break;

      case State::Inline: {
        // Line content allowed beyond what is held already; the newline may come one byte later.
        const std::size_t room = limits_.maxInlineLength - lineLength_;
        const auto avail = static_cast<std::size_t>(end - p);
        const std::size_t scan = avail < room + 1 ? avail : room + 1;
        const auto* newline = static_cast<const char*>(std::memchr(p, '\n', scan));
        if (newline == nullptr) {
          if (avail > room) return fail(RequestError::InlineTooLong, data, p + room);
          if (lineInArena_) {
            appendArena(p, avail);
          } else {
            appendArena(frameStart, static_cast<std::size_t>(end - frameStart));
            lineInArena_ = true;
          }
          lineLength_ += avail;
          return suspend(data, end, frameStart);
        }
        const auto n = static_cast<std::size_t>(newline - p);
        std::size_t length = lineLength_ + n;
        // Unescaped quoted arguments go to the arena behind the line: reserving first keeps the
        // line where it is while they are appended.
        if (lineInArena_) appendArena(p, n);
        arena_.reserve(arena_.size() + length);
        const char* line = lineInArena_ ? arena_.data() : p;
        p = newline + 1;
        if (std::memchr(line, '\0', length) != nullptr) return fail(RequestError::NulInInline, data, p);
        if (length > 0 && line[length - 1] == '\r') --length;
        if (!splitInline(line, length, lineInArena_)) return fail(RequestError::UnbalancedQuotes, data, p);
        state_ = State::Start;
        if (argc_ == 0) break;  // a blank line: redis-server ignores it
        inline_ = true;
        return report(RequestStatus::Command, true, data, p, frameStart);
      }

      case State::Count: {
        const auto step = number_.feed(p, end);
        if (step == detail::DecimalLine::Step::NeedMore) return suspend(data, p, frameStart);
        if (step == detail::DecimalLine::Step::BadTerminator)
          return fail(RequestError::BadTerminator, data, p);
        if (step == detail::DecimalLine::Step::Invalid)
          return fail(RequestError::BadMultibulkLength, data, p);
        const std::int64_t n = number_.value();
        if (n <= 0) {  // "*0", "*-1": redis-server runs nothing and reads on
          state_ = State::Start;
          break;
        }
        if (n > INT_MAX) return fail(RequestError::BadMultibulkLength, data, p);
        if (n > limits_.maxArguments) return fail(RequestError::TooManyArguments, data, p);
        argc_ = static_cast<std::size_t>(n);
        state_ = State::ArgStart;
        break;
      }

      case State::ArgStart:
        if (argIndex_ == argc_) {
          state_ = State::Start;
          return report(inBody_ ? RequestStatus::Continue : RequestStatus::Command, true, data, p,
                        frameStart);
        }
        if (!inBody_ && argIndex_ == slots_.size()) {
          inBody_ = true;
          return report(RequestStatus::Command, false, data, p, frameStart);
        }
        if (p == end) return starved(data, p, frameStart);
        if (*p != '$') return fail(RequestError::UnexpectedByte, data, p, *p);
        ++p;
        number_.reset();
        state_ = State::ArgLength;
        break;

      case State::ArgLength: {
        const auto step = number_.feed(p, end);
        if (step == detail::DecimalLine::Step::NeedMore) return starved(data, p, frameStart);
        if (step == detail::DecimalLine::Step::BadTerminator)
          return fail(RequestError::BadTerminator, data, p);
        if (step == detail::DecimalLine::Step::Invalid) return fail(RequestError::BadBulkLength, data, p);
        const std::int64_t n = number_.value();
        if (n < 0) return fail(RequestError::BadBulkLength, data, p);
        if (n > limits_.maxBulkLength) return fail(RequestError::BulkTooLarge, data, p);
        remaining_ = n;
        capturing_ = false;
        state_ = State::ArgData;
        if (!inBody_) {
          const std::size_t header = carried_ + static_cast<std::size_t>(p - frameStart);
          if (header + static_cast<std::size_t>(n) + 2 > limits_.maxHeaderBytes) {
            inBody_ = true;
            return report(RequestStatus::Command, false, data, p, frameStart);
          }
          capturing_ = true;
          slots_[argIndex_] = Slot{p, 0, 0, false};
        }
        break;
      }

      case State::ArgData: {
        const auto avail = static_cast<std::size_t>(end - p);
        const std::size_t n =
            static_cast<std::size_t>(remaining_) < avail ? static_cast<std::size_t>(remaining_) : avail;
        if (capturing_) {
          Slot& s = slots_[argIndex_];
          if (s.inArena) appendArena(p, n);
          s.length += n;
        }
        p += n;
        remaining_ -= static_cast<std::int64_t>(n);
        if (remaining_ > 0) return starved(data, p, frameStart);
        state_ = State::ArgCr;
        break;
      }

      case State::ArgCr:
        if (p == end) return starved(data, p, frameStart);
        if (*p != '\r') return fail(RequestError::BadTerminator, data, p);
        ++p;
        state_ = State::ArgLf;
        break;

      case State::ArgLf:
        if (p == end) return starved(data, p, frameStart);
        if (*p != '\n') return fail(RequestError::BadTerminator, data, p);
        ++p;
        if (capturing_) {
          ++captured_;
          capturing_ = false;
        }
        ++argIndex_;
        state_ = State::ArgStart;
        break;

      case State::Error:
        return {RequestStatus::Error, false, static_cast<std::size_t>(p - data), 0, 0};
    }
  }
}

bool RespRequestParser::splitInline(const char* line, std::size_t length, bool lineInArena) {
  // sdssplitargs: blanks separate arguments; "..." takes \n \r \t \b \a \xHH and \<any> escapes and
  // '...' takes \' only; a closing quote must be followed by a blank or the end; a quote can open in
  // the middle of an argument (a"b c" is one argument: ab c).
  const char* p = line;
  const char* const e = line + length;
  const char* const arenaBase = arena_.data();
  std::size_t count = 0;
  for (;;) {
    while (p != e && isBlank(*p))
      ++p;
    if (p == e) break;
    const bool capture = count < slots_.size();
    const char* tokenStart = p;
    const char* plainEnd = nullptr;
    bool copying = false;
    const std::size_t outStart = arena_.size();
    auto emit = [&](char c) {
      if (capture && copying) arena_.push_back(c);
    };
    bool inDouble = false;
    bool inSingle = false;
    bool done = false;
    while (!done) {
      if (inDouble) {
        if (p == e) return false;
        if (*p == '\\' && e - p >= 4 && p[1] == 'x' && isHex(p[2]) && isHex(p[3])) {
          emit(static_cast<char>(hexValue(p[2]) * 16 + hexValue(p[3])));
          p += 3;
        } else if (*p == '\\' && e - p >= 2) {
          ++p;
          char c = *p;
          switch (c) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              break;
          }
          emit(c);
        } else if (*p == '"') {
          if (e - p >= 2 && !isBlank(p[1])) return false;
          done = true;
        } else {
          emit(*p);
        }
      } else if (inSingle) {
        if (p == e) return false;
        if (*p == '\\' && e - p >= 2 && p[1] == '\'') {
          ++p;
          emit('\'');
        } else if (*p == '\'') {
          if (e - p >= 2 && !isBlank(p[1])) return false;
          done = true;
        } else {
          emit(*p);
        }
      } else if (p == e) {
        plainEnd = p;
        done = true;
      } else {
        switch (*p) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
            plainEnd = p;
            done = true;
            break;
          case '"':
          case '\'':
            if (capture && !copying) {
              // The plain prefix may itself lie in the arena: copied byte by byte, which stays
              // valid within the reserved capacity.
              copying = true;
              for (const char* q = tokenStart; q != p; ++q)
                arena_.push_back(*q);
            }
            (*p == '"' ? inDouble : inSingle) = true;
            break;
          default:
            emit(*p);
            break;
        }
      }
      if (p != e) ++p;
    }
    if (capture) {
      Slot& s = slots_[count];
      if (copying) {
        s = Slot{nullptr, outStart, arena_.size() - outStart, true};
      } else if (lineInArena) {
        s = Slot{nullptr, static_cast<std::size_t>(tokenStart - arenaBase),
                 static_cast<std::size_t>(plainEnd - tokenStart), true};
      } else {
        s = Slot{tokenStart, 0, static_cast<std::size_t>(plainEnd - tokenStart), false};
      }
    }
    ++count;
  }
  argc_ = count;
  captured_ = count < slots_.size() ? count : slots_.size();
  return true;
}

}  // namespace bulwark::redis
