#pragma once

// An incremental parser of what Redis clients send: RESP multibulk commands ("*2\r\n$3\r\nGET\r\n...")
// and inline commands ("PING\r\n", split like redis-server's sdssplitargs, quotes included).
//
// The caller feeds whatever arrived, in chunks of any size, and the parser stops at each event. The
// bytes of a command whose header is not complete yet must stay with the caller until it is, by one
// rule for every result: of the bytes kept from earlier calls keep the last `carried` (all of them, or
// none when they were a blank line that turned out to be ignored), and while the header is incomplete
// add data[frameBegin, consumed) to them.
//
//   NeedMore  every byte was consumed and no command header is complete yet; a frame that has begun
//             is kept as above (pendingBytes() is then the total kept).
//   Command   a command's header is known: argc(), the captured leading args(), inlineCommand(). Its
//             bytes are the kept ones followed by data[frameBegin, consumed). `complete` tells whether
//             the frame ended there; if not, the following calls return Continue for the rest of it.
//   Continue  data[0, consumed) is the body of the command last reported; `complete` at its end.
//   Error     a protocol error at data + consumed; errorMessage() is redis-server's wording. The parser
//             stays in error until reset(): close the connection after replying errorReply().
//
// So a proxy decides on a command from its header alone and then forwards (or drops) the header bytes
// and every body byte verbatim, zero-copy, without holding a large value: a 16 MiB SET streams through
// in pieces. The header is the frame up to the last captured argument: arguments are captured, in
// order, while there are fewer than maxCapturedArgs and the header stays within maxHeaderBytes; the
// first argument that does not fit ends the header after its length line. The caller therefore never
// holds more than about maxHeaderBytes (or maxInlineLength) of an undecided command.
//
// Blank lines, "*0" and "*-1" are ignored as redis-server ignores them. No exceptions, no allocation
// per command once the internal buffers have grown to the largest split header seen; arguments that
// arrive whole in one chunk are views into that chunk.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "agent/redis/resp_decimal.h"

namespace bulwark::redis {

struct RequestLimits {
  std::int64_t maxBulkLength = 512LL * 1024 * 1024;  // redis' proto-max-bulk-len
  std::int64_t maxArguments = 1024 * 1024;
  std::size_t maxInlineLength = 64 * 1024;  // redis' PROTO_INLINE_MAX_SIZE
  std::size_t maxCapturedArgs = 8;          // enough for the name, a subcommand and the first keys
  std::size_t maxHeaderBytes = 64 * 1024;
};

enum class RequestStatus : std::uint8_t { NeedMore, Command, Continue, Error };

enum class RequestError : std::uint8_t {
  None,
  BadMultibulkLength,  // "*x", "*01", above INT_MAX          Protocol error: invalid multibulk length
  TooManyArguments,    // "*N" above maxArguments             Protocol error: invalid multibulk length
  UnexpectedByte,      // an argument not starting with '$'   Protocol error: expected '$', got 'x'
  BadBulkLength,       // "$x", "$-1"                         Protocol error: invalid bulk length
  BulkTooLarge,        // "$N" above maxBulkLength            Protocol error: invalid bulk length
  BadTerminator,       // no CRLF after a length or a value   Protocol error: expected CRLF
  InlineTooLong,       // no newline within maxInlineLength   Protocol error: too big inline request
  UnbalancedQuotes,    // inline "abc or "abc"x               Protocol error: unbalanced quotes in request
  NulInInline,         // a NUL byte in an inline line        Protocol error: NUL byte in inline request
                       // (redis-server would wait for a newline forever: its strchr() stops at NUL)
};

struct RequestResult {
  RequestStatus status = RequestStatus::NeedMore;
  bool complete = false;       // Command, Continue: the frame ends at data + consumed
  std::size_t consumed = 0;    // bytes of this call's data used
  std::size_t frameBegin = 0;  // Command, NeedMore: where the frame starts in data (bytes before it were
                               // ignored blank lines); equals consumed on NeedMore outside a frame
  std::size_t carried = 0;     // Command, NeedMore: bytes of the frame consumed by earlier calls, which
                               // the caller kept; 0 also means: drop what was kept
};

class RespRequestParser {
 public:
  explicit RespRequestParser(const RequestLimits& limits = {});

  RequestResult feed(const char* data, std::size_t len);
  RequestResult feed(std::string_view data) { return feed(data.data(), data.size()); }

  // The command of the last Command result; valid until the next feed() or reset().
  std::size_t argc() const { return argc_; }
  std::span<const std::string_view> args() const { return {views_.data(), captured_}; }
  bool truncated() const { return captured_ < argc_; }  // later arguments were not captured
  bool inlineCommand() const { return inline_; }

  bool inFrame() const { return state_ != State::Start && state_ != State::Error; }
  bool inBody() const { return inBody_; }  // after a Command for an incomplete frame, until it ends
  std::size_t pendingBytes() const { return inFrame() && !inBody_ ? carried_ : 0; }
  // Total bytes of the last frame, once its end has been reported.
  std::uint64_t frameBytes() const { return frameBytes_; }
  // Heap bytes the parser holds: it grows to the largest header that arrived split, then stays.
  std::size_t memoryUsed() const {
    return arena_.capacity() + slots_.capacity() * sizeof(Slot) +
           views_.capacity() * sizeof(std::string_view);
  }

  RequestError error() const { return error_; }
  std::string_view errorMessage() const;  // "Protocol error: ..."
  std::string_view errorReply() const;    // "-ERR Protocol error: ...\r\n", ready to send
  static std::string_view describe(RequestError error);

  void reset();
  const RequestLimits& limits() const { return limits_; }

 private:
  enum class State : std::uint8_t { Start, Inline, Count, ArgStart, ArgLength, ArgData, ArgCr, ArgLf, Error };

  // A captured argument: a view into the caller's current chunk, or a range of arena_ once the chunk
  // it arrived in is gone.
  struct Slot {
    const char* external = nullptr;
    std::size_t offset = 0;
    std::size_t length = 0;
    bool inArena = false;
  };

  void beginFrame();
  RequestResult suspend(const char* data, const char* p, const char* frameStart);
  RequestResult fail(RequestError error, const char* data, const char* p, char got = 0);
  RequestResult report(RequestStatus status, bool complete, const char* data, const char* p,
                       const char* frameStart);
  RequestResult starved(const char* data, const char* p, const char* frameStart);
  const char* wholeHeader(const char* frame, const char* end);
  bool splitInline(const char* line, std::size_t length, bool lineInArena);
  void appendArena(const char* p, std::size_t n) { arena_.insert(arena_.end(), p, p + n); }

  RequestLimits limits_;
  State state_ = State::Start;
  RequestError error_ = RequestError::None;
  detail::DecimalLine number_;

  std::size_t argc_ = 0;
  std::size_t argIndex_ = 0;
  std::int64_t remaining_ = 0;  // bytes of the current argument still to come
  bool capturing_ = false;
  bool inBody_ = false;
  bool inline_ = false;
  std::size_t carried_ = 0;  // frame bytes consumed by earlier calls
  std::uint64_t frameBytes_ = 0;

  // Inline line in progress.
  std::size_t lineLength_ = 0;
  bool lineInArena_ = false;

  std::size_t captured_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::string_view> views_;
  std::vector<char> arena_;

  std::array<char, 64> errorText_{};
  std::size_t errorLength_ = 0;
};

}  // namespace bulwark::redis
