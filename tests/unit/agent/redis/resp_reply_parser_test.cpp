#include "agent/redis/resp_reply_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/agent/redis/resp_test_util.h"

namespace bulwark::redis {
namespace {

using testing::byteByByte;
using testing::cutAt;
using testing::randomPieces;
using testing::ReplyRecord;
using testing::runReplies;
using testing::whole;

ReplyRecord requireSameUnderEverySplit(std::string_view input, const ReplyLimits& limits = {}) {
  ReplyRecord expected = runReplies(whole(input), limits);
  EXPECT_EQ(expected.problem, "") << testing::describe(expected);
  ReplyRecord bytes = runReplies(byteByByte(input), limits);
  EXPECT_EQ(bytes, expected) << "byte by byte\n"
                             << testing::describe(bytes) << "\nexpected\n"
                             << testing::describe(expected);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    ReplyRecord two = runReplies(cutAt(input, i), limits);
    EXPECT_EQ(two, expected) << "cut at " << i << "\n" << testing::describe(two);
    if (two != expected) break;
  }
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    ReplyRecord pieces = runReplies(randomPieces(input, seed, 5), limits);
    EXPECT_EQ(pieces, expected) << "seed " << seed;
    if (pieces != expected) break;
  }
  return expected;
}

// One complete reply: its frame, and that exactly `input` was consumed.
ReplyFrame single(RespReplyParser& p, std::string_view input) {
  ReplyResult r = p.feed(input);
  EXPECT_EQ(r.status, ReplyStatus::Reply) << input;
  EXPECT_EQ(r.consumed, input.size()) << input;
  EXPECT_EQ(p.frame().bytes, input.size());
  return p.frame();
}

TEST(RespReplyParserTest, ScansEveryRespType) {
  RespReplyParser p;
  ReplyFrame f = single(p, "+OK\r\n");
  EXPECT_EQ(f.value.type, ReplyType::SimpleString);
  EXPECT_EQ(f.value.content, "OK");
  EXPECT_EQ(f.value.length, 2);
  EXPECT_FALSE(f.isError());

  f = single(p, "-ERR unknown command 'FOO'\r\n");
  EXPECT_EQ(f.value.type, ReplyType::Error);
  EXPECT_TRUE(f.isError());
  EXPECT_EQ(f.value.content, "ERR unknown command 'FOO'");

  f = single(p, ":-9223372036854775808\r\n");
  EXPECT_EQ(f.value.type, ReplyType::Integer);
  EXPECT_EQ(f.value.integer, INT64_MIN);
  f = single(p, ":0\r\n");
  EXPECT_EQ(f.value.integer, 0);

  f = single(p, "$5\r\nhello\r\n");
  EXPECT_EQ(f.value.type, ReplyType::BulkString);
  EXPECT_EQ(f.value.content, "hello");
  EXPECT_EQ(f.value.length, 5);
  f = single(p, "$0\r\n\r\n");
  EXPECT_EQ(f.value.content, "");
  EXPECT_FALSE(f.isNull());
  f = single(p, "$-1\r\n");
  EXPECT_TRUE(f.isNull());
  EXPECT_EQ(f.value.type, ReplyType::BulkString);

  f = single(p, "*-1\r\n");
  EXPECT_TRUE(f.isNull());
  EXPECT_EQ(f.value.type, ReplyType::Array);
  f = single(p, "*0\r\n");
  EXPECT_FALSE(f.isNull());
  EXPECT_EQ(f.value.length, 0);
  EXPECT_TRUE(f.elements.empty());

  f = single(p, "_\r\n");
  EXPECT_EQ(f.value.type, ReplyType::Null);
  EXPECT_TRUE(f.isNull());

  for (std::string d : {"3.14", "-1.5e-07", "1e+20", "inf", "-inf", "nan", "10", ".5", "+2"}) {
    f = single(p, "," + d + "\r\n");
    EXPECT_EQ(f.value.type, ReplyType::Double);
    EXPECT_EQ(f.value.content, d);
  }

  f = single(p, "#t\r\n");
  EXPECT_EQ(f.value.type, ReplyType::Boolean);
  EXPECT_EQ(f.value.integer, 1);
  f = single(p, "#f\r\n");
  EXPECT_EQ(f.value.integer, 0);

  f = single(p, "!21\r\nSYNTAX invalid syntax\r\n");
  EXPECT_EQ(f.value.type, ReplyType::BlobError);
  EXPECT_TRUE(f.isError());
  EXPECT_EQ(f.value.content, "SYNTAX invalid syntax");

  f = single(p, "=15\r\ntxt:Some string\r\n");
  EXPECT_EQ(f.value.type, ReplyType::VerbatimString);
  EXPECT_EQ(f.value.content, "txt:Some string");

  f = single(p, "(3492890328409238509324850943850943825024385\r\n");
  EXPECT_EQ(f.value.type, ReplyType::BigNumber);
  EXPECT_EQ(f.value.content, "3492890328409238509324850943850943825024385");
  f = single(p, "(-12\r\n");
  EXPECT_EQ(f.value.content, "-12");

  f = single(p, "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
  EXPECT_EQ(f.value.type, ReplyType::Map);
  EXPECT_EQ(f.value.length, 2);
  ASSERT_EQ(f.elements.size(), 4u);
  EXPECT_EQ(f.elements[0].content, "first");
  EXPECT_EQ(f.elements[3].integer, 2);

  f = single(p, "~3\r\n+a\r\n+b\r\n+c\r\n");
  EXPECT_EQ(f.value.type, ReplyType::Set);
  EXPECT_EQ(f.elements.size(), 3u);

  f = single(p, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");
  EXPECT_EQ(f.value.type, ReplyType::Push);
  EXPECT_TRUE(f.isPush());
  ASSERT_EQ(f.elements.size(), 3u);
  EXPECT_EQ(f.elements[0].content, "message");
  EXPECT_EQ(f.elements[2].content, "hello");
}

TEST(RespReplyParserTest, TakesAnAttributeAsPartOfTheReplyItPrecedes) {
  RespReplyParser p;
  std::string in =
      "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:"
      "9543892\r\n";
  ReplyFrame f = single(p, in);
  EXPECT_TRUE(f.hasAttribute);
  EXPECT_EQ(f.value.type, ReplyType::Array);
  ASSERT_EQ(f.elements.size(), 2u);
  EXPECT_EQ(f.elements[0].integer, 2039123);
  EXPECT_EQ(f.elements[1].integer, 9543892);

  // Inside an aggregate an attribute is not an element either.
  f = single(p, "*2\r\n|1\r\n+ttl\r\n:3600\r\n+a\r\n+b\r\n");
  EXPECT_FALSE(f.hasAttribute);
  ASSERT_EQ(f.elements.size(), 2u);
  EXPECT_EQ(f.elements[0].content, "a");
  EXPECT_EQ(f.elements[1].content, "b");

  f = single(p, "|0\r\n+OK\r\n");
  EXPECT_TRUE(f.hasAttribute);
  EXPECT_EQ(f.value.content, "OK");
  requireSameUnderEverySplit(in);
}

TEST(RespReplyParserTest, RecognizesResp2PubSubMessages) {
  RespReplyParser p;
  ReplyFrame f = single(p, "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  EXPECT_EQ(f.value.type, ReplyType::Array);
  EXPECT_FALSE(f.isPush());
  ASSERT_EQ(f.elements.size(), 3u);
  EXPECT_EQ(f.elements[0].content, "subscribe");
  EXPECT_EQ(f.elements[1].content, "news");
  EXPECT_EQ(f.elements[2].type, ReplyType::Integer);
  EXPECT_EQ(f.elements[2].integer, 1);

  f = single(p, "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  ASSERT_EQ(f.elements.size(), 4u);
  EXPECT_EQ(f.elements[0].content, "pmessage");
  EXPECT_EQ(f.elements[3].content, "hi");
}

TEST(RespReplyParserTest, CapturesBoundedPrefixesOnly) {
  ReplyLimits limits;
  limits.maxCapturedLength = 4;
  limits.maxCapturedElements = 2;
  RespReplyParser p(limits);
  ReplyFrame f = single(p, "+abcdefgh\r\n");
  EXPECT_EQ(f.value.content, "abcd");
  EXPECT_TRUE(f.value.truncated);
  EXPECT_EQ(f.value.length, 8);
  f = single(p, "*3\r\n$6\r\nabcdef\r\n*1\r\n+x\r\n:7\r\n");
  ASSERT_EQ(f.elements.size(), 2u);
  EXPECT_EQ(f.elements[0].content, "abcd");
  EXPECT_TRUE(f.elements[0].truncated);
  EXPECT_EQ(f.elements[1].type, ReplyType::Array);
  EXPECT_EQ(f.elements[1].length, 1);
  EXPECT_EQ(f.elements[1].content, "");
}

TEST(RespReplyParserTest, StopsAtEachReplyOfAPipeline) {
  std::string in =
      "+OK\r\n:1\r\n$3\r\nabc\r\n*2\r\n$1\r\na\r\n$-1\r\n-ERR x\r\n>2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n";
  auto rec = requireSameUnderEverySplit(in);
  ASSERT_EQ(rec.replies.size(), 6u);
  EXPECT_EQ(rec.replies[3].raw, "*2\r\n$1\r\na\r\n$-1\r\n");
  EXPECT_TRUE(rec.replies[4].isError);
  EXPECT_TRUE(rec.replies[5].isPush);
  EXPECT_FALSE(rec.endsInFrame);
}

TEST(RespReplyParserTest, SplitsAtEveryByteGiveTheSameReplies) {
  std::string in =
      "+OK\r\n-ERR "
      "bad\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*3\r\n:1\r\n*2\r\n+a\r\n_\r\n$0\r\n\r\n_\r\n,3.25\r\n,-"
      "inf\r\n"
      "#t\r\n!5\r\nOOPS!\r\n=8\r\nmkd:**x*\r\n(123456789012345678901234567890\r\n%1\r\n+k\r\n~2\r\n:1\r\n:"
      "2\r\n"
      "|1\r\n+a\r\n+b\r\n>2\r\n+pubsub\r\n+x\r\n*2\r\n|1\r\n+c\r\n+d\r\n+e\r\n+f\r\n:9";
  auto rec = requireSameUnderEverySplit(in);
  EXPECT_EQ(rec.replies.size(), 17u);
  EXPECT_TRUE(rec.endsInFrame);
  std::string joined;
  for (const auto& r : rec.replies)
    joined += r.raw;
  EXPECT_EQ(joined, in.substr(0, in.size() - 2));
}

TEST(RespReplyParserTest, RejectsMalformedReplies) {
  struct Case {
    std::string input;
    ReplyError error;
  };
  const std::vector<Case> cases = {
      {"?\r\n", ReplyError::UnexpectedByte},
      {"*1\r\nx", ReplyError::UnexpectedByte},
      {"hello\r\n", ReplyError::UnexpectedByte},
      {"$abc\r\n", ReplyError::BadLength},
      {"$-2\r\n", ReplyError::BadLength},
      {"!-1\r\n", ReplyError::BadLength},
      {"*-2\r\n", ReplyError::BadLength},
      {"%-1\r\n", ReplyError::BadLength},
      {"*?\r\n", ReplyError::BadLength},  // RESP3 streamed aggregates: redis never sends them
      {"$?\r\n", ReplyError::BadLength},
      {":abc\r\n", ReplyError::BadInteger},
      {":12a\r\n", ReplyError::BadInteger},
      {":99999999999999999999\r\n", ReplyError::BadInteger},
      {",abc\r\n", ReplyError::BadDouble},
      {",1.5.5\r\n", ReplyError::BadDouble},
      {",\r\n", ReplyError::BadDouble},
      {",1e\r\n", ReplyError::BadDouble},
      {"," + std::string(200, '1') + "\r\n", ReplyError::BadDouble},
      {"#x\r\n", ReplyError::BadBoolean},
      {"#\r\n", ReplyError::BadBoolean},
      {"(12a\r\n", ReplyError::BadBigNumber},
      {"(\r\n", ReplyError::BadBigNumber},
      {"(-\r\n", ReplyError::BadBigNumber},
      {"=3\r\ntxt\r\n", ReplyError::BadVerbatim},
      {"=5\r\ntxt-x\r\n", ReplyError::BadVerbatim},
      {"+OK\rX", ReplyError::BadTerminator},
      {"$3\r\nabcd\r\n", ReplyError::BadTerminator},
      {"$3\r\nabc\rX", ReplyError::BadTerminator},
      {":1\rX", ReplyError::BadTerminator},
      {"_x\r\n", ReplyError::BadTerminator},
      {"#tt\r\n", ReplyError::BadTerminator},
  };
  for (const Case& c : cases) {
    RespReplyParser p;
    ReplyResult r = p.feed(c.input);
    ASSERT_EQ(r.status, ReplyStatus::Error) << c.input;
    EXPECT_EQ(p.error(), c.error) << c.input;
    EXPECT_LE(r.consumed, c.input.size());
    EXPECT_FALSE(RespReplyParser::describe(p.error()).empty());
    EXPECT_EQ(p.feed("+OK\r\n").status, ReplyStatus::Error) << "errors are sticky";
    p.reset();
    EXPECT_EQ(p.feed("+OK\r\n").status, ReplyStatus::Reply);
    requireSameUnderEverySplit(c.input);
  }
}

TEST(RespReplyParserTest, EnforcesItsLimits) {
  ReplyLimits limits;
  limits.maxDepth = 3;
  limits.maxAggregateLength = 5;
  limits.maxBulkLength = 10;
  limits.maxLineLength = 8;
  auto run = [&](std::string_view in) { return runReplies(whole(in), limits).error; };
  EXPECT_EQ(run("*1\r\n*1\r\n*1\r\n:1\r\n"), ReplyError::None);
  EXPECT_EQ(run("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"), ReplyError::TooDeep);
  EXPECT_EQ(run("*1\r\n|1\r\n+a\r\n*1\r\n*1\r\n:1\r\n+b\r\n"), ReplyError::TooDeep);
  EXPECT_EQ(run("*5\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n"), ReplyError::None);
  EXPECT_EQ(run("*6\r\n"), ReplyError::AggregateTooLarge);
  EXPECT_EQ(run("%6\r\n"), ReplyError::AggregateTooLarge);
  EXPECT_EQ(run("$10\r\n0123456789\r\n"), ReplyError::None);
  EXPECT_EQ(run("$11\r\n"), ReplyError::BulkTooLarge);
  EXPECT_EQ(run("!11\r\n"), ReplyError::BulkTooLarge);
  EXPECT_EQ(run("+12345678\r\n"), ReplyError::None);
  EXPECT_EQ(run("+123456789\r\n"), ReplyError::LineTooLong);
  EXPECT_EQ(runReplies(byteByByte("-123456789\r\n"), limits).error, ReplyError::LineTooLong);
  EXPECT_EQ(run("(123456789\r\n"), ReplyError::LineTooLong);

  // The default depth takes 64 levels and refuses the 65th.
  std::string deep;
  for (int i = 0; i < 64; ++i)
    deep += "*1\r\n";
  EXPECT_EQ(runReplies(whole(deep + ":1\r\n")).error, ReplyError::None);
  EXPECT_EQ(runReplies(whole(deep + "*1\r\n:1\r\n")).error, ReplyError::TooDeep);
}

TEST(RespReplyParserTest, StreamsA16MiBBulkWithoutHoldingIt) {
  const std::size_t size = 16u << 20;
  std::string in = "$" + std::to_string(size) + "\r\n" + std::string(size, 'b') + "\r\n+OK\r\n";
  RespReplyParser p;
  std::size_t replies = 0;
  std::uint64_t bytes = 0;
  for (std::size_t off = 0; off < in.size();) {
    const std::size_t chunk = std::min<std::size_t>(16384, in.size() - off);
    std::size_t used = 0;
    while (used < chunk) {
      ReplyResult r = p.feed(in.data() + off + used, chunk - used);
      ASSERT_NE(r.status, ReplyStatus::Error);
      used += r.consumed;
      if (r.status == ReplyStatus::Reply) {
        ++replies;
        bytes += p.frame().bytes;
        if (replies == 1) {
          EXPECT_EQ(p.frame().value.length, static_cast<std::int64_t>(size));
          EXPECT_TRUE(p.frame().value.truncated);
          EXPECT_EQ(p.frame().value.content.size(), p.limits().maxCapturedLength);
        }
      }
    }
    off += chunk;
  }
  EXPECT_EQ(replies, 2u);
  EXPECT_EQ(bytes, in.size());
}

TEST(RespReplyParserTest, KeepsCapturedContentAcrossChunks) {
  RespReplyParser p;
  std::string in = "*2\r\n$7\r\nmessage\r\n$3\r\nabc\r\n";
  std::string first = in.substr(0, 12);
  EXPECT_EQ(p.feed(first).status, ReplyStatus::NeedMore);
  EXPECT_TRUE(p.inFrame());
  first.assign(first.size(), '#');  // the caller reuses its buffer
  ReplyResult r = p.feed(in.data() + 12, in.size() - 12);
  ASSERT_EQ(r.status, ReplyStatus::Reply);
  EXPECT_EQ(p.frame().elements[0].content, "message");
  EXPECT_EQ(p.frame().bytes, in.size());
}

}  // namespace
}  // namespace bulwark::redis
