// The Redis proxy end to end: a real redis-server, the real bulwark-agent binary in standalone mode, and
// real clients (hiredis, redis-cli, raw RESP on a socket) talking through it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <string_view>
#include <thread>

#include "tests/integration/agent/agent_fixture.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

// Everything on, limits far above what a test sends.
const char* kGenerous = R"(  rateLimit:
    requestsPerSecond: 1000000
    rules:
      - {name: no-scans, match: {commands: [KEYS, FLUSHALL, "client|kill"]}, action: deny}
  concurrency: {maxInFlight: 10000}
  circuitBreaker: {minimumCalls: 1000}
)";

class RedisProxyTest : public AgentFixture {
 protected:
  void SetUp() override {
    startRedis();
    writePolicy("p", kGenerous);
    startAgent();
  }
};

TEST_F(RedisProxyTest, PipelinesOfThousandsStayInOrder) {
  RespClient c(port());
  ASSERT_TRUE(c.connected());
  std::string batch;
  for (int i = 0; i < 5000; ++i)
    batch += RespClient::encode({"SET", "k" + std::to_string(i), "v" + std::to_string(i)});
  for (int i = 0; i < 5000; ++i)
    batch += RespClient::encode({"GET", "k" + std::to_string(i)});
  c.send(batch);
  auto replies = c.read(10000);
  ASSERT_EQ(replies.size(), 10000u);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(replies[static_cast<size_t>(i)], "+OK\r\n");
    ASSERT_EQ(replies[static_cast<size_t>(5000 + i)], bulk("v" + std::to_string(i)));
  }
}

TEST_F(RedisProxyTest, HiredisClientWorksThrough) {
  redisContext* ctx = redisConnect("127.0.0.1", port());
  ASSERT_TRUE(ctx && !ctx->err);
  for (int i = 0; i < 100; ++i)
    redisAppendCommand(ctx, "INCR counter");
  for (int i = 0; i < 100; ++i) {
    void* r = nullptr;
    ASSERT_EQ(redisGetReply(ctx, &r), REDIS_OK);
    auto* reply = static_cast<redisReply*>(r);
    EXPECT_EQ(reply->type, REDIS_REPLY_INTEGER);
    EXPECT_EQ(reply->integer, i + 1);
    freeReplyObject(reply);
  }
  auto* reply = static_cast<redisReply*>(redisCommand(ctx, "MGET counter missing"));
  ASSERT_EQ(reply->type, REDIS_REPLY_ARRAY);
  EXPECT_EQ(std::string(reply->element[0]->str), "100");
  EXPECT_EQ(reply->element[1]->type, REDIS_REPLY_NIL);
  freeReplyObject(reply);
  redisFree(ctx);
}

TEST_F(RedisProxyTest, RedisCliWorksThroughInBothProtocols) {
  auto cli = [&](const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv, 10s, input);
  };
  EXPECT_EQ(cli({"SET", "via", "cli"}).output, "OK\n");
  EXPECT_EQ(cli({"-3", "HGETALL", "nothing"}).output, "\n") << "RESP3 empty map";
  EXPECT_EQ(cli({"-3", "GET", "via"}).output, "cli\n");
  // Mass insertion, as redis-cli --pipe does it: one stream of commands, a summary at the end.
  std::string stream;
  for (int i = 0; i < 2000; ++i)
    stream += RespClient::encode({"RPUSH", "piped", std::to_string(i)});
  auto piped = cli({"--pipe"}, stream);
  EXPECT_EQ(piped.exitCode, 0) << piped.output;
  EXPECT_THAT(piped.output, HasSubstr("errors: 0, replies: 2000"));
  EXPECT_EQ(cli({"LLEN", "piped"}).output, "2000\n");
  EXPECT_THAT(cli({"KEYS", "*"}).output, HasSubstr("denied by test/p"));
}

TEST_F(RedisProxyTest, DenyRulesRefuseWithTheirReasonAndTheConnectionStaysUsable) {
  RespClient c(port());
  EXPECT_EQ(c.call({"keys", "*"}), "-ERR bulwark: command KEYS denied by test/p\r\n");
  EXPECT_EQ(c.call({"CLIENT", "KILL", "ID", "1"}), "-ERR bulwark: command CLIENT denied by test/p\r\n");
  EXPECT_EQ(c.call({"CLIENT", "SETNAME", "ok"}), "+OK\r\n") << "only the listed subcommand is denied";
  EXPECT_EQ(c.call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(decisions("denied"), 2);
  // Refusals keep their place among forwarded commands in a pipeline.
  c.send(RespClient::encode({"SET", "a", "1"}) + RespClient::encode({"FLUSHALL"}) +
         RespClient::encode({"GET", "a"}));
  auto r = c.read(3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], "+OK\r\n");
  EXPECT_THAT(r[1], StartsWith("-ERR bulwark: command FLUSHALL denied"));
  EXPECT_EQ(r[2], bulk("1"));
}

TEST_F(RedisProxyTest, TransactionsAndWatch) {
  RespClient c(port());
  c.send(RespClient::encode({"MULTI"}) + RespClient::encode({"SET", "t", "1"}) +
         RespClient::encode({"INCR", "t"}) + RespClient::encode({"EXEC"}));
  auto r = c.read(4);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0], "+OK\r\n");
  EXPECT_EQ(r[1], "+QUEUED\r\n");
  EXPECT_EQ(r[2], "+QUEUED\r\n");
  EXPECT_EQ(r[3], "*2\r\n+OK\r\n:2\r\n");

  EXPECT_EQ(c.call({"WATCH", "t"}), "+OK\r\n");
  EXPECT_EQ(redis_->cli({"SET", "t", "changed"}).output, "OK\n");
  c.send(RespClient::encode({"MULTI"}) + RespClient::encode({"SET", "t", "mine"}) +
         RespClient::encode({"EXEC"}));
  r = c.read(3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2], "*-1\r\n") << "the watched key changed: EXEC aborts";
  EXPECT_EQ(c.call({"GET", "t"}), bulk("changed"));

  c.send(RespClient::encode({"MULTI"}) + RespClient::encode({"SET", "t", "x"}) +
         RespClient::encode({"DISCARD"}));
  r = c.read(3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2], "+OK\r\n");
  EXPECT_EQ(c.call({"GET", "t"}), bulk("changed"));
}

TEST_F(RedisProxyTest, ADeniedCommandInsideMultiAbortsTheTransaction) {
  RespClient c(port());
  c.send(RespClient::encode({"MULTI"}) + RespClient::encode({"SET", "m", "1"}) +
         RespClient::encode({"KEYS", "*"}) + RespClient::encode({"EXEC"}) + RespClient::encode({"GET", "m"}));
  auto r = c.read(5);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[1], "+QUEUED\r\n");
  EXPECT_THAT(r[2], StartsWith("-ERR bulwark: command KEYS denied"));
  EXPECT_EQ(r[3], "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(r[4], "$-1\r\n") << "nothing of the transaction ran";
}

TEST_F(RedisProxyTest, AuthHelloAndSelect) {
  // A second server with a password, behind a second policy.
  RedisServer secured({"--requirepass", "s3cret-pass"});
  std::string spec = "  circuitBreaker: {}\n";
  int listen = freeTcpPort();
  writeFile(dir_.file("secured.yaml"), policyYaml("secured", listen, secured.port(), spec));
  ASSERT_TRUE(waitForTcp(listen, 5s)) << agent_->log();
  RespClient c(listen);
  EXPECT_THAT(c.call({"GET", "x"}), StartsWith("-NOAUTH"));
  EXPECT_EQ(c.call({"AUTH", "s3cret-pass"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SELECT", "3"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SET", "in3", "yes"}), "+OK\r\n");
  auto direct = secured.cli({"-a", "s3cret-pass", "--no-auth-warning", "-n", "3", "GET", "in3"});
  EXPECT_EQ(direct.output, "yes\n");
  auto hello = c.call({"HELLO", "3", "AUTH", "default", "s3cret-pass"});
  EXPECT_THAT(hello, StartsWith("%7\r\n")) << "HELLO 3 answers a RESP3 map";
  EXPECT_EQ(c.call({"GET", "in3"}), bulk("yes"));
  EXPECT_EQ(agent_->log().find("s3cret-pass"), std::string::npos) << "a password never reaches a log line";
}

TEST_F(RedisProxyTest, Resp2SubscriberMode) {
  RespClient sub(port());
  sub.command({"SUBSCRIBE", "news", "sports"});
  auto confirmations = sub.read(2);
  ASSERT_EQ(confirmations.size(), 2u);
  EXPECT_EQ(confirmations[1], "*3\r\n$9\r\nsubscribe\r\n$6\r\nsports\r\n:2\r\n");
  sub.command({"PSUBSCRIBE", "weather.*"});
  ASSERT_EQ(sub.read(1).size(), 1u);
  ASSERT_TRUE(eventually([&] { return redis_->cli({"PUBLISH", "news", "hello"}).output == "1\n"; }, 5s));
  EXPECT_EQ(sub.read(1).at(0), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  redis_->cli({"PUBLISH", "weather.rain", "wet"});
  EXPECT_EQ(sub.read(1).at(0),
            "*4\r\n$8\r\npmessage\r\n$9\r\nweather.*\r\n$12\r\nweather.rain\r\n$3\r\nwet\r\n");
  sub.command({"PING"});
  EXPECT_EQ(sub.read(1).at(0), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  sub.command({"UNSUBSCRIBE"});
  sub.command({"PUNSUBSCRIBE"});
  auto gone = sub.read(3);
  ASSERT_EQ(gone.size(), 3u);
  EXPECT_EQ(gone[2], "*3\r\n$12\r\npunsubscribe\r\n$9\r\nweather.*\r\n:0\r\n");
  EXPECT_EQ(sub.call({"SET", "after", "sub"}), "+OK\r\n") << "back to request/reply";
}

TEST_F(RedisProxyTest, Resp3PushesAndClientTracking) {
  RespClient c(port());
  EXPECT_THAT(c.call({"HELLO", "3"}), StartsWith("%7\r\n"));
  EXPECT_EQ(c.call({"CLIENT", "TRACKING", "on"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SET", "tracked", "1"}), "+OK\r\n");
  EXPECT_EQ(c.call({"GET", "tracked"}), bulk("1"));
  redis_->cli({"SET", "tracked", "2"});
  auto push = c.read(1);
  ASSERT_EQ(push.size(), 1u);
  EXPECT_EQ(push[0], ">2\r\n$10\r\ninvalidate\r\n*1\r\n$7\r\ntracked\r\n");
  EXPECT_EQ(c.call({"GET", "tracked"}), bulk("2")) << "replies still pair after a push";

  c.command({"SUBSCRIBE", "ch"});
  EXPECT_EQ(c.read(1).at(0), ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
  EXPECT_EQ(c.call({"PING"}), "+PONG\r\n") << "RESP3 keeps request/reply while subscribed";
  redis_->cli({"PUBLISH", "ch", "m"});
  EXPECT_EQ(c.read(1).at(0), ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n");
  c.command({"SSUBSCRIBE", "shard"});
  EXPECT_EQ(c.read(1).at(0), ">3\r\n$10\r\nssubscribe\r\n$5\r\nshard\r\n:1\r\n");
  EXPECT_EQ(c.call({"GET", "tracked"}), bulk("2"));
}

TEST_F(RedisProxyTest, BlockingCommandsHoldNoBulkheadSlot) {
  writePolicy("p", "  concurrency: {maxInFlight: 1}\n  circuitBreaker: {}\n");
  ASSERT_TRUE(eventually(
      [&] {
        return metrics().find("bulwark_inflight_limit{policy=\"test/p\",protocol=\"redis\"} 1") !=
               std::string::npos;
      },
      5s));
  RespClient waiter(port(), 10s);
  waiter.command({"BLPOP", "queue", "5"});
  waiter.command({"XREAD", "BLOCK", "5000", "STREAMS", "stream", "$"});
  std::this_thread::sleep_for(200ms);
  RespClient producer(port());
  EXPECT_EQ(producer.call({"RPUSH", "queue", "job"}), ":1\r\n")
      << "the blocked BLPOP must not fill the bulkhead";
  EXPECT_THAT(producer.call({"XADD", "stream", "*", "f", "v"}), StartsWith("$"));
  auto r = waiter.read(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], "*2\r\n$5\r\nqueue\r\n$3\r\njob\r\n");
  EXPECT_THAT(r[1], StartsWith("*1\r\n*2\r\n$6\r\nstream\r\n"));
}

TEST_F(RedisProxyTest, ScriptsAndFunctions) {
  RespClient c(port());
  EXPECT_EQ(c.call({"EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "sk", "sv"}), "+OK\r\n");
  std::string sha = c.call({"SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])"});
  ASSERT_THAT(sha, StartsWith("$40\r\n"));
  EXPECT_EQ(c.call({"EVALSHA", sha.substr(5, 40), "1", "sk"}), bulk("sv"));
  EXPECT_EQ(c.call({"FUNCTION", "LOAD",
                    "#!lua name=lib\nredis.register_function('echo1', function(k, a) return a[1] end)"}),
            bulk("lib"));
  EXPECT_EQ(c.call({"FCALL", "echo1", "0", "hi"}), bulk("hi"));
}

TEST_F(RedisProxyTest, ValuesOf16MiBStreamThrough) {
  RespClient c(port(), 30s);
  std::string big(16 * 1024 * 1024 + 7, 'x');
  for (size_t i = 0; i < big.size(); i += 4096)
    big[i] = static_cast<char>('a' + (i / 4096) % 26);
  EXPECT_EQ(c.call({"SET", "big", big}), "+OK\r\n");
  std::string back = c.call({"GET", "big"});
  EXPECT_EQ(back.size(), bulk(big).size());
  EXPECT_TRUE(back == bulk(big)) << "the value came back altered";
  EXPECT_EQ(c.call({"STRLEN", "big"}), ":" + std::to_string(big.size()) + "\r\n");
}

TEST_F(RedisProxyTest, MalformedInputClosesOnlyThatConnection) {
  RespClient good(port());
  EXPECT_EQ(good.call({"SET", "safe", "1"}), "+OK\r\n");
  struct Case {
    std::string bytes, reply;
  };
  for (const Case& k : std::vector<Case>{
           {"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
           {"*2\r\n$3\r\nGET\r\n$99999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
           {"*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
           {"*1\r\n:5\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"}}) {
    RespClient bad(port());
    bad.send(k.bytes);
    auto r = bad.read(1);
    ASSERT_EQ(r.size(), 1u) << k.bytes;
    EXPECT_EQ(r[0], k.reply);
    EXPECT_TRUE(bad.closedByPeer()) << k.bytes;
  }
  RespClient inlineTooLong(port());
  inlineTooLong.send(std::string(70 * 1024, 'a'));
  EXPECT_EQ(inlineTooLong.read(1).at(0), "-ERR Protocol error: too big inline request\r\n");
  EXPECT_EQ(good.call({"GET", "safe"}), bulk("1")) << "the other connection is untouched";
  EXPECT_GE(metricValue(metrics(), "bulwark_protocol_errors_total"), 5);
}

TEST_F(RedisProxyTest, CommandsSplitAcrossReadsAtEveryAwkwardPlace) {
  RespClient c(port());
  // A blank line cut in two, then a command cut inside its header, its length and its value.
  for (std::string_view piece : {"\r", "\n*1\r\n$4\r\nPI", "NG\r\n*3\r", "\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva",
                                 "lue\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nk", "\r\n"}) {
    c.send(piece);
    std::this_thread::sleep_for(20ms);  // separate reads at the agent
  }
  auto r = c.read(3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], "+PONG\r\n");
  EXPECT_EQ(r[1], "+OK\r\n");
  EXPECT_EQ(r[2], bulk("value"));
}

TEST_F(RedisProxyTest, HealthAndMetricsEndpoints) {
  int status = 0;
  EXPECT_EQ(httpGet(metricsPort_, "/healthz", &status), "ok\n");
  EXPECT_EQ(status, 200);
  httpGet(metricsPort_, "/readyz", &status);
  EXPECT_EQ(status, 200);
  RespClient c(port());
  c.call({"PING"});
  std::string m = metrics();
  for (const char* name :
       {"bulwark_requests_total", "bulwark_upstream_latency_seconds_bucket", "bulwark_inflight",
        "bulwark_inflight_limit", "bulwark_breaker_state", "bulwark_connections"}) {
    EXPECT_THAT(m, HasSubstr(name));
  }
  httpGet(metricsPort_, "/nope", &status);
  EXPECT_EQ(status, 404);
}

}  // namespace
}  // namespace bulwark::testing
