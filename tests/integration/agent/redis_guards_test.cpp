// The decision chain against a real redis-server: rate limits (reject and paced), the breaker opening
// on a stopped or slow server and closing through half-open, request timeouts.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/agent/agent_fixture.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ::testing::StartsWith;

class RedisGuardsTest : public AgentFixture {
 protected:
  void start(const std::string& spec) {
    startRedis({"--enable-debug-command", "yes"});
    writePolicy("p", spec);
    startAgent();
  }
};

// A client offering 5x the limit for 3 s is admitted within 5% of limit x time + burst.
TEST_F(RedisGuardsTest, RateLimitHoldsUnderFiveTimesTheLoad) {
  start("  rateLimit: {requestsPerSecond: 1000, burst: 100}\n");
  RespClient c(port(), 10s);
  constexpr int kPerMs = 5;  // 5000/s
  constexpr int kMillis = 3000;
  std::thread writer([&] {
    const std::string batch = [] {
      std::string b;
      for (int i = 0; i < kPerMs; ++i)
        b += RespClient::encode({"GET", "k"});
      return b;
    }();
    auto start = Clock::now();
    for (int ms = 0; ms < kMillis; ++ms) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(ms));
      c.send(batch);
    }
  });
  auto replies = c.read(kPerMs * kMillis);
  writer.join();
  ASSERT_EQ(replies.size(), static_cast<size_t>(kPerMs * kMillis));
  int admitted = 0, refused = 0;
  for (const auto& r : replies) {
    if (r == "$-1\r\n") {
      ++admitted;
    } else if (r == "-BUSY bulwark: rate limited by test/p (retry later)\r\n") {
      ++refused;
    } else {
      ADD_FAILURE() << "unexpected reply " << r;
    }
  }
  const double expected = 1000.0 * kMillis / 1000 + 100;
  EXPECT_NEAR(admitted, expected, expected * 0.05) << "admitted " << admitted << ", refused " << refused;
  EXPECT_EQ(decisions("limited"), refused);
  EXPECT_EQ(decisions("allowed"), admitted);
}

// onLimit: wait paces a burst to the rate instead of refusing it, and keeps the order.
TEST_F(RedisGuardsTest, WaitPacesWithoutRefusals) {
  start("  rateLimit: {requestsPerSecond: 200, burst: 1, onLimit: wait, maxWait: 2s}\n");
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < 4; ++i)
    clients.push_back(std::make_unique<RespClient>(port(), 10s));
  auto start = Clock::now();
  for (int i = 0; i < 4; ++i) {
    std::string batch;
    for (int j = 0; j < 50; ++j)
      batch += RespClient::encode({"INCR", "counter" + std::to_string(i)});
    clients[static_cast<size_t>(i)]->send(batch);
  }
  for (int i = 0; i < 4; ++i) {
    auto r = clients[static_cast<size_t>(i)]->read(50);
    ASSERT_EQ(r.size(), 50u);
    for (int j = 0; j < 50; ++j)
      EXPECT_EQ(r[static_cast<size_t>(j)], ":" + std::to_string(j + 1) + "\r\n");
  }
  auto elapsed = Clock::now() - start;
  // 200 requests at 200/s with a burst of 1: the last one leaves about 995 ms after the first.
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LE(elapsed, 3s);
  EXPECT_EQ(decisions("limited"), 0);
  EXPECT_EQ(decisions("allowed"), 200);
}

// A request later than its timeout gets an error; the connection, whose reply order is now lost, closes
// after every waiting request got its error.
TEST_F(RedisGuardsTest, RequestTimeoutAnswersAndCloses) {
  start("  timeouts: {request: 150ms}\n");
  RespClient c(port());
  EXPECT_EQ(c.call({"SET", "x", "1"}), "+OK\r\n");
  redis_->process().signal(SIGSTOP);
  auto start = Clock::now();
  c.send(RespClient::encode({"GET", "x"}) + RespClient::encode({"GET", "y"}) +
         RespClient::encode({"GET", "z"}));
  auto r = c.read(3);
  auto elapsed = Clock::now() - start;
  redis_->process().signal(SIGCONT);
  ASSERT_EQ(r.size(), 3u);
  for (const auto& reply : r)
    EXPECT_EQ(reply, "-ERR bulwark: upstream timed out for test/p\r\n");
  EXPECT_GE(elapsed, 140ms);
  EXPECT_LE(elapsed, 1s);
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_EQ(decisions("timeout"), 3);
  RespClient fresh(port());
  EXPECT_EQ(fresh.call({"GET", "x"}), "$1\r\n1\r\n") << "new connections work once redis is back";
}

constexpr const char* kBreaker = R"(  timeouts: {request: 150ms}
  circuitBreaker: {minimumCalls: 4, failureRatio: 0.5, slowCallDuration: 50ms, slowCallRatio: 0.5, openDuration: 1s, halfOpenCalls: 2}
)";

TEST_F(RedisGuardsTest, BreakerOpensOnAStoppedServerAndClosesThroughHalfOpen) {
  start(kBreaker);
  redis_->process().signal(SIGSTOP);
  for (int i = 0; i < 4; ++i) {
    RespClient c(port());
    EXPECT_EQ(c.call({"GET", "k"}), "-ERR bulwark: upstream timed out for test/p\r\n") << i;
  }
  RespClient refused(port());
  auto start = Clock::now();
  EXPECT_EQ(refused.call({"GET", "k"}), "-BUSY bulwark: circuit open for test/p\r\n");
  EXPECT_LE(Clock::now() - start, 100ms) << "an open breaker answers at once";
  EXPECT_EQ(metricValue(metrics(), "bulwark_breaker_state"), 1);
  EXPECT_EQ(refused.call({"PING"}), "-BUSY bulwark: circuit open for test/p\r\n");

  redis_->process().signal(SIGCONT);
  std::this_thread::sleep_for(1100ms);  // openDuration
  EXPECT_EQ(metricValue(metrics(), "bulwark_breaker_state"), 2) << "half-open: the next calls are trials";
  RespClient trial(port());
  EXPECT_EQ(trial.call({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(trial.call({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(metricValue(metrics(), "bulwark_breaker_state"), 0);
  EXPECT_EQ(trial.call({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_GE(decisions("breaker_open"), 2);
}

TEST_F(RedisGuardsTest, BreakerOpensOnSlowCalls) {
  start(kBreaker);
  RespClient c(port());
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(c.call({"DEBUG", "SLEEP", "0.08"}), "+OK\r\n") << i;
  EXPECT_EQ(c.call({"GET", "k"}), "-BUSY bulwark: circuit open for test/p\r\n");
}

TEST_F(RedisGuardsTest, OverloadErrorsCountApplicationErrorsDoNot) {
  start(R"(  circuitBreaker: {minimumCalls: 4, failureRatio: 0.5, openDuration: 5s}
)");
  RespClient c(port());
  EXPECT_EQ(c.call({"SET", "s", "v"}), "+OK\r\n");
  for (int i = 0; i < 6; ++i)
    EXPECT_THAT(c.call({"LPUSH", "s", "x"}), StartsWith("-WRONGTYPE"));
  EXPECT_EQ(c.call({"GET", "s"}), "$1\r\nv\r\n") << "WRONGTYPE is the client's mistake, not an outage";
  // A script that runs too long makes redis answer BUSY to everyone else: that counts.
  RespClient script(port(), 10s);
  redis_->cli({"CONFIG", "SET", "busy-reply-threshold", "100"});
  script.command({"EVAL",
                  "local t = redis.call('TIME') while true do local n = redis.call('TIME') "
                  "if (n[1] - t[1]) * 1000000 + (n[2] - t[2]) >= 1000000 then break end end return 1",
                  "0"});
  std::this_thread::sleep_for(300ms);
  // 8 calls so far succeeded (WRONGTYPE included); 8 BUSY replies make the failure ratio 50%.
  for (int i = 0; i < 8; ++i)
    EXPECT_THAT(c.call({"GET", "s"}), StartsWith("-BUSY Redis is busy")) << i;
  EXPECT_EQ(c.call({"GET", "s"}), "-BUSY bulwark: circuit open for test/p\r\n");
  EXPECT_EQ(script.read(1).at(0), ":1\r\n");
}

}  // namespace
}  // namespace bulwark::testing
