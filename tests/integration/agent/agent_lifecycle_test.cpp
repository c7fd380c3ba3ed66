// The agent's life around its connections: policy reloads under load, removed policies, many idle
// clients, and a graceful SIGTERM.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/integration/agent/agent_fixture.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

const char* kOpen = "  rateLimit: {requestsPerSecond: 1000000}\n  concurrency: {maxInFlight: 1000}\n";
const char* kTight = "  rateLimit: {requestsPerSecond: 20, burst: 1}\n  concurrency: {maxInFlight: 1000}\n";

class AgentLifecycleTest : public AgentFixture {
 protected:
  void SetUp() override {
    startRedis({"--maxclients", "20000", "--enable-debug-command", "yes"});
    writePolicy("p", kOpen);
  }

  // Resident memory of the agent, in KiB.
  long rssKiB() {
    std::ifstream status("/proc/" + std::to_string(agent_->pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }
};

TEST_F(AgentLifecycleTest, ReloadsUnderLoadWithoutDroppingAConnection) {
  startAgent();
  RespClient c(port(), 10s);
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::thread load([&] {
    const std::string batch = RespClient::encode({"GET", "k"}) + RespClient::encode({"GET", "k"});
    while (!stop.load()) {
      c.send(batch);
      for (const auto& r : c.read(2)) {
        if (r == "$-1\r\n") {
          ++ok;
        } else if (r.rfind("-BUSY bulwark: rate limited", 0) == 0) {
          ++busy;
        } else {
          ++other;
        }
      }
      std::this_thread::sleep_for(1ms);
    }
  });
  for (int round = 0; round < 3; ++round) {
    // Tightening takes effect on the open connection within a second of the file changing.
    auto written = Clock::now();
    writePolicy("p", kTight);
    int before = busy.load();
    ASSERT_TRUE(eventually([&] { return busy.load() > before; }, 2s));
    EXPECT_LE(Clock::now() - written, 1s);
    writePolicy("p", kOpen);
    std::this_thread::sleep_for(600ms);
  }
  int busyBefore = busy.load();
  std::this_thread::sleep_for(300ms);
  stop = true;
  load.join();
  EXPECT_EQ(other.load(), 0) << "every request got a reply or a refusal";
  EXPECT_GT(ok.load(), 100);
  EXPECT_EQ(busy.load(), busyBefore) << "relaxed again: no more refusals";
  EXPECT_EQ(c.call({"PING"}), "+PONG\r\n") << "the connection survived every reload";
  auto log = agent_->log();
  size_t serving = 0;
  for (size_t pos = 0; (pos = log.find("Serving policy", pos)) != std::string::npos; ++pos)
    ++serving;
  EXPECT_EQ(serving, 1u) << "a changed limit updates the policy in place";
}

TEST_F(AgentLifecycleTest, InvalidEditsKeepTheLastGoodPolicy) {
  writePolicy("p", kTight);
  startAgent();
  RespClient c(port());
  EXPECT_EQ(c.call({"SET", "a", "1"}), "+OK\r\n");
  writePolicy("p", "  rateLimit: {requestsPerSecond: -5}\n");
  ASSERT_TRUE(eventually(
      [&] {
        return agent_->log().find("spec.rateLimit.requestsPerSecond: must be > 0 (got -5)") !=
               std::string::npos;
      },
      3s))
      << agent_->log();
  EXPECT_THAT(agent_->log(), HasSubstr("p.yaml:9: spec.rateLimit.requestsPerSecond"));
  EXPECT_THAT(agent_->log(), HasSubstr("Keeping the last valid version of an invalid policy policy=test/p"));
  EXPECT_GE(metricValue(metrics(), "bulwark_policy_load_errors_total"), 1);
  // Still listening, still tight: the typo changed nothing for the applications.
  RespClient again(port());
  EXPECT_EQ(again.call({"GET", "a"}), "$1\r\n1\r\n");
  EXPECT_EQ(again.call({"GET", "a"}), "-BUSY bulwark: rate limited by test/p (retry later)\r\n");
  writeFile(dir_.file("p.yaml"), "not: [valid yaml\n");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(again.call({"PING"}), "+PONG\r\n") << "not even a broken file drops the policy";
}

TEST_F(AgentLifecycleTest, ARemovedPolicyStopsListeningAndDrains) {
  writePolicy("other", kOpen);
  startAgent();
  RespClient idle(port());
  RespClient busy(port(), 5s);
  RespClient unrelated(port("other"));
  EXPECT_EQ(idle.call({"PING"}), "+PONG\r\n");
  busy.command({"DEBUG", "SLEEP", "0.5"});
  std::this_thread::sleep_for(100ms);
  std::filesystem::remove(dir_.file("p.yaml"));
  ASSERT_TRUE(eventually([&] { return !waitForTcp(port(), 50ms); }, 2s)) << "the listener closes";
  EXPECT_TRUE(idle.closedByPeer()) << "an idle connection closes at once";
  EXPECT_EQ(busy.read(1).at(0), "+OK\r\n") << "a request in flight is answered first";
  EXPECT_TRUE(busy.closedByPeer());
  EXPECT_EQ(unrelated.call({"PING"}), "+PONG\r\n");
}

TEST_F(AgentLifecycleTest, HoldsTenThousandIdleConnectionsInBoundedMemory) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  ASSERT_GE(limit.rlim_max, 10'500u) << "the test needs 10,500 file descriptors";
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);  // the agent inherits it
  startAgent();
  RespClient probe(port());
  EXPECT_EQ(probe.call({"PING"}), "+PONG\r\n");
  long before = rssKiB();
  std::vector<std::unique_ptr<RespClient>> clients;
  clients.reserve(10'000);
  for (int i = 0; i < 10'000; ++i) {
    clients.push_back(std::make_unique<RespClient>(port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  ASSERT_TRUE(eventually([&] { return metricValue(metrics(), "bulwark_connections") >= 10'001; }, 20s))
      << metricValue(metrics(), "bulwark_connections");
  long after = rssKiB();
  // AddressSanitizer pads every allocation with red zones and keeps freed memory in quarantine.
#if defined(__SANITIZE_ADDRESS__)
  const long boundKiB = 192 * 1024;
#else
  const long boundKiB = 48 * 1024;
#endif
  std::cout << "10,000 idle connections: " << (after - before) << " KiB, " << (after - before) * 1024 / 10'000
            << " bytes each\n";
  EXPECT_LT(after - before, boundKiB) << "10,000 idle connections cost " << (after - before) << " KiB";
  EXPECT_EQ(probe.call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(clients.back()->call({"SET", "last", "1"}), "+OK\r\n");
  EXPECT_EQ(clients.front()->call({"GET", "last"}), "$1\r\n1\r\n");
}

TEST_F(AgentLifecycleTest, RefusesConnectionsBeyondTheLimit) {
  startAgent(2, {"--max-connections", "3"});
  std::vector<std::unique_ptr<RespClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RespClient>(port()));
    EXPECT_EQ(held.back()->call({"PING"}), "+PONG\r\n");
  }
  RespClient extra(port());
  EXPECT_EQ(extra.read(1).at(0), "-ERR max number of clients reached\r\n");
  EXPECT_TRUE(extra.closedByPeer());
  held.pop_back();
  ASSERT_TRUE(eventually([&] { return metricValue(metrics(), "bulwark_connections") == 2; }, 2s));
  RespClient again(port());
  EXPECT_EQ(again.call({"PING"}), "+PONG\r\n");
}

TEST_F(AgentLifecycleTest, AnUnreachableUpstreamIsAnErrorReplyThenClose) {
  writePolicy("down", "  timeouts: {connect: 200ms}\n", 0, freeTcpPort());  // nobody listens upstream
  startAgent();
  RespClient c(port("down"));
  EXPECT_EQ(c.call({"GET", "k"}), "-ERR bulwark: upstream unavailable for test/down\r\n");
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_GE(metricValue(metrics(), "bulwark_upstream_errors_total", {{"policy", "test/down"}}), 1);
}

TEST_F(AgentLifecycleTest, LogsAsJsonLines) {
  startAgent(2, {"--log-format", "json"});
  RespClient c(port());
  EXPECT_EQ(c.call({"PING"}), "+PONG\r\n");
  agent_->signal(SIGTERM);
  ASSERT_EQ(agent_->wait(5s), 0);
  std::istringstream lines(agent_->log());
  std::string line;
  int parsed = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("msg")) << line;
    ++parsed;
  }
  EXPECT_GE(parsed, 3) << "serving, started, stopping, stopped";
}

TEST_F(AgentLifecycleTest, SigtermDrainsInFlightRequestsThenExits) {
  startAgent();
  RespClient idle(port());
  RespClient working(port(), 5s);
  EXPECT_EQ(idle.call({"PING"}), "+PONG\r\n");
  working.command({"DEBUG", "SLEEP", "0.4"});
  std::this_thread::sleep_for(100ms);
  agent_->signal(SIGTERM);
  EXPECT_TRUE(idle.closedByPeer());
  EXPECT_EQ(working.read(1).at(0), "+OK\r\n");
  EXPECT_TRUE(working.closedByPeer());
  EXPECT_EQ(agent_->wait(5s), 0) << agent_->log();
  EXPECT_THAT(agent_->log(), HasSubstr("Agent stopped"));
}

}  // namespace
}  // namespace bulwark::testing
