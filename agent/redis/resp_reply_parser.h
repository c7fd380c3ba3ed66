#pragma once

// An incremental scanner of what a Redis server sends: RESP2 and RESP3, every type redis 7 emits
// (+ - : $ * _ , # ! = ( % ~ | >), aggregates nested to a bounded depth, attributes (|) taken as part
// of the reply they precede.
//
// The caller feeds whatever arrived; feed() stops at the end of each top-level reply (Reply: the
// bytes up to data + consumed complete it) or consumes everything (NeedMore). Nothing is held back:
// the caller can forward consumed bytes at once, and a 16 MiB bulk passes in pieces through a parser
// whose state is a depth stack and a few hundred bytes of captured content.
//
// Per reply, frame() tells the proxy what it needs without a second parse: the type, whether it is
// an error (- or ! at top level) or an out-of-band push (>), a scalar's value (content truncated to
// maxCapturedLength, integers parsed), and the first maxCapturedElements elements of a top-level
// aggregate -- enough to recognize RESP2 pub/sub messages ("message", "pmessage", "smessage",
// "subscribe" confirmations), which are plain arrays.
//
// Malformed input stops the scanner with an error code (sticky until reset()); it never reads past the
// chunk. No exceptions, no allocation after construction.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "agent/redis/resp_decimal.h"

namespace bulwark::redis {

enum class ReplyType : std::uint8_t {
  SimpleString = '+',
  Error = '-',
  Integer = ':',
  BulkString = '$',
  Array = '*',
  Null = '_',
  Double = ',',
  Boolean = '#',
  BlobError = '!',
  VerbatimString = '=',
  BigNumber = '(',
  Map = '%',
  Set = '~',
  Attribute = '|',
  Push = '>',
};

bool isAggregate(ReplyType type);

struct ReplyLimits {
  std::size_t maxDepth = 64;                          // nested aggregates, attributes included
  std::int64_t maxAggregateLength = (1LL << 32) - 1;  // elements (pairs for maps and attributes)
  std::int64_t maxBulkLength = std::numeric_limits<std::int64_t>::max();
  std::int64_t maxLineLength = 64LL * 1024 * 1024;  // simple strings, errors, big numbers
  std::size_t maxCapturedElements = 4;
  std::size_t maxCapturedLength = 256;
};

enum class ReplyStatus : std::uint8_t { NeedMore, Reply, Error };

enum class ReplyError : std::uint8_t {
  None,
  UnexpectedByte,     // not a RESP type byte where a value starts
  BadLength,          // a bulk or aggregate length that is not a number, or negative (other than -1)
  BulkTooLarge,       // above maxBulkLength
  AggregateTooLarge,  // above maxAggregateLength
  TooDeep,            // nested beyond maxDepth
  BadInteger,         // ':' not a 64-bit integer
  BadDouble,          // ',' not a number, inf or nan
  BadBoolean,         // '#' not t or f
  BadBigNumber,       // '(' not digits
  BadVerbatim,        // '=' without its "xxx:" format prefix
  BadTerminator,      // no CRLF where a value ends
  LineTooLong,        // a simple string or error above maxLineLength
};

struct ReplyResult {
  ReplyStatus status = ReplyStatus::NeedMore;
  std::size_t consumed = 0;
};

// One captured value: the top-level reply or one of its first elements.
struct ReplyValue {
  ReplyType type = ReplyType::Null;
  bool null = false;         // $-1, *-1 and _
  bool truncated = false;    // content holds only the first maxCapturedLength bytes
  std::int64_t length = 0;   // bulk length, line length, or element count as sent (pairs for % and |)
  std::int64_t integer = 0;  // ':' value; '#' as 1 or 0
  std::string_view content;  // bytes of + - $ ! = ( , ; empty for the others
};

struct ReplyFrame {
  ReplyValue value;  // the reply itself (after any attribute)
  bool hasAttribute = false;
  std::uint64_t bytes = 0;               // the whole frame, attributes included
  std::span<const ReplyValue> elements;  // the first elements of an aggregate reply

  bool isError() const { return value.type == ReplyType::Error || value.type == ReplyType::BlobError; }
  bool isPush() const { return value.type == ReplyType::Push; }
  bool isNull() const { return value.null; }
};

class RespReplyParser {
 public:
  explicit RespReplyParser(const ReplyLimits& limits = {});

  ReplyResult feed(const char* data, std::size_t len);
  ReplyResult feed(std::string_view data) { return feed(data.data(), data.size()); }

  // The reply of the last Reply result; valid until the next feed() that starts a new reply.
  const ReplyFrame& frame() const { return frame_; }
  bool inFrame() const { return inFrame_; }  // a reply has started and not ended

  ReplyError error() const { return error_; }
  static std::string_view describe(ReplyError error);
  void reset();
  const ReplyLimits& limits() const { return limits_; }

 private:
  enum class State : std::uint8_t {
    Type,
    Decimal,
    Line,
    Double,
    BigNumber,
    Boolean,
    BulkData,
    Cr,
    Lf,
    Error
  };
  struct Level {
    std::int64_t remaining;
    std::int64_t index;  // elements completed
    bool attribute;
  };

  ReplyResult fail(ReplyError error, const char* data, const char* p);
  void beginValue(char type);
  bool endValue(bool attribute);  // true when the top-level reply is complete
  bool startAggregate(std::int64_t n, bool& frameDone, ReplyError& error);
  void capture(const char* p, std::size_t n);
  bool validDouble() const;

  ReplyLimits limits_;
  State state_ = State::Type;
  ReplyError error_ = ReplyError::None;
  detail::DecimalLine number_;
  char type_ = 0;               // type byte of the value in progress
  bool null_ = false;           // the value in progress is a null ('_')
  std::int64_t remaining_ = 0;  // bulk bytes still to come
  std::int64_t position_ = 0;   // bytes of the line or bulk seen so far
  int bigPhase_ = 0;

  std::vector<Level> stack_;
  std::size_t depth_ = 0;

  bool inFrame_ = false;
  std::uint64_t carried_ = 0;  // bytes of the frame consumed by earlier calls
  ReplyFrame frame_;
  std::vector<ReplyValue> values_;  // [0] the reply, [1..] its first elements
  std::vector<char> captureBuffer_;
  ReplyValue* target_ = nullptr;  // the captured value in progress, if any
  std::size_t capturedElements_ = 0;

  std::array<char, 128> double_{};
  std::size_t doubleLength_ = 0;
};

}  // namespace bulwark::redis
