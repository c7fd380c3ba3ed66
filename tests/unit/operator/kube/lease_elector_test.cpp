#include "operator/kube/lease_elector.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/support/fake_apiserver/fake_apiserver_process.h"

namespace bulwark::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::eventually;
using testing::FakeApiServer;

class LeaseElectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = loadKubeconfig(server.kubeconfig());
    ASSERT_TRUE(config) << config.error().str();
    client = *KubeClient::create(*config);
  }

  LeaseElectorConfig config(const std::string& identity, bool fast = false, bool releaseOnStop = true) {
    LeaseElectorConfig c;
    c.releaseOnStop = releaseOnStop;
    c.ns = "default";
    c.name = "bulwark-operator";
    c.identity = identity;
    if (fast) {
      c.leaseDuration = milliseconds(4000);
      c.renewDeadline = milliseconds(2000);
      c.retryPeriod = milliseconds(250);
    }
    return c;
  }

  FakeApiServer server;
  std::shared_ptr<KubeClient> client;
};

TEST_F(LeaseElectorTest, DefaultsAreClientGos) {
  LeaseElectorConfig c;
  EXPECT_EQ(c.leaseDuration, seconds(15));
  EXPECT_EQ(c.renewDeadline, seconds(10));
  EXPECT_EQ(c.retryPeriod, seconds(2));
}

TEST_F(LeaseElectorTest, AStandbyTakesTheLeaseOnlyAfterTheLeaderWentSilentForLeaseDuration) {
  ManualClock clockA, clockB;  // separate clocks: the rule must not depend on them agreeing
  clockB.advance(std::chrono::hours(5));
  LeaseElector a(client, config("a"), {}, clockA);
  LeaseElector b(client, config("b"), {}, clockB);
  ASSERT_TRUE(a.tryAcquireOrRenew());
  EXPECT_FALSE(b.tryAcquireOrRenew());
  EXPECT_EQ(b.observedLeader(), "a");
  clockB.advance(seconds(14));
  EXPECT_FALSE(b.tryAcquireOrRenew());
  clockA.advance(seconds(10));
  ASSERT_TRUE(a.tryAcquireOrRenew());  // a renews: b starts counting again from when it sees that
  clockB.advance(seconds(14));
  EXPECT_FALSE(b.tryAcquireOrRenew());
  clockB.advance(seconds(14));
  EXPECT_FALSE(b.tryAcquireOrRenew());  // 14 s since b saw the renewal
  clockB.advance(seconds(2));
  ASSERT_TRUE(b.tryAcquireOrRenew());  // 16 s of silence
  auto lease = client->get(kLeases, "default", "bulwark-operator");
  ASSERT_TRUE(lease);
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 15);
  EXPECT_FALSE(a.tryAcquireOrRenew());  // a sees b's fresh record
  EXPECT_EQ(a.observedLeader(), "b");
}

TEST_F(LeaseElectorTest, ReleaseHandsOverAtOnce) {
  ManualClock clock;
  LeaseElector a(client, config("a"), {}, clock);
  LeaseElector b(client, config("b"), {}, clock);
  ASSERT_TRUE(a.tryAcquireOrRenew());
  EXPECT_FALSE(b.tryAcquireOrRenew());
  ASSERT_TRUE(a.release());
  EXPECT_TRUE(b.tryAcquireOrRenew());
}

struct Events {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  LeaderCallbacks callbacks() {
    return {[this] { ++started; }, [this] { ++stopped; }, nullptr};
  }
};

TEST_F(LeaseElectorTest, HandsOverInBothDirectionsWhenTheLeaderDies) {
  SystemClock clock;
  Events ea, eb;
  // Without release on stop, stopping is dying as far as the lease can tell.
  auto a = std::make_unique<LeaseElector>(client, config("a", true, false), ea.callbacks(), clock);
  auto b = std::make_unique<LeaseElector>(client, config("b", true, false), eb.callbacks(), clock);
  a->start();
  ASSERT_TRUE(eventually([&] { return a->isLeader(); }, seconds(5)));
  b->start();
  std::this_thread::sleep_for(milliseconds(600));
  EXPECT_FALSE(b->isLeader());

  a->stop();  // a dies without releasing: b must wait out the lease, then lead
  auto died = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return b->isLeader(); }, seconds(10)));
  EXPECT_GE(std::chrono::steady_clock::now() - died, milliseconds(3000));
  EXPECT_EQ(eb.started, 1);

  Events ea2;
  auto a2 =
      std::make_unique<LeaseElector>(client, config("a", true), ea2.callbacks(), clock);  // releases on stop
  a2->start();
  std::this_thread::sleep_for(milliseconds(600));
  EXPECT_FALSE(a2->isLeader());
  b->stop();
  ASSERT_TRUE(eventually([&] { return a2->isLeader(); }, seconds(10)));

  b = std::make_unique<LeaseElector>(client, config("b", true), eb.callbacks(), clock);  // releases on stop
  b->start();
  auto handover = std::chrono::steady_clock::now();
  a2->stop();  // graceful: released, so b need not wait out the lease
  EXPECT_EQ(ea2.stopped, 1);
  ASSERT_TRUE(eventually([&] { return b->isLeader(); }, seconds(10)));
  EXPECT_LT(std::chrono::steady_clock::now() - handover, milliseconds(3000));
  b->stop();
}

TEST_F(LeaseElectorTest, ALeaderThatCannotRenewStopsBeforeTheLeaseCanBeTaken) {
  SystemClock clock;
  Events e;
  LeaseElectorConfig c = config("a", true);
  LeaseElector a(client, c, e.callbacks(), clock);
  a.start();
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }, seconds(5)));
  auto cut = std::chrono::steady_clock::now();  // the last renewal was at most retryPeriod before
  server.control("faults", {{"pathContains", "leases"}, {"status", 503}, {"count", 100000}});
  ASSERT_TRUE(eventually([&] { return e.stopped.load() == 1; }, seconds(10)));
  auto stoppedAfter = std::chrono::steady_clock::now() - cut;
  EXPECT_FALSE(a.isLeader());
  EXPECT_GE(stoppedAfter, c.renewDeadline - 2 * c.retryPeriod);  // it kept trying for renewDeadline
  EXPECT_LT(stoppedAfter + c.retryPeriod, c.leaseDuration);
  server.control("faults", {}, "DELETE");
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }, seconds(10)));  // campaigns again
  a.stop();
}

}  // namespace
}  // namespace bulwark::kube
