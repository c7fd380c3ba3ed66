#include "operator/kube/workqueue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "operator/kube/queue_workers.h"
#include "tests/support/process.h"

namespace bulwark::kube {
namespace {

using std::chrono::milliseconds;
using testing::eventually;

std::unique_ptr<WorkQueue> newQueue(const Clock& clock) {
  return std::make_unique<WorkQueue>(clock, defaultControllerRateLimiter(clock));
}

TEST(WorkQueue, DeduplicatesWaitingItems) {
  ManualClock clock;
  auto q = newQueue(clock);
  q->add("a");
  q->add("b");
  q->add("a");
  EXPECT_EQ(q->length(), 2u);
  EXPECT_EQ(q->tryGet(), "a");
  EXPECT_EQ(q->tryGet(), "b");
  EXPECT_EQ(q->tryGet(), std::nullopt);
}

TEST(WorkQueue, AnItemAddedWhileHeldIsProcessedOnceMoreAfterDone) {
  ManualClock clock;
  auto q = newQueue(clock);
  q->add("a");
  ASSERT_EQ(q->tryGet(), "a");
  q->add("a");
  q->add("a");
  EXPECT_EQ(q->length(), 0u);  // never handed to a second worker while the first holds it
  EXPECT_EQ(q->tryGet(), std::nullopt);
  q->done("a");
  EXPECT_EQ(q->tryGet(), "a");
  q->done("a");
  EXPECT_EQ(q->tryGet(), std::nullopt);
}

TEST(WorkQueue, DelaysOnTheInjectedClock) {
  ManualClock clock;
  auto q = newQueue(clock);
  q->addAfter("a", std::chrono::seconds(1));
  q->addAfter("a", std::chrono::seconds(5));  // the earlier time wins
  EXPECT_EQ(q->delayed(), 1u);
  EXPECT_EQ(q->tryGet(), std::nullopt);
  clock.advance(milliseconds(999));
  EXPECT_EQ(q->tryGet(), std::nullopt);
  clock.advance(milliseconds(1));
  EXPECT_EQ(q->tryGet(), "a");
}

TEST(WorkQueue, RateLimitedRetriesBackOffExponentiallyUntilForgotten) {
  ManualClock clock;
  auto q = newQueue(clock);
  for (auto expected : {milliseconds(5), milliseconds(10), milliseconds(20)}) {
    q->addRateLimited("a");
    clock.advance(expected - milliseconds(1));
    EXPECT_EQ(q->tryGet(), std::nullopt) << expected.count();
    clock.advance(milliseconds(1));
    ASSERT_EQ(q->tryGet(), "a") << expected.count();
    q->done("a");
  }
  EXPECT_EQ(q->retries("a"), 3);
  q->forget("a");
  EXPECT_EQ(q->retries("a"), 0);
}

TEST(WorkQueue, BlockingGetWakesWhenTheClockIsAdvanced) {
  ManualClock clock;
  auto q = newQueue(clock);
  q->addAfter("a", std::chrono::hours(1));
  std::optional<std::string> got;
  std::thread worker([&] { got = q->get(); });
  clock.advance(std::chrono::hours(1));
  q->wake();
  worker.join();
  EXPECT_EQ(got, "a");
}

TEST(WorkQueue, ShutDownWithDrainWaitsForHeldAndQueuedItems) {
  SystemClock clock;
  auto q = newQueue(clock);
  q->add("a");
  q->add("b");
  ASSERT_EQ(q->get(), "a");
  std::atomic<bool> drained{false};
  std::thread stopper([&] {
    q->shutDownWithDrain();
    drained = true;
  });
  ASSERT_TRUE(eventually([&] { return q->shuttingDown(); }, std::chrono::seconds(5)));
  q->add("c");  // refused while shutting down
  EXPECT_FALSE(drained);
  EXPECT_EQ(q->get(), "b");  // queued work is still handed out
  q->done("a");
  EXPECT_FALSE(drained);
  q->done("b");
  stopper.join();
  EXPECT_TRUE(drained);
  EXPECT_EQ(q->get(), std::nullopt);
}

TEST(QueueWorkers, NeverRunOneKeyOnTwoWorkersAndProcessEveryKey) {
  SystemClock clock;
  WorkQueue q(clock, defaultControllerRateLimiter(clock));
  std::mutex mutex;
  std::map<std::string, int> running, processed;
  int overlaps = 0;
  QueueWorkers workers(q, 4, [&](const std::string& key) {
    {
      std::lock_guard lock(mutex);
      if (++running[key] > 1) ++overlaps;
    }
    std::this_thread::sleep_for(milliseconds(1));
    std::lock_guard lock(mutex);
    --running[key];
    ++processed[key];
    return ReconcileResult::success();
  });
  for (int i = 0; i < 500; ++i)
    q.add("key-" + std::to_string(i % 10));
  workers.stop();  // drains
  EXPECT_EQ(overlaps, 0);
  ASSERT_EQ(processed.size(), 10u);
  int total = 0;
  for (const auto& [key, n] : processed)
    total += n;
  EXPECT_LE(total, 500);  // de-duplicated
}

TEST(QueueWorkers, RetryFailuresWithBackoffUntilSuccess) {
  SystemClock clock;
  WorkQueue q(clock, defaultControllerRateLimiter(clock));
  std::atomic<int> attempts{0};
  std::atomic<bool> succeeded{false};
  QueueWorkers workers(q, 2, [&](const std::string&) {
    if (++attempts < 4) return ReconcileResult::failure("not yet");
    succeeded = true;
    return ReconcileResult::success();
  });
  q.add("a");
  ASSERT_TRUE(eventually([&] { return succeeded.load(); }, std::chrono::seconds(10)));
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(q.retries("a"), 0);  // success forgot the backoff
  workers.stop();
}

}  // namespace
}  // namespace bulwark::kube
