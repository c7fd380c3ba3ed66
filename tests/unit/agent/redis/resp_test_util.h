#pragma once

// Drivers that use the parsers the way the proxy will (keeping the bytes of an undecided command,
// forwarding the rest as it arrives) and record everything observable, so that a test can require
// the same record however the input is cut into chunks.

#include <cstdint>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agent/redis/resp_reply_parser.h"
#include "agent/redis/resp_request_parser.h"

namespace bulwark::redis::testing {

// Chunk sizes: a whole input, one byte at a time, a cut at every position, random pieces.
using Chunker = std::function<std::vector<std::string_view>(std::string_view)>;

inline std::vector<std::string_view> whole(std::string_view s) {
  return {s};
}

inline std::vector<std::string_view> byteByByte(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size(); ++i)
    out.push_back(s.substr(i, 1));
  return out;
}

inline std::vector<std::string_view> cutAt(std::string_view s, std::size_t at) {
  return {s.substr(0, at), s.substr(at)};
}

inline std::vector<std::string_view> randomPieces(std::string_view s, std::uint32_t seed,
                                                  std::size_t maxPiece) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> size(1, maxPiece);
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = std::min(size(rng), s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// What the proxy would see of one command.
struct RequestEvent {
  std::size_t argc = 0;
  std::vector<std::string> args;
  bool isInline = false;
  bool completeAtHeader = false;
  std::string raw;  // the frame's bytes, reassembled from what the parser said to keep and forward
  std::uint64_t frameBytes = 0;

  bool operator==(const RequestEvent&) const = default;
};

struct RequestRecord {
  std::vector<RequestEvent> commands;
  RequestError error = RequestError::None;
  std::string errorReply;
  bool endsInFrame = false;  // input ended inside a command
  std::string problem;       // a broken contract, for the test to report

  bool operator==(const RequestRecord&) const = default;
};

inline std::string describe(const RequestRecord& r) {
  std::ostringstream o;
  for (const auto& c : r.commands) {
    o << (c.isInline ? "inline" : "multibulk") << " argc=" << c.argc << " bytes=" << c.raw.size() << " [";
    for (const auto& a : c.args)
      o << a.size() << ":" << a.substr(0, 16) << " ";
    o << "]\n";
  }
  o << "error=" << static_cast<int>(r.error) << " " << r.errorReply << " inFrame=" << r.endsInFrame
    << " problem=" << r.problem;
  return o.str();
}

inline RequestRecord runRequests(const std::vector<std::string_view>& chunks,
                                 const RequestLimits& limits = {}) {
  RespRequestParser parser(limits);
  RequestRecord record;
  std::string held;  // bytes of the undecided command, kept as pendingBytes() says
  bool streaming = false;
  auto problem = [&](const std::string& what) {
    if (record.problem.empty()) record.problem = what;
  };
  for (std::string_view chunk : chunks) {
    std::size_t off = 0;
    do {
      const RequestResult r = parser.feed(chunk.data() + off, chunk.size() - off);
      const std::string_view d = chunk.substr(off, r.consumed);
      if (r.consumed > chunk.size() - off) problem("consumed more than given");
      switch (r.status) {
        case RequestStatus::NeedMore: {
          if (r.consumed != chunk.size() - off) problem("NeedMore left input");
          if (r.frameBegin > r.consumed) problem("frameBegin past consumed");
          // The one rule: keep the last `carried` kept bytes (all or none), add the frame's new ones.
          if (r.carried != 0 && r.carried != held.size()) problem("carried is neither all nor none");
          if (r.carried != 0 && r.frameBegin != 0) problem("carried bytes but frame begins later");
          if (r.carried == 0) held.clear();
          held.append(d.substr(r.frameBegin));
          if (parser.pendingBytes() != held.size()) problem("pendingBytes differs from what was kept");
          break;
        }
        case RequestStatus::Command: {
          if (streaming) problem("Command while a body was streaming");
          if (r.carried != 0 && r.carried != held.size()) problem("carried is neither all nor none");
          if (r.carried != 0 && r.frameBegin != 0) problem("carried bytes but frame begins later");
          if (r.carried == 0) held.clear();
          RequestEvent e;
          e.argc = parser.argc();
          for (std::string_view a : parser.args())
            e.args.emplace_back(a);
          e.isInline = parser.inlineCommand();
          e.completeAtHeader = r.complete;
          e.raw = held + std::string(d.substr(r.frameBegin));
          held.clear();
          if (r.complete) e.frameBytes = parser.frameBytes();
          record.commands.push_back(std::move(e));
          streaming = !r.complete;
          break;
        }
        case RequestStatus::Continue:
          if (!streaming) problem("Continue without a command");
          if (!record.commands.empty()) {
            record.commands.back().raw.append(d);
            if (r.complete) record.commands.back().frameBytes = parser.frameBytes();
          }
          streaming = !r.complete;
          break;
        case RequestStatus::Error:
          // Body bytes before the offending one still belong to the streaming command.
          if (streaming && !record.commands.empty()) record.commands.back().raw.append(d);
          record.error = parser.error();
          record.errorReply = std::string(parser.errorReply());
          record.endsInFrame = false;
          return record;
      }
      off += r.consumed;
      if (r.consumed == 0 && r.status != RequestStatus::NeedMore && r.status != RequestStatus::Continue) {
        problem("no progress");
        return record;
      }
    } while (off < chunk.size());
  }
  record.endsInFrame = parser.inFrame();
  for (const auto& c : record.commands) {
    if (c.frameBytes != 0 && c.frameBytes != c.raw.size()) problem("frameBytes differs from the frame");
  }
  return record;
}

// What the proxy would see of one reply.
struct ReplyEvent {
  std::string raw;
  ReplyType type = ReplyType::Null;
  bool isError = false;
  bool isPush = false;
  bool isNull = false;
  bool hasAttribute = false;
  std::int64_t length = 0;
  std::int64_t integer = 0;
  std::string content;
  bool truncated = false;
  std::vector<std::string> elements;  // type byte + content of the captured elements

  bool operator==(const ReplyEvent&) const = default;
};

struct ReplyRecord {
  std::vector<ReplyEvent> replies;
  ReplyError error = ReplyError::None;
  bool endsInFrame = false;
  std::string problem;

  bool operator==(const ReplyRecord&) const = default;
};

inline std::string describe(const ReplyRecord& r) {
  std::ostringstream o;
  for (const auto& e : r.replies) {
    o << static_cast<char>(e.type) << " bytes=" << e.raw.size() << " len=" << e.length << " int=" << e.integer
      << " content=" << e.content.substr(0, 32) << " elements=" << e.elements.size() << "\n";
  }
  o << "error=" << static_cast<int>(r.error) << " inFrame=" << r.endsInFrame << " problem=" << r.problem;
  return o.str();
}

inline ReplyRecord runReplies(const std::vector<std::string_view>& chunks, const ReplyLimits& limits = {}) {
  RespReplyParser parser(limits);
  ReplyRecord record;
  std::string current;
  for (std::string_view chunk : chunks) {
    std::size_t off = 0;
    do {
      const ReplyResult r = parser.feed(chunk.data() + off, chunk.size() - off);
      if (r.consumed > chunk.size() - off && record.problem.empty())
        record.problem = "consumed more than given";
      current.append(chunk.substr(off, r.consumed));
      off += r.consumed;
      if (r.status == ReplyStatus::Error) {
        record.error = parser.error();
        return record;
      }
      if (r.status == ReplyStatus::NeedMore) {
        if (off != chunk.size() && record.problem.empty()) record.problem = "NeedMore left input";
        break;
      }
      const ReplyFrame& f = parser.frame();
      ReplyEvent e;
      e.raw = std::move(current);
      current.clear();
      if (f.bytes != e.raw.size() && record.problem.empty()) record.problem = "frame bytes differ";
      e.type = f.value.type;
      e.isError = f.isError();
      e.isPush = f.isPush();
      e.isNull = f.isNull();
      e.hasAttribute = f.hasAttribute;
      e.length = f.value.length;
      e.integer = f.value.integer;
      e.content = std::string(f.value.content);
      e.truncated = f.value.truncated;
      for (const ReplyValue& v : f.elements) {
        e.elements.push_back(std::string(1, static_cast<char>(v.type)) + std::string(v.content) +
                             (v.null ? "<null>" : "") + "#" + std::to_string(v.integer) + "/" +
                             std::to_string(v.length));
      }
      record.replies.push_back(std::move(e));
    } while (off < chunk.size());
  }
  record.endsInFrame = parser.inFrame();
  return record;
}

// A command as clients send it.
inline std::string multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args)
    out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

}  // namespace bulwark::redis::testing
