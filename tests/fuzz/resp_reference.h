#pragma once

// Reference parsers for the fuzzers: whole-buffer, recursive, written from the protocol description
// and redis-server's code rather than from the incremental parsers, and slow on purpose. The fuzzers
// require the incremental parsers to agree with them on every frame boundary, argument, type and on
// where input turns bad.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/redis/resp_reply_parser.h"
#include "agent/redis/resp_request_parser.h"

namespace bulwark::redis::reference {

enum class Outcome { Ok, Incomplete, Bad };

__extension__ typedef __int128 Wide;

// "-?(0|[1-9][0-9]*)\r\n" within int64, decided as early as the bytes allow.
inline Outcome number(std::string_view in, std::size_t& pos, std::int64_t& value) {
  std::size_t p = pos;
  bool negative = false;
  if (p < in.size() && in[p] == '-') {
    negative = true;
    ++p;
  }
  if (p == in.size()) return Outcome::Incomplete;
  Wide magnitude = 0;
  const Wide limit = Wide(1) << 63;
  if (in[p] == '0') {
    if (negative) return Outcome::Bad;
    ++p;
  } else if (in[p] >= '1' && in[p] <= '9') {
    while (p < in.size() && in[p] >= '0' && in[p] <= '9') {
      magnitude = magnitude * 10 + (in[p] - '0');
      if (magnitude > limit) return Outcome::Bad;
      ++p;
    }
  } else {
    return Outcome::Bad;
  }
  if (p == in.size()) return Outcome::Incomplete;
  if (in[p] != '\r') return Outcome::Bad;
  if (!negative && magnitude == limit) return Outcome::Bad;
  ++p;
  if (p == in.size()) return Outcome::Incomplete;
  if (in[p] != '\n') return Outcome::Bad;
  pos = p + 1;
  value = static_cast<std::int64_t>(negative ? -magnitude : magnitude);
  return Outcome::Ok;
}

// redis' sdssplitargs, transliterated over a NUL-terminated copy of the line.
inline bool sdssplitargs(const std::string& lineText, std::vector<std::string>& out) {
  auto isspace_ = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  };
  auto ishex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  auto hexval = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  const char* p = lineText.c_str();
  while (true) {
    while (*p && isspace_(*p))
      p++;
    if (!*p) return true;
    bool inq = false, insq = false, done = false;
    std::string current;
    while (!done) {
      if (inq) {
        if (*p == '\\' && *(p + 1) == 'x' && ishex(*(p + 2)) && ishex(*(p + 3))) {
          current += static_cast<char>(hexval(*(p + 2)) * 16 + hexval(*(p + 3)));
          p += 3;
        } else if (*p == '\\' && *(p + 1)) {
          char c;
          p++;
          switch (*p) {
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
              c = *p;
              break;
          }
          current += c;
        } else if (*p == '"') {
          if (*(p + 1) && !isspace_(*(p + 1))) return false;
          done = true;
        } else if (!*p) {
          return false;
        } else {
          current += *p;
        }
      } else if (insq) {
        if (*p == '\\' && *(p + 1) == '\'') {
          p++;
          current += '\'';
        } else if (*p == '\'') {
          if (*(p + 1) && !isspace_(*(p + 1))) return false;
          done = true;
        } else if (!*p) {
          return false;
        } else {
          current += *p;
        }
      } else {
        switch (*p) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            inq = true;
            break;
          case '\'':
            insq = true;
            break;
          default:
            current += *p;
            break;
        }
      }
      if (*p) p++;
    }
    out.push_back(std::move(current));
  }
}

struct Request {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool isInline = false;
  std::vector<std::string> args;
  std::vector<std::size_t> argEnds;  // multibulk: offset just past each argument's CRLF
};

struct Requests {
  std::vector<Request> frames;
  Outcome outcome = Outcome::Ok;  // Incomplete: the input ends inside something
};

inline Requests requests(std::string_view in, const RequestLimits& limits) {
  Requests out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    Request r;
    r.begin = pos;
    if (in[pos] == '*') {
      std::size_t p = pos + 1;
      std::int64_t count = 0;
      Outcome o = number(in, p, count);
      if (o != Outcome::Ok) {
        out.outcome = o;
        return out;
      }
      if (count <= 0) {
        pos = p;
        continue;
      }
      if (count > 2147483647 || count > limits.maxArguments) {
        out.outcome = Outcome::Bad;
        return out;
      }
      for (std::int64_t i = 0; i < count; ++i) {
        if (p == in.size()) {
          out.outcome = Outcome::Incomplete;
          return out;
        }
        if (in[p] != '$') {
          out.outcome = Outcome::Bad;
          return out;
        }
        ++p;
        std::int64_t len = 0;
        o = number(in, p, len);
        if (o == Outcome::Ok && (len < 0 || len > limits.maxBulkLength)) o = Outcome::Bad;
        if (o != Outcome::Ok) {
          out.outcome = o;
          return out;
        }
        const auto n = static_cast<std::size_t>(len);
        if (in.size() - p < n) {
          out.outcome = Outcome::Incomplete;
          return out;
        }
        r.args.emplace_back(in.substr(p, n));
        p += n;
        for (char want : {'\r', '\n'}) {
          if (p == in.size()) {
            out.outcome = Outcome::Incomplete;
            return out;
          }
          if (in[p] != want) {
            out.outcome = Outcome::Bad;
            return out;
          }
          ++p;
        }
        r.argEnds.push_back(p);
      }
      r.end = p;
      pos = p;
      out.frames.push_back(std::move(r));
      continue;
    }
    const std::size_t newline = in.find('\n', pos);
    if (newline == std::string_view::npos) {
      out.outcome = in.size() - pos > limits.maxInlineLength ? Outcome::Bad : Outcome::Incomplete;
      return out;
    }
    if (newline - pos > limits.maxInlineLength) {
      out.outcome = Outcome::Bad;
      return out;
    }
    std::string line(in.substr(pos, newline - pos));
    if (line.find('\0') != std::string::npos) {
      out.outcome = Outcome::Bad;
      return out;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!sdssplitargs(line, r.args)) {
      out.outcome = Outcome::Bad;
      return out;
    }
    pos = newline + 1;
    if (r.args.empty()) continue;
    r.isInline = true;
    r.end = pos;
    out.frames.push_back(std::move(r));
  }
  return out;
}

// How many leading arguments the incremental parser must capture: while there are fewer than
// maxCapturedArgs and the frame up to the argument's end stays within maxHeaderBytes.
inline std::size_t expectedCaptured(const Request& r, const RequestLimits& limits) {
  if (r.isInline) return std::min(r.args.size(), limits.maxCapturedArgs);
  std::size_t k = 0;
  while (k < r.args.size() && k < limits.maxCapturedArgs && r.argEnds[k] - r.begin <= limits.maxHeaderBytes)
    ++k;
  return k;
}

struct Reply {
  std::size_t begin = 0;
  std::size_t end = 0;
  char type = 0;  // of the reply proper, after attributes
};

struct Replies {
  std::vector<Reply> frames;
  Outcome outcome = Outcome::Ok;
};

class ReplyReader {
 public:
  ReplyReader(std::string_view in, const ReplyLimits& limits) : in_(in), limits_(limits) {}

  Replies all() {
    Replies out;
    while (pos_ < in_.size()) {
      Reply r;
      r.begin = pos_;
      Outcome o = element(0, &r.type);
      if (o != Outcome::Ok) {
        out.outcome = o;
        return out;
      }
      r.end = pos_;
      out.frames.push_back(r);
    }
    return out;
  }

 private:
  // A value preceded by any number of attributes, which belong to it.
  Outcome element(std::size_t depth, char* type) {
    while (pos_ < in_.size() && in_[pos_] == '|') {
      Outcome o = value(depth, nullptr);
      if (o != Outcome::Ok) return o;
    }
    if (pos_ == in_.size()) return Outcome::Incomplete;
    if (type) *type = in_[pos_];
    return value(depth, nullptr);
  }

  Outcome crlf() {
    for (char want : {'\r', '\n'}) {
      if (pos_ == in_.size()) return Outcome::Incomplete;
      if (in_[pos_] != want) return Outcome::Bad;
      ++pos_;
    }
    return Outcome::Ok;
  }

  Outcome value(std::size_t depth, char*) {
    if (pos_ == in_.size()) return Outcome::Incomplete;
    const char t = in_[pos_++];
    std::int64_t n = 0;
    switch (t) {
      case '+':
      case '-': {
        const std::size_t cr = in_.find('\r', pos_);
        const std::size_t len = (cr == std::string_view::npos ? in_.size() : cr) - pos_;
        if (static_cast<std::int64_t>(len) > limits_.maxLineLength) return Outcome::Bad;
        if (cr == std::string_view::npos) return Outcome::Incomplete;
        pos_ = cr + 1;
        if (pos_ == in_.size()) return Outcome::Incomplete;
        if (in_[pos_] != '\n') return Outcome::Bad;
        ++pos_;
        return Outcome::Ok;
      }
      case ':':
        return number(in_, pos_, n);
      case '_':
        return crlf();
      case '#':
        if (pos_ == in_.size()) return Outcome::Incomplete;
        if (in_[pos_] != 't' && in_[pos_] != 'f') return Outcome::Bad;
        ++pos_;
        return crlf();
      case ',': {
        std::string text;
        while (pos_ < in_.size() && in_[pos_] != '\r') {
          if (text.size() == 128) return Outcome::Bad;
          text += in_[pos_++];
        }
        if (pos_ == in_.size()) return Outcome::Incomplete;
        if (!validDouble(text)) return Outcome::Bad;
        ++pos_;
        if (pos_ == in_.size()) return Outcome::Incomplete;
        if (in_[pos_] != '\n') return Outcome::Bad;
        ++pos_;
        return Outcome::Ok;
      }
      case '(': {
        std::size_t count = 0;
        bool digits = false;
        while (pos_ < in_.size() && !(in_[pos_] == '\r' && digits)) {
          const char c = in_[pos_];
          if (c >= '0' && c <= '9') {
            digits = true;
          } else if (!(count == 0 && (c == '-' || c == '+'))) {
            return Outcome::Bad;
          }
          if (static_cast<std::int64_t>(++count) > limits_.maxLineLength) return Outcome::Bad;
          ++pos_;
        }
        if (pos_ == in_.size()) return Outcome::Incomplete;
        ++pos_;
        if (pos_ == in_.size()) return Outcome::Incomplete;
        if (in_[pos_] != '\n') return Outcome::Bad;
        ++pos_;
        return Outcome::Ok;
      }
      case '$':
      case '!':
      case '=': {
        Outcome o = number(in_, pos_, n);
        if (o != Outcome::Ok) return o;
        if (n == -1 && t == '$') return Outcome::Ok;
        if (n < 0 || n > limits_.maxBulkLength || (t == '=' && n < 4)) return Outcome::Bad;
        if (t == '=' && in_.size() - pos_ > 3 && in_[pos_ + 3] != ':') return Outcome::Bad;
        if (static_cast<std::int64_t>(in_.size() - pos_) < n) return Outcome::Incomplete;
        pos_ += static_cast<std::size_t>(n);
        return crlf();
      }
      case '*':
      case '%':
      case '~':
      case '>':
      case '|': {
        Outcome o = number(in_, pos_, n);
        if (o != Outcome::Ok) return o;
        if (n == -1 && t == '*') return Outcome::Ok;
        if (n < 0 || n > limits_.maxAggregateLength) return Outcome::Bad;
        const std::int64_t count = (t == '%' || t == '|') ? 2 * n : n;
        if (count > 0 && depth == limits_.maxDepth) return Outcome::Bad;
        for (std::int64_t i = 0; i < count; ++i) {
          o = element(depth + 1, nullptr);
          if (o != Outcome::Ok) return o;
        }
        return Outcome::Ok;
      }
      default:
        return Outcome::Bad;
    }
  }

  static bool validDouble(const std::string& s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::string rest = s.substr(i);
    for (char& c : rest)
      c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (rest == "inf" || rest == "nan") return true;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9')
        ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      std::size_t e = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9')
        ++i, ++e;
      if (e == 0) return false;
    }
    return i == s.size();
  }

  std::string_view in_;
  ReplyLimits limits_;
  std::size_t pos_ = 0;
};

inline Replies replies(std::string_view in, const ReplyLimits& limits) {
  return ReplyReader(in, limits).all();
}

}  // namespace bulwark::redis::reference
