#include "agent/redis/resp_request_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/agent/redis/resp_test_util.h"

namespace bulwark::redis {
namespace {

using testing::byteByByte;
using testing::cutAt;
using ::testing::ElementsAre;
using testing::multibulk;
using testing::randomPieces;
using testing::RequestRecord;
using testing::runRequests;
using testing::whole;

std::vector<std::string> argsOf(const RespRequestParser& p) {
  return {p.args().begin(), p.args().end()};
}

// The record of `input` fed whole, which every other cut must reproduce exactly.
RequestRecord requireSameUnderEverySplit(std::string_view input, const RequestLimits& limits = {}) {
  RequestRecord expected = runRequests(whole(input), limits);
  EXPECT_EQ(expected.problem, "") << testing::describe(expected);
  RequestRecord bytes = runRequests(byteByByte(input), limits);
  EXPECT_EQ(bytes, expected) << "byte by byte\n"
                             << testing::describe(bytes) << "\nexpected\n"
                             << testing::describe(expected);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    RequestRecord two = runRequests(cutAt(input, i), limits);
    EXPECT_EQ(two, expected) << "cut at " << i << "\n" << testing::describe(two);
    if (two != expected) break;
  }
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    RequestRecord pieces = runRequests(randomPieces(input, seed, 7), limits);
    EXPECT_EQ(pieces, expected) << "seed " << seed;
    if (pieces != expected) break;
  }
  return expected;
}

TEST(RespRequestParserTest, ParsesAMultibulkCommandInOneCall) {
  RespRequestParser p;
  std::string in = multibulk({"SET", "key", "value"});
  RequestResult r = p.feed(in);
  EXPECT_EQ(r.status, RequestStatus::Command);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(r.frameBegin, 0u);
  EXPECT_EQ(r.carried, 0u);
  EXPECT_EQ(p.argc(), 3u);
  EXPECT_FALSE(p.truncated());
  EXPECT_FALSE(p.inlineCommand());
  EXPECT_THAT(argsOf(p), ElementsAre("SET", "key", "value"));
  EXPECT_EQ(p.frameBytes(), in.size());
  EXPECT_FALSE(p.inFrame());
  // Whole arguments in the chunk are views into it: nothing copied.
  EXPECT_EQ(p.args()[1].data(), in.data() + in.find("key"));
  EXPECT_EQ(p.feed("", 0).status, RequestStatus::NeedMore);
}

TEST(RespRequestParserTest, StopsAtEachCommandOfAPipeline) {
  RespRequestParser p;
  std::string in = multibulk({"GET", "a"}) + multibulk({"GET", "b"}) + "PING\r\n";
  std::size_t off = 0;
  std::vector<std::string> names;
  while (off < in.size()) {
    RequestResult r = p.feed(in.data() + off, in.size() - off);
    ASSERT_EQ(r.status, RequestStatus::Command);
    names.push_back(std::string(p.args()[0]) + (p.argc() > 1 ? " " + std::string(p.args()[1]) : ""));
    off += r.consumed;
  }
  EXPECT_THAT(names, ElementsAre("GET a", "GET b", "PING"));
}

TEST(RespRequestParserTest, KeepsAndReportsTheBytesOfASplitHeader) {
  RespRequestParser p;
  std::string in = multibulk({"GET", "somekey"});
  RequestResult r1 = p.feed(in.data(), 10);
  EXPECT_EQ(r1.status, RequestStatus::NeedMore);
  EXPECT_EQ(r1.consumed, 10u);
  EXPECT_EQ(r1.frameBegin, 0u);
  EXPECT_TRUE(p.inFrame());
  EXPECT_EQ(p.pendingBytes(), 10u);
  std::string rest = in.substr(10);  // the first chunk is gone: the parser holds its arguments
  RequestResult r2 = p.feed(rest);
  EXPECT_EQ(r2.status, RequestStatus::Command);
  EXPECT_TRUE(r2.complete);
  EXPECT_EQ(r2.carried, 10u);
  EXPECT_EQ(r2.consumed, rest.size());
  EXPECT_THAT(argsOf(p), ElementsAre("GET", "somekey"));
}

TEST(RespRequestParserTest, SaysWhenKeptBytesWereAnIgnoredBlankLine) {
  // "\r" alone may start a command ("\rGET a\r\n" is one); once "\n" shows it was a blank line, the
  // kept "\r" must not be forwarded: "\r*1..." would read as an inline command to redis-server.
  RespRequestParser p;
  RequestResult r1 = p.feed("\r");
  EXPECT_EQ(r1.status, RequestStatus::NeedMore);
  EXPECT_EQ(r1.frameBegin, 0u);
  EXPECT_EQ(p.pendingBytes(), 1u);
  std::string next = "\n" + testing::multibulk({"PING"});
  RequestResult r2 = p.feed(next);
  ASSERT_EQ(r2.status, RequestStatus::Command);
  EXPECT_EQ(r2.carried, 0u) << "drop the kept \\r";
  EXPECT_EQ(r2.frameBegin, 1u);

  // The same for "*0" cut before its CRLF, followed by the start of a real command.
  RespRequestParser q;
  EXPECT_EQ(q.feed("*0").status, RequestStatus::NeedMore);
  EXPECT_EQ(q.pendingBytes(), 2u);
  RequestResult r3 = q.feed("\r\n*1\r\n$4\r\nPI");
  EXPECT_EQ(r3.status, RequestStatus::NeedMore);
  EXPECT_EQ(r3.carried, 0u);
  EXPECT_EQ(r3.frameBegin, 2u);
  EXPECT_EQ(q.pendingBytes(), 10u);
  RequestResult r4 = q.feed("NG\r\n");
  ASSERT_EQ(r4.status, RequestStatus::Command);
  EXPECT_EQ(r4.carried, 10u);
}

TEST(RespRequestParserTest, IgnoresBlankLinesAndEmptyMultibulks) {
  RespRequestParser p;
  std::string in = "\r\n\n   \r\n*0\r\n*-1\r\n*-7\r\n" + multibulk({"PING"});
  RequestResult r = p.feed(in);
  EXPECT_EQ(r.status, RequestStatus::Command);
  EXPECT_EQ(r.frameBegin, in.find("*1"));
  EXPECT_THAT(argsOf(p), ElementsAre("PING"));
  auto rec = requireSameUnderEverySplit(in);
  ASSERT_EQ(rec.commands.size(), 1u);
  EXPECT_EQ(rec.commands[0].raw, multibulk({"PING"}));

  RespRequestParser q;
  RequestResult blank = q.feed("\r\n*0\r\n");
  EXPECT_EQ(blank.status, RequestStatus::NeedMore);
  EXPECT_EQ(blank.frameBegin, blank.consumed);
  EXPECT_FALSE(q.inFrame());
  EXPECT_EQ(q.pendingBytes(), 0u);
}

TEST(RespRequestParserTest, ParsesInlineCommandsLikeRedisServer) {
  struct Case {
    std::string line;
    std::vector<std::string> args;
  };
  const std::vector<Case> cases = {
      {"PING\r\n", {"PING"}},
      {"PING\n", {"PING"}},
      {"set  a\tb \r\n", {"set", "a", "b"}},
      {"SET \"a b\" 'c d'\r\n", {"SET", "a b", "c d"}},
      {"ECHO \"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n", {"ECHO", "AJ\n\r\t\b\a\\\"q"}},
      {"ECHO \"\\x4g\"\r\n", {"ECHO", "x4g"}},
      {"ECHO 'it\\'s' 'a\\nb'\r\n", {"ECHO", "it's", "a\\nb"}},
      {"ECHO a\"b c\" d\r\n", {"ECHO", "ab c", "d"}},  // a quote can open inside an argument
      {"ECHO \"\"\r\n", {"ECHO", ""}},
      {"ECHO a\vb\r\n", {"ECHO", "a\vb"}},  // \v separates only between arguments
      {"ECHO \va\r\n", {"ECHO", "a"}},
      {"GET a\rb\r\n", {"GET", "a", "b"}},
  };
  for (const Case& c : cases) {
    RespRequestParser p;
    RequestResult r = p.feed(c.line);
    ASSERT_EQ(r.status, RequestStatus::Command) << c.line;
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.consumed, c.line.size());
    EXPECT_TRUE(p.inlineCommand());
    EXPECT_EQ(argsOf(p), c.args) << c.line;
    requireSameUnderEverySplit(c.line);
  }
}

TEST(RespRequestParserTest, CapturesOnlyTheFirstInlineArgumentsButCountsAll) {
  RequestLimits limits;
  limits.maxCapturedArgs = 3;
  RespRequestParser p(limits);
  ASSERT_EQ(p.feed("MSET a 1 b 2 \"c\" 3\r\n").status, RequestStatus::Command);
  EXPECT_EQ(p.argc(), 7u);
  EXPECT_TRUE(p.truncated());
  EXPECT_THAT(argsOf(p), ElementsAre("MSET", "a", "1"));
}

struct ErrorCase {
  std::string input;
  RequestError error;
  std::string reply;
};

TEST(RespRequestParserTest, ReportsEveryProtocolErrorInRedisWords) {
  const std::vector<ErrorCase> cases = {
      {"*abc\r\n", RequestError::BadMultibulkLength, "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*\r\n", RequestError::BadMultibulkLength, "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*01\r\n", RequestError::BadMultibulkLength, "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*+1\r\n", RequestError::BadMultibulkLength, "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*-0\r\n", RequestError::BadMultibulkLength, "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*1 \r\n", RequestError::BadMultibulkLength, "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*1\n", RequestError::BadMultibulkLength, "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*2147483648\r\n", RequestError::BadMultibulkLength,
       "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*99999999999999999999\r\n", RequestError::BadMultibulkLength,
       "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*1048577\r\n", RequestError::TooManyArguments, "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*1\r\nx", RequestError::UnexpectedByte, "-ERR Protocol error: expected '$', got 'x'\r\n"},
      {"*1\r\n\r\n", RequestError::UnexpectedByte, "-ERR Protocol error: expected '$', got ' '\r\n"},
      {"*2\r\n$1\r\na\r\n*1\r\n", RequestError::UnexpectedByte,
       "-ERR Protocol error: expected '$', got '*'\r\n"},
      {"*1\r\n$abc\r\n", RequestError::BadBulkLength, "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\n$-1\r\n", RequestError::BadBulkLength, "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\n$\r\n", RequestError::BadBulkLength, "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\n$536870913\r\n", RequestError::BulkTooLarge, "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\n$3\r\nabcXY", RequestError::BadTerminator, "-ERR Protocol error: expected CRLF\r\n"},
      {"*1\r\n$3\r\nabc\rX", RequestError::BadTerminator, "-ERR Protocol error: expected CRLF\r\n"},
      {"*1\rX", RequestError::BadTerminator, "-ERR Protocol error: expected CRLF\r\n"},
      {"*1\r\n$3\rX", RequestError::BadTerminator, "-ERR Protocol error: expected CRLF\r\n"},
      {std::string(64 * 1024 + 1, 'a'), RequestError::InlineTooLong,
       "-ERR Protocol error: too big inline request\r\n"},
      {"SET a \"b\r\n", RequestError::UnbalancedQuotes,
       "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"SET a \"b\"c\r\n", RequestError::UnbalancedQuotes,
       "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"SET a 'b\r\n", RequestError::UnbalancedQuotes,
       "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"SET a 'b'c\r\n", RequestError::UnbalancedQuotes,
       "-ERR Protocol error: unbalanced quotes in request\r\n"},
      // redis-server looks for the newline with strchr(), which stops at a NUL: it would wait forever
      // (until 64 KiB arrive). Refusing is better than passing on a command the server never answers.
      {std::string("GET a\0b\r\n", 9), RequestError::NulInInline,
       "-ERR Protocol error: NUL byte in inline request\r\n"},
      {std::string("\0\n", 2), RequestError::NulInInline,
       "-ERR Protocol error: NUL byte in inline request\r\n"},
  };
  for (const ErrorCase& c : cases) {
    RespRequestParser p;
    RequestResult r = p.feed(c.input);
    ASSERT_EQ(r.status, RequestStatus::Error) << c.input;
    EXPECT_EQ(p.error(), c.error) << c.input;
    EXPECT_EQ(p.errorReply(), c.reply) << c.input;
    EXPECT_EQ(std::string("-ERR ") + std::string(p.errorMessage()) + "\r\n", c.reply);
    EXPECT_LE(r.consumed, c.input.size());
    // Sticky until reset.
    EXPECT_EQ(p.feed("PING\r\n").status, RequestStatus::Error);
    p.reset();
    EXPECT_EQ(p.error(), RequestError::None);
    EXPECT_EQ(p.feed("PING\r\n").status, RequestStatus::Command);
    if (c.input.size() < 200) requireSameUnderEverySplit(c.input);
  }
  for (RequestError e :
       {RequestError::BadMultibulkLength, RequestError::TooManyArguments, RequestError::UnexpectedByte,
        RequestError::BadBulkLength, RequestError::BulkTooLarge, RequestError::BadTerminator,
        RequestError::InlineTooLong, RequestError::UnbalancedQuotes, RequestError::NulInInline}) {
    EXPECT_THAT(std::string(RespRequestParser::describe(e)), ::testing::StartsWith("Protocol error: "));
  }
}

TEST(RespRequestParserTest, AcceptsTheLimitsThemselves) {
  RequestLimits limits;
  limits.maxArguments = 3;
  limits.maxBulkLength = 5;
  limits.maxInlineLength = 8;
  EXPECT_EQ(runRequests(whole(multibulk({"a", "b", "12345"})), limits).error, RequestError::None);
  EXPECT_EQ(runRequests(whole(multibulk({"a", "b", "c", "d"})), limits).error,
            RequestError::TooManyArguments);
  EXPECT_EQ(runRequests(whole(multibulk({"123456"})), limits).error, RequestError::BulkTooLarge);
  auto ok = runRequests(whole("GET abc\r\n"), limits);  // 8 bytes before the newline, the CR included
  EXPECT_EQ(ok.error, RequestError::None);
  EXPECT_EQ(ok.commands.size(), 1u);
  EXPECT_EQ(runRequests(whole("GET abcd\n"), limits).commands.size(), 1u);
  EXPECT_EQ(runRequests(whole("GET abcd\r\n"), limits).error, RequestError::InlineTooLong);
  EXPECT_EQ(runRequests(whole("GET abcde\n"), limits).error, RequestError::InlineTooLong);
  EXPECT_EQ(runRequests(byteByByte("GET abc\r\n"), limits).commands.size(), 1u);
  EXPECT_EQ(runRequests(byteByByte("GET abcd\r\n"), limits).error, RequestError::InlineTooLong);
}

TEST(RespRequestParserTest, EndsTheHeaderAfterTheCapturedArguments) {
  std::vector<std::string> mset = {"MSET"};
  for (int i = 0; i < 10; ++i) {
    mset.push_back("k" + std::to_string(i));
    mset.push_back("v" + std::to_string(i));
  }
  std::string in = multibulk(mset);
  RespRequestParser p;
  RequestResult r = p.feed(in);
  ASSERT_EQ(r.status, RequestStatus::Command);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(p.argc(), 21u);
  EXPECT_TRUE(p.truncated());
  EXPECT_THAT(argsOf(p), ElementsAre("MSET", "k0", "v0", "k1", "v1", "k2", "v2", "k3"));
  EXPECT_TRUE(p.inBody());
  EXPECT_EQ(in.substr(0, r.consumed),
            multibulk({"MSET", "k0", "v0", "k1", "v1", "k2", "v2", "k3"}).replace(1, 1, "21"));
  RequestResult rest = p.feed(in.data() + r.consumed, in.size() - r.consumed);
  EXPECT_EQ(rest.status, RequestStatus::Continue);
  EXPECT_TRUE(rest.complete);
  EXPECT_EQ(r.consumed + rest.consumed, in.size());
  EXPECT_EQ(p.frameBytes(), in.size());
  EXPECT_FALSE(p.inBody());
  requireSameUnderEverySplit(in);
}

TEST(RespRequestParserTest, EndsTheHeaderBeforeAnArgumentBeyondTheHeaderBudget) {
  RequestLimits limits;
  limits.maxHeaderBytes = 100;
  std::string big(200, 'x');
  std::string in = multibulk({"SET", "key", big, "EX", "10"});
  RespRequestParser p(limits);
  RequestResult r = p.feed(in);
  ASSERT_EQ(r.status, RequestStatus::Command);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(p.argc(), 5u);
  EXPECT_THAT(argsOf(p), ElementsAre("SET", "key"));
  EXPECT_EQ(in.substr(0, r.consumed), "*5\r\n$3\r\nSET\r\n$3\r\nkey\r\n$200\r\n");
  EXPECT_EQ(p.feed(in.data() + r.consumed, in.size() - r.consumed).status, RequestStatus::Continue);
  requireSameUnderEverySplit(in, limits);

  // An argument that fits exactly is captured.
  std::string exact = multibulk({"SET", "k", std::string(73, 'y')});
  ASSERT_EQ(exact.size(), 100u);
  RespRequestParser q(limits);
  RequestResult e = q.feed(exact);
  EXPECT_EQ(e.status, RequestStatus::Command);
  EXPECT_TRUE(e.complete);
  EXPECT_EQ(q.args().size(), 3u);
}

TEST(RespRequestParserTest, CapturesTheScriptAndKeysOfAnEval) {
  std::string script = "return redis.call('GET', KEYS[1]) .. string.rep('-', 3000)";
  std::string in = multibulk({"EVAL", script, "2", "k1", "k2", "a1"});
  auto rec = requireSameUnderEverySplit(in);
  ASSERT_EQ(rec.commands.size(), 1u);
  EXPECT_THAT(rec.commands[0].args, ElementsAre("EVAL", script, "2", "k1", "k2", "a1"));
  EXPECT_TRUE(rec.commands[0].completeAtHeader);
}

TEST(RespRequestParserTest, SplitsAtEveryByteGiveTheSameCommands) {
  std::string in = multibulk({"SET", "key", "value", "EX", "10"}) + "PING\r\n" + multibulk({"GET", ""}) +
                   "\r\n" + "*0\r\n" + "ECHO \"a b\" 'c'\n" +
                   multibulk({"MGET", "a", "b", "c", "d", "e", "f", "g", "h", "i"}) +
                   multibulk({"HSET", "h", std::string(300, 'z'), "f"}) + "*1\r\n$4\r\nPI";
  RequestLimits small;
  small.maxHeaderBytes = 200;
  small.maxCapturedArgs = 4;
  auto rec = requireSameUnderEverySplit(in);
  EXPECT_EQ(rec.commands.size(), 6u);
  EXPECT_TRUE(rec.endsInFrame);
  auto recSmall = requireSameUnderEverySplit(in, small);
  EXPECT_EQ(recSmall.commands.size(), 6u);
  // Reassembled frames are exactly the input's, in order.
  std::size_t at = 0;
  for (const auto& c : rec.commands) {
    std::size_t found = in.find(c.raw, at);
    ASSERT_NE(found, std::string::npos);
    at = found + c.raw.size();
  }
}

TEST(RespRequestParserTest, StreamsA16MiBValueInConstantMemory) {
  const std::size_t size = 16u << 20;
  std::string value(size, 'v');
  for (std::size_t i = 0; i < size; i += 4099)
    value[i] = static_cast<char>('a' + i % 26);
  std::string in = multibulk({"SET", "bigkey", value}) + multibulk({"GET", "bigkey"});
  RespRequestParser p;
  std::size_t commands = 0;
  std::size_t forwarded = 0;
  std::string header;
  for (std::size_t off = 0; off < in.size();) {
    const std::size_t chunk = std::min<std::size_t>(4096 + (off % 7), in.size() - off);
    std::size_t used = 0;
    while (used < chunk) {
      RequestResult r = p.feed(in.data() + off + used, chunk - used);
      ASSERT_NE(r.status, RequestStatus::Error);
      if (r.status == RequestStatus::Command) {
        ++commands;
        if (commands == 1) {
          EXPECT_FALSE(r.complete);
          EXPECT_THAT(argsOf(p), ElementsAre("SET", "bigkey"));
          EXPECT_EQ(p.argc(), 3u);
        } else {
          EXPECT_THAT(argsOf(p), ElementsAre("GET", "bigkey"));
        }
      }
      if (r.status != RequestStatus::NeedMore) forwarded += r.consumed - r.frameBegin + r.carried;
      used += r.consumed;
      EXPECT_LE(p.memoryUsed(), 64u * 1024 + 1024);
    }
    off += chunk;
  }
  EXPECT_EQ(commands, 2u);
  EXPECT_EQ(forwarded, in.size());
}

TEST(RespRequestParserTest, ParsesThousandsOfPipelinedCommands) {
  std::string in;
  std::vector<std::vector<std::string>> sent;
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::string> args;
    switch (i % 4) {
      case 0:
        args = {"GET", "key:" + std::to_string(i)};
        break;
      case 1:
        args = {"SET", "key:" + std::to_string(i), std::string(i % 97, 'x')};
        break;
      case 2:
        args = {"INCRBY", "counter", std::to_string(i)};
        break;
      default:
        args = {"PING"};
        break;
    }
    in += (i % 10 == 3) ? "PING\r\n" : multibulk(args);
    if (i % 10 == 3) args = {"PING"};
    sent.push_back(args);
  }
  for (auto chunks : {whole(in), randomPieces(in, 7, 1500), randomPieces(in, 8, 13)}) {
    auto rec = runRequests(chunks);
    ASSERT_EQ(rec.problem, "");
    ASSERT_EQ(rec.commands.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i)
      ASSERT_EQ(rec.commands[i].args, sent[i]) << i;
  }
}

TEST(RespRequestParserTest, HoldsLittleMemoryAndReusesIt) {
  RespRequestParser p;
  std::string in = multibulk({"SET", "key", std::string(1000, 'a')});
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < in.size(); i += 100) {
      std::size_t n = std::min<std::size_t>(100, in.size() - i);
      ASSERT_NE(p.feed(in.data() + i, n).status, RequestStatus::Error);
    }
  }
  const std::size_t held = p.memoryUsed();
  EXPECT_LE(held, 4096u);
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < in.size(); i += 100) {
      std::size_t n = std::min<std::size_t>(100, in.size() - i);
      ASSERT_NE(p.feed(in.data() + i, n).status, RequestStatus::Error);
    }
  }
  EXPECT_EQ(p.memoryUsed(), held) << "steady state: the buffers do not grow again";
}

}  // namespace
}  // namespace bulwark::redis
