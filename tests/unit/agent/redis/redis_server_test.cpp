// The parsers and the command table against a real redis-server 7.0: replies captured over a raw socket
// in RESP2 and RESP3 must split into the frames the test expects, under every chunking; protocol errors
// must be worded as the server words them; inline commands must split as the server splits them; the
// key positions must be the ones COMMAND GETKEYS reports; and the committed table must be what the
// generator produces from this server.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/redis/command_table.h"
#include "agent/redis/resp_reply_parser.h"
#include "agent/redis/resp_request_parser.h"
#include "tests/support/process.h"
#include "tests/unit/agent/redis/resp_test_util.h"

namespace bulwark::redis {
namespace {

using testing::multibulk;
using testing::ReplyRecord;
using testing::runReplies;

// A plain TCP connection to the server: bytes in, bytes out, nothing interpreted.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool ok() const { return fd_ >= 0; }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Reads until the reply parser has seen `count` replies (or the connection closes, or 10 s pass);
  // returns every byte read. The parser only decides when to stop reading: the test then checks the
  // bytes on their own.
  std::string readReplies(std::size_t count) {
    RespReplyParser parser;
    std::string out;
    std::size_t seen = 0;
    char buf[65536];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (seen < count && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      std::size_t off = 0;
      while (off < static_cast<std::size_t>(n)) {
        ReplyResult r = parser.feed(buf + off, static_cast<std::size_t>(n) - off);
        off += r.consumed;
        if (r.status == ReplyStatus::Error) return out;
        if (r.status == ReplyStatus::Reply) ++seen;
        if (r.status == ReplyStatus::NeedMore) break;
      }
    }
    return out;
  }

  // Everything the server sends until it closes the connection (or 5 s pass).
  std::string readUntilClosed() {
    std::string out;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

class RedisServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<bulwark::testing::RedisServer>(
        std::vector<std::string>{"--enable-debug-command", "yes"});
  }
  static void TearDownTestSuite() { server_.reset(); }
  static int port() { return server_->port(); }

  // Sends `commands` as one pipeline and returns the reply record, checked to be the same under
  // byte-by-byte, every-cut and random chunking.
  static ReplyRecord exchange(RawConnection& c, const std::vector<std::vector<std::string>>& commands,
                              std::size_t extraFrames = 0) {
    std::string out;
    for (const auto& cmd : commands)
      out += multibulk(cmd);
    c.send(out);
    std::string bytes = c.readReplies(commands.size() + extraFrames);
    ReplyRecord whole = runReplies(testing::whole(bytes));
    EXPECT_EQ(whole.problem, "");
    EXPECT_EQ(whole.error, ReplyError::None) << testing::describe(whole);
    EXPECT_EQ(whole.replies.size(), commands.size() + extraFrames) << testing::describe(whole);
    EXPECT_FALSE(whole.endsInFrame);
    EXPECT_EQ(runReplies(testing::byteByByte(bytes)), whole);
    for (std::uint32_t seed = 1; seed <= 5; ++seed) {
      EXPECT_EQ(runReplies(testing::randomPieces(bytes, seed, 97)), whole) << seed;
    }
    const std::size_t step = std::max<std::size_t>(1, bytes.size() / 300);
    for (std::size_t i = 0; i <= bytes.size(); i += step) {
      ReplyRecord cut = runReplies(testing::cutAt(bytes, i));
      EXPECT_EQ(cut, whole) << "cut at " << i;
      if (cut != whole) break;
    }
    return whole;
  }

  static std::unique_ptr<bulwark::testing::RedisServer> server_;
};
std::unique_ptr<bulwark::testing::RedisServer> RedisServerTest::server_;

std::vector<std::vector<std::string>> everyKindOfReply() {
  return {
      {"SET", "k", "v"},
      {"GET", "k"},
      {"GET", "missing"},
      {"DEL", "k", "l", "h", "z", "st", "n", "f"},
      {"RPUSH", "l", "a", "b", "c"},
      {"LRANGE", "l", "0", "-1"},
      {"LRANGE", "nolist", "0", "-1"},
      {"HSET", "h", "f1", "1", "f2", "2"},
      {"HGETALL", "h"},
      {"INCR", "n"},
      {"INCRBYFLOAT", "f", "1.5"},
      {"ZADD", "z", "1.5", "a", "2", "b"},
      {"ZRANGE", "z", "0", "-1", "WITHSCORES"},
      {"ZSCORE", "z", "a"},
      {"SMEMBERS", "noset"},
      {"XADD", "st", "1-1", "f", "v"},
      {"XRANGE", "st", "-", "+"},
      {"NOSUCHCOMMAND"},
      {"GET", "l"},
      {"PING"},
      {"ECHO", ""},
      {"CLIENT", "INFO"},
      {"INFO", "server"},
      {"COMMAND", "INFO", "get", "xread", "client"},
      {"COMMAND", "DOCS", "set"},
      {"CONFIG", "GET", "maxmemory*"},
      {"MULTI"},
      {"SET", "a", "1"},
      {"INCR", "a"},
      {"EXEC"},
      {"EVAL", "return {1, 'two', {3, {4}}, redis.status_reply('OK'), redis.error_reply('ERR e')}", "0"},
      {"DEBUG", "PROTOCOL", "string"},
      {"DEBUG", "PROTOCOL", "integer"},
      {"DEBUG", "PROTOCOL", "double"},
      {"DEBUG", "PROTOCOL", "bignum"},
      {"DEBUG", "PROTOCOL", "null"},
      {"DEBUG", "PROTOCOL", "array"},
      {"DEBUG", "PROTOCOL", "set"},
      {"DEBUG", "PROTOCOL", "map"},
      {"DEBUG", "PROTOCOL", "attrib"},
      {"DEBUG", "PROTOCOL", "verbatim"},
      {"DEBUG", "PROTOCOL", "true"},
      {"DEBUG", "PROTOCOL", "false"},
  };
}

TEST_F(RedisServerTest, SplitsResp2RepliesIntoFrames) {
  RawConnection c(port());
  ASSERT_TRUE(c.ok());
  auto commands = everyKindOfReply();
  ReplyRecord rec = exchange(c, commands);
  ASSERT_EQ(rec.replies.size(), commands.size());
  auto at = [&](std::size_t i) { return rec.replies[i]; };
  EXPECT_EQ(at(0).raw, "+OK\r\n");
  EXPECT_EQ(at(1).content, "v");
  EXPECT_TRUE(at(2).isNull);
  EXPECT_EQ(at(2).type, ReplyType::BulkString);
  EXPECT_EQ(at(5).type, ReplyType::Array);
  EXPECT_EQ(at(5).length, 3);
  EXPECT_EQ(at(8).type, ReplyType::Array);  // RESP2 maps are flat arrays
  EXPECT_EQ(at(8).length, 4);
  EXPECT_EQ(at(13).type, ReplyType::BulkString);  // RESP2 doubles are bulk strings
  EXPECT_EQ(at(13).content, "1.5");
  EXPECT_TRUE(at(17).isError);
  EXPECT_THAT(at(17).content, ::testing::StartsWith("ERR unknown command"));
  EXPECT_TRUE(at(18).isError);
  EXPECT_THAT(at(18).content, ::testing::StartsWith("WRONGTYPE"));
  EXPECT_EQ(at(29).type, ReplyType::Array);  // EXEC
  EXPECT_EQ(at(29).length, 2);
  EXPECT_EQ(at(30).length, 5);
  EXPECT_EQ(at(39).content, "Some real reply following the attribute");
  EXPECT_FALSE(at(39).hasAttribute);
  for (const auto& r : rec.replies)
    EXPECT_FALSE(r.isPush);
}

TEST_F(RedisServerTest, SplitsResp3RepliesIntoFrames) {
  RawConnection c(port());
  ASSERT_TRUE(c.ok());
  auto hello = exchange(c, {{"HELLO", "3"}});
  ASSERT_EQ(hello.replies.size(), 1u);
  EXPECT_EQ(hello.replies[0].type, ReplyType::Map);
  auto commands = everyKindOfReply();
  ReplyRecord rec = exchange(c, commands);
  ASSERT_EQ(rec.replies.size(), commands.size());
  auto at = [&](std::size_t i) { return rec.replies[i]; };
  EXPECT_EQ(at(2).type, ReplyType::Null);
  EXPECT_EQ(at(8).type, ReplyType::Map);
  EXPECT_EQ(at(8).length, 2);
  EXPECT_EQ(at(13).type, ReplyType::Double);
  EXPECT_EQ(at(13).content, "1.5");
  EXPECT_EQ(at(14).type, ReplyType::Set);
  EXPECT_EQ(at(21).type, ReplyType::VerbatimString);  // CLIENT INFO
  EXPECT_THAT(at(21).content, ::testing::StartsWith("txt:id="));
  EXPECT_EQ(at(22).type, ReplyType::VerbatimString);  // INFO
  EXPECT_EQ(at(34).type, ReplyType::BigNumber);
  EXPECT_EQ(at(34).content, "1234567999999999999999999999999999999");
  EXPECT_EQ(at(35).type, ReplyType::Null);
  EXPECT_EQ(at(37).type, ReplyType::Set);
  EXPECT_EQ(at(38).type, ReplyType::Map);
  EXPECT_EQ(at(38).elements.size(), 4u);
  EXPECT_TRUE(at(39).hasAttribute);
  EXPECT_EQ(at(39).type, ReplyType::BulkString);
  EXPECT_EQ(at(39).content, "Some real reply following the attribute");
  EXPECT_EQ(at(40).type, ReplyType::VerbatimString);
  EXPECT_EQ(at(41).type, ReplyType::Boolean);
  EXPECT_EQ(at(41).integer, 1);
  EXPECT_EQ(at(42).integer, 0);

  // A push comes before the reply of the command that caused it, and is not that reply.
  ReplyRecord push = exchange(c, {{"DEBUG", "PROTOCOL", "push"}}, 1);
  ASSERT_EQ(push.replies.size(), 2u);
  EXPECT_TRUE(push.replies[0].isPush);
  EXPECT_EQ(push.replies[0].elements[0], "$server-cpu-usage#0/16");
  EXPECT_FALSE(push.replies[1].isPush);
}

TEST_F(RedisServerTest, RecognizesPubSubMessagesInBothProtocols) {
  RawConnection sub2(port());
  RawConnection sub3(port());
  RawConnection pub(port());
  ASSERT_TRUE(sub2.ok() && sub3.ok() && pub.ok());
  exchange(sub3, {{"HELLO", "3"}});
  ReplyRecord s2 = exchange(sub2, {{"SUBSCRIBE", "news", "sport"}}, 1);
  ASSERT_EQ(s2.replies.size(), 2u);
  EXPECT_EQ(s2.replies[0].type, ReplyType::Array);
  EXPECT_EQ(s2.replies[0].elements[0], "$subscribe#0/9");
  EXPECT_EQ(s2.replies[1].elements[1], "$sport#0/5");
  ReplyRecord s3 = exchange(sub3, {{"SUBSCRIBE", "news"}, {"PSUBSCRIBE", "n*"}});
  ASSERT_EQ(s3.replies.size(), 2u);
  EXPECT_TRUE(s3.replies[0].isPush);
  EXPECT_EQ(s3.replies[1].elements[0], "$psubscribe#0/10");

  ReplyRecord published = exchange(pub, {{"PUBLISH", "news", "hello"}});
  EXPECT_EQ(published.replies[0].integer, 3);  // sub2, and sub3 twice (channel and pattern)

  ReplyRecord m2 = runReplies(testing::whole(sub2.readReplies(1)));
  ASSERT_EQ(m2.replies.size(), 1u);
  EXPECT_EQ(m2.replies[0].type, ReplyType::Array);
  EXPECT_EQ(m2.replies[0].elements[0], "$message#0/7");
  EXPECT_EQ(m2.replies[0].elements[2], "$hello#0/5");
  ReplyRecord m3 = runReplies(testing::whole(sub3.readReplies(2)));
  ASSERT_EQ(m3.replies.size(), 2u);
  EXPECT_TRUE(m3.replies[0].isPush);
  EXPECT_TRUE(m3.replies[1].isPush);
  EXPECT_EQ(m3.replies[1].elements[0], "$pmessage#0/8");
}

TEST_F(RedisServerTest, ReportsTrackingInvalidationsAsPushes) {
  RawConnection c(port());
  RawConnection writer(port());
  ASSERT_TRUE(c.ok() && writer.ok());
  exchange(c, {{"HELLO", "3"}, {"CLIENT", "TRACKING", "ON"}, {"GET", "tracked"}});
  exchange(writer, {{"SET", "tracked", "1"}});
  ReplyRecord inv = runReplies(testing::whole(c.readReplies(1)));
  ASSERT_EQ(inv.replies.size(), 1u);
  EXPECT_TRUE(inv.replies[0].isPush);
  EXPECT_EQ(inv.replies[0].elements[0], "$invalidate#0/10");
}

TEST_F(RedisServerTest, StreamsALargeValueBothWays) {
  RawConnection c(port());
  ASSERT_TRUE(c.ok());
  std::string value(3 << 20, 'q');
  std::string request = multibulk({"SET", "large", value}) + multibulk({"GET", "large"});
  auto requests = testing::runRequests(testing::randomPieces(request, 3, 65536));
  ASSERT_EQ(requests.commands.size(), 2u);
  EXPECT_EQ(requests.commands[0].raw.size() + requests.commands[1].raw.size(), request.size());
  c.send(request);
  std::string bytes = c.readReplies(2);
  ReplyRecord rec = runReplies(testing::randomPieces(bytes, 5, 65536));
  ASSERT_EQ(rec.replies.size(), 2u);
  EXPECT_EQ(rec.replies[1].length, static_cast<std::int64_t>(value.size()));
  EXPECT_TRUE(rec.replies[1].truncated);
}

TEST_F(RedisServerTest, SplitsInlineCommandsAsTheServerDoes) {
  // ECHO repeats its argument: the server's split and ours must agree on it.
  const std::vector<std::string> lines = {
      "ECHO plain\r\n",         "ECHO \"two words\"\r\n",
      "ECHO 'single quoted'\n", "ECHO \"\\x41\\x4a\\n\\t\\\\\\\"\"\r\n",
      "ECHO 'it\\'s'\r\n",      "ECHO a\"b c\"\r\n",
      "  ECHO\t  spaced  \r\n", "ECHO \"\"\r\n",
      "ECHO a\vb\r\n",          "ECHO x\ry\r\n",
  };
  for (const std::string& line : lines) {
    RespRequestParser parser;
    RequestResult r = parser.feed(line);
    ASSERT_EQ(r.status, RequestStatus::Command) << line;
    std::vector<std::string> ours(parser.args().begin(), parser.args().end());
    RawConnection c(port());
    ASSERT_TRUE(c.ok());
    c.send(line);
    ReplyRecord rec = runReplies(testing::whole(c.readReplies(1)));
    ASSERT_EQ(rec.replies.size(), 1u) << line;
    if (ours.size() == 2) {
      EXPECT_EQ(rec.replies[0].content, ours[1]) << line;
    } else {
      EXPECT_TRUE(rec.replies[0].isError) << line << " split into " << ours.size();
    }
  }
}

TEST_F(RedisServerTest, WordsProtocolErrorsAsTheServerDoes) {
  const std::vector<std::string> inputs = {
      "*abc\r\n",       "*3000000000\r\n", "*1\r\nx\r\n",
      "*1\r\n$abc\r\n", "*1\r\n$-1\r\n",   "*1\r\n$536870913\r\n",
      "SET a \"b\r\n",  "SET a 'b'c\r\n",  std::string(70000, 'a'),
  };
  for (const std::string& in : inputs) {
    RespRequestParser parser;
    RequestResult r = parser.feed(in);
    ASSERT_EQ(r.status, RequestStatus::Error) << in.substr(0, 40);
    RawConnection c(port());
    ASSERT_TRUE(c.ok());
    c.send(in);
    EXPECT_EQ(c.readUntilClosed(), parser.errorReply()) << in.substr(0, 40);
  }
  // Blank lines and empty multibulks are ignored by both.
  RawConnection c(port());
  ASSERT_TRUE(c.ok());
  std::string in = "\r\n\n  \r\n*0\r\n*-1\r\nPING\r\n";
  auto ours = testing::runRequests(testing::whole(in));
  ASSERT_EQ(ours.commands.size(), 1u);
  c.send(in);
  EXPECT_EQ(c.readReplies(1), "+PONG\r\n");
}

// COMMAND GETKEYS names the keys redis finds; ours must be the same arguments.
TEST_F(RedisServerTest, FindsTheKeysCommandGetkeysFinds) {
  const std::vector<std::vector<std::string>> lines = {
      {"GET", "k"},
      {"SET", "k", "v", "GET"},
      {"MSET", "a", "1", "b", "2"},
      {"MGET", "a", "b", "c"},
      {"DEL", "a", "b"},
      {"EXISTS", "a", "a"},
      {"RENAME", "a", "b"},
      {"COPY", "a", "b", "DB", "1"},
      {"LMOVE", "a", "b", "LEFT", "RIGHT"},
      {"BLMOVE", "a", "b", "LEFT", "RIGHT", "0"},
      {"BLPOP", "a", "b", "0"},
      {"BRPOPLPUSH", "a", "b", "0"},
      {"BLMPOP", "0", "2", "a", "b", "LEFT"},
      {"LMPOP", "2", "a", "b", "LEFT", "COUNT", "2"},
      {"BZMPOP", "0", "1", "z", "MIN"},
      {"ZMPOP", "2", "a", "b", "MAX"},
      {"BZPOPMIN", "a", "b", "0"},
      {"EVAL", "return 1", "2", "k1", "k2", "a1"},
      {"EVAL_RO", "return 1", "1", "k1"},
      {"EVALSHA", "0123456789012345678901234567890123456789", "1", "k1"},
      {"FCALL", "f", "2", "k1", "k2"},
      {"FCALL_RO", "f", "1", "k1"},
      {"XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"},
      {"XREAD", "BLOCK", "0", "STREAMS", "s1", "$"},
      {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s1", "s2", ">", ">"},
      {"XADD", "s", "*", "f", "v"},
      {"XGROUP", "CREATE", "s", "g", "$"},
      {"XINFO", "STREAM", "s"},
      {"OBJECT", "ENCODING", "k"},
      {"MEMORY", "USAGE", "k"},
      {"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"},
      {"ZINTERSTORE", "d", "1", "a"},
      {"ZDIFFSTORE", "d", "2", "a", "b"},
      {"ZUNION", "2", "a", "b"},
      {"ZINTERCARD", "2", "a", "b", "LIMIT", "1"},
      {"SINTERCARD", "2", "a", "b"},
      {"ZRANGESTORE", "d", "s", "0", "1"},
      {"SUNIONSTORE", "d", "a", "b"},
      {"SMOVE", "a", "b", "m"},
      {"BITOP", "AND", "d", "a", "b"},
      {"BITFIELD", "k", "GET", "u8", "0"},
      {"SORT", "k", "BY", "w_*", "GET", "#", "STORE", "d"},
      {"SORT", "k", "LIMIT", "0", "1", "STORE", "d", "STORE", "e"},
      {"SORT", "k"},
      {"SORT_RO", "k", "BY", "x"},
      {"MIGRATE", "h", "1", "k", "0", "5000"},
      {"MIGRATE", "h", "1", "", "0", "5000", "COPY", "REPLACE", "AUTH2", "u", "p", "KEYS", "a", "b"},
      {"GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d"},
      {"GEORADIUS", "k", "0", "0", "1", "km", "STOREDIST", "d"},
      {"GEORADIUSBYMEMBER", "k", "m", "1", "km", "STORE", "d"},
      {"GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"},
      {"PFCOUNT", "a", "b"},
      {"PFMERGE", "d", "a", "b"},
      {"WATCH", "a", "b"},
      {"TOUCH", "a"},
      {"UNLINK", "a", "b"},
      {"RPOPLPUSH", "a", "b"},
      {"LCS", "a", "b"},
      {"GETEX", "k", "PERSIST"},
      {"HSET", "h", "f", "v"},
      {"SETRANGE", "k", "0", "v"},
      {"RESTORE", "k", "0", "x"},
      {"DUMP", "k"},
      {"MSETNX", "a", "1", "b", "2"},
  };
  RawConnection c(port());
  ASSERT_TRUE(c.ok());
  std::size_t withKeys = 0;
  for (const auto& line : lines) {
    std::vector<std::string> cmd = {"COMMAND", "GETKEYS"};
    cmd.insert(cmd.end(), line.begin(), line.end());
    c.send(multibulk(cmd));
    std::string bytes = c.readReplies(1);
    ReplyLimits limits;
    limits.maxCapturedElements = 32;
    ReplyRecord rec = runReplies(testing::whole(bytes), limits);
    ASSERT_EQ(rec.replies.size(), 1u) << line[0];
    std::vector<std::string> theirs;
    if (!rec.replies[0].isError) {
      for (const auto& e : rec.replies[0].elements)
        theirs.push_back(e.substr(1, e.find('#') - 1));
    }

    std::vector<std::string_view> args(line.begin(), line.end());
    const CommandInfo* info = resolveCommand(args);
    ASSERT_NE(info, nullptr) << line[0];
    KeyPositions keys;
    KeyStatus status = findKeys(*info, args, args.size(), keys);
    std::vector<std::string> ours;
    for (std::uint32_t pos : keys.view())
      ours.push_back(line[pos]);
    EXPECT_NE(status, KeyStatus::Incomplete) << line[0];
    if (!theirs.empty()) ++withKeys;
    EXPECT_EQ(ours, theirs) << line[0] << " " << (line.size() > 1 ? line[1] : "") << ": server said "
                            << rec.replies[0].content;
  }
  EXPECT_EQ(withKeys, lines.size()) << "every line above has keys";
}

TEST_F(RedisServerTest, CommittedTableIsWhatTheGeneratorProduces) {
  auto version = server_->cli({"INFO", "server"});
  if (version.output.find("redis_version:7.0.") == std::string::npos) {
    GTEST_SKIP() << "the table describes redis 7.0; this server is another version";
  }
  auto r = bulwark::testing::runCommand(
      {"python3", bulwark::testing::sourcePath("agent/redis/tools/gen_command_table.py"), "--port",
       std::to_string(port()), "--check", bulwark::testing::sourcePath("agent/redis")},
      std::chrono::seconds(60));
  EXPECT_EQ(r.exitCode, 0) << r.output;
}

}  // namespace
}  // namespace bulwark::redis
