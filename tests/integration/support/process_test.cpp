#include "tests/support/process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

TEST(ProcessTest, RunsACommandWithInputAndTimeout) {
  auto r = runCommand({"cat"}, 5s, "hello");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.output, "hello");
  EXPECT_EQ(runCommand({"sleep", "10"}, 200ms).exitCode, 124);
  EXPECT_EQ(runCommand({"sh", "-c", "exit 3"}, 5s).exitCode, 3);
}

TEST(ProcessTest, StopsAndReportsStatus) {
  auto p = Process::start({"sleep", "30"});
  EXPECT_TRUE(p->running());
  EXPECT_EQ(p->stop(), 128 + SIGTERM);
  EXPECT_FALSE(p->running());
  EXPECT_THROW(Process::start({"/nonexistent/program"}), std::runtime_error);
}

TEST(RedisServerTest, StartsOnAFreePortAndAnswers) {
  RedisServer redis;
  auto r = redis.cli({"PING"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.output, "PONG\n");
  redis.process().signal(SIGSTOP);
  EXPECT_EQ(redis.cli({"PING"}, 300ms).exitCode, 124) << "a stopped server does not answer";
  redis.process().signal(SIGCONT);
  EXPECT_EQ(redis.cli({"PING"}).output, "PONG\n");
}

}  // namespace
}  // namespace bulwark::testing
