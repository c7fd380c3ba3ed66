#include "operator/kube/informer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>

#include "tests/support/fake_apiserver/fake_apiserver_process.h"

namespace bulwark::kube {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::eventually;
using testing::FakeApiServer;

json policy(const std::string& ns, const std::string& name, int port) {
  return {
      {"apiVersion", "bulwark.io/v1alpha1"},
      {"kind", "ResiliencePolicy"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", name}}}}},
      {"spec",
       {{"target",
         {{"protocol", "redis"}, {"upstream", {{"host", "redis"}, {"port", 6379}}}, {"listenPort", port}}}}}};
}

// What the handlers saw, per object: each version once, in order.
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> log;                              // "ADD a", "UPDATE a", "DELETE a"
  std::map<std::string, std::vector<std::string>> versions;  // name -> resourceVersions delivered

  InformerHandlers handlers() {
    return {[this](const json& o) { record("ADD", o); },
            [this](const json&, const json& o) { record("UPDATE", o); },
            [this](const json& o) { record("DELETE", o); }};
  }
  void record(const std::string& what, const json& o) {
    std::lock_guard lock(mutex);
    std::string name = o["metadata"]["name"];
    log.push_back(what + " " + name);
    if (what != "DELETE") versions[name].push_back(o["metadata"]["resourceVersion"]);
  }
  bool saw(const std::string& entry) {
    std::lock_guard lock(mutex);
    return std::find(log.begin(), log.end(), entry) != log.end();
  }
};

class InformerTest : public ::testing::Test {
 protected:
  explicit InformerTest(std::vector<std::string> serverArgs = {"--bookmark-interval-ms", "200"})
      : server(serverArgs) {}

  void SetUp() override {
    auto config = loadKubeconfig(server.kubeconfig());
    ASSERT_TRUE(config) << config.error().str();
    KubeClient::Options options;
    options.initialBackoff = milliseconds(20);
    options.maxBackoff = milliseconds(200);
    client = *KubeClient::create(*config, options);
  }

  std::unique_ptr<Informer> informer(const std::string& ns, milliseconds backoff = milliseconds(20)) {
    Informer::Options o;
    o.resource = kResiliencePolicies;
    o.ns = ns;
    o.pageSize = 3;
    o.initialBackoff = backoff;
    o.maxBackoff = backoff * 10;
    return std::make_unique<Informer>(client, o, recorder.handlers());
  }

  // Faults act on open watches only: wait until the informer's is open.
  void waitForWatch() {
    ASSERT_TRUE(eventually([&] { return server.control("stats")["activeWatches"] >= 1; }, seconds(10)));
  }

  FakeApiServer server;
  std::shared_ptr<KubeClient> client;
  Recorder recorder;
};

TEST_F(InformerTest, ListsThenDeliversAddUpdateDeleteFromTheWatch) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(client->create(kResiliencePolicies, "default",
                               policy("default", "p" + std::to_string(i), 17000 + i)));
  auto inf = informer("default");
  inf->start();
  ASSERT_TRUE(inf->waitForSync(seconds(10)));
  EXPECT_EQ(inf->cache().size(), 5u);  // listed in pages of 3
  EXPECT_EQ(recorder.log.size(), 5u);

  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "new", 18000)));
  ASSERT_TRUE(client->mergePatch(kResiliencePolicies, "default", "p0",
                                 {{"spec", {{"target", {{"listenPort", 19000}}}}}}));
  ASSERT_TRUE(client->remove(kResiliencePolicies, "default", "p1"));
  ASSERT_TRUE(eventually([&] { return recorder.saw("DELETE p1"); }, seconds(10)));
  EXPECT_TRUE(recorder.saw("ADD new"));
  EXPECT_TRUE(recorder.saw("UPDATE p0"));
  EXPECT_EQ((*inf->cache().get("default", "p0"))["spec"]["target"]["listenPort"], 19000);
  EXPECT_FALSE(inf->cache().get("default", "p1"));
  EXPECT_EQ(inf->cache().withLabel("app", "new").size(), 1u);
  inf->stop();
  EXPECT_EQ(inf->stats().relists, 0u);
}

TEST_F(InformerTest, BookmarksMoveTheResourceVersionWithoutEvents) {
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "mine", 17000)));
  auto inf = informer("default");
  inf->start();
  ASSERT_TRUE(inf->waitForSync(seconds(10)));
  json other;
  for (int i = 0; i < 3; ++i) {
    auto created = client->create(kResiliencePolicies, "kube-system",
                                  policy("kube-system", "o" + std::to_string(i), 17100 + i));
    ASSERT_TRUE(created);
    other = *created;
  }
  std::string latest = other["metadata"]["resourceVersion"];
  ASSERT_TRUE(
      eventually([&] { return std::stoull(inf->resourceVersion()) >= std::stoull(latest); }, seconds(10)));
  // Resuming from the bookmark's version survives a compaction that a resume from the last event would not.
  server.control("compact");
  server.control("cut-watches");
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "after", 17200)));
  ASSERT_TRUE(eventually([&] { return recorder.saw("ADD after"); }, seconds(10)));
  EXPECT_EQ(inf->stats().relists, 0u);
  EXPECT_EQ(recorder.log.size(), 2u);  // mine and after; nothing of kube-system
}

TEST_F(InformerTest, RelistsOnGoneAndDeliversTheDifference) {
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "stays", 17000)));
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "goes", 17001)));
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "changes", 17002)));
  auto inf = informer("default", milliseconds(1500));  // a long pause after the cut: changes happen meanwhile
  inf->start();
  ASSERT_TRUE(inf->waitForSync(seconds(10)));
  waitForWatch();
  server.control("cut-watches");
  ASSERT_TRUE(client->remove(kResiliencePolicies, "default", "goes"));
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "comes", 17003)));
  ASSERT_TRUE(client->mergePatch(kResiliencePolicies, "default", "changes",
                                 {{"metadata", {{"labels", {{"v", "2"}}}}}}));
  server.control("compact");  // the history the informer would resume from is gone: 410
  ASSERT_TRUE(
      eventually([&] { return inf->stats().relists >= 1 && recorder.saw("ADD comes"); }, seconds(15)));
  EXPECT_TRUE(recorder.saw("DELETE goes"));
  EXPECT_TRUE(recorder.saw("UPDATE changes"));
  EXPECT_EQ(recorder.versions["stays"].size(), 1u);  // unchanged: not delivered again by the relist
  EXPECT_EQ(inf->cache().keys(),
            (std::vector<std::string>{"default/changes", "default/comes", "default/stays"}));
}

TEST_F(InformerTest, RecoversFromAGarbageLine) {
  auto inf = informer("default");
  inf->start();
  ASSERT_TRUE(inf->waitForSync(seconds(10)));
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "before", 17000)));
  ASSERT_TRUE(eventually([&] { return recorder.saw("ADD before"); }, seconds(10)));
  waitForWatch();
  server.control("garbage-watches");
  ASSERT_TRUE(eventually([&] { return inf->stats().failures >= 1; }, seconds(10)));
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("default", "after", 17001)));
  ASSERT_TRUE(eventually([&] { return recorder.saw("ADD after"); }, seconds(10)));
  EXPECT_EQ(recorder.log, (std::vector<std::string>{"ADD before", "ADD after"}));
}

TEST_F(InformerTest, BacksOffWhileTheServerFailsAndSyncsAfterwards) {
  server.control(
      "faults",
      {{"method", "GET"}, {"pathContains", "resiliencepolicies"}, {"status", 500}, {"count", 100000}});
  auto inf = informer("default", milliseconds(100));
  inf->start();
  std::this_thread::sleep_for(seconds(2));
  EXPECT_FALSE(inf->hasSynced());
  uint64_t requests = server.control("stats")["requests"];
  EXPECT_LT(requests, 60u) << "the informer and client must back off, not hammer a failing server";
  server.control("faults", {}, "DELETE");
  ASSERT_TRUE(inf->waitForSync(seconds(15)));
}

// The done-when criterion: 1,000 changes while the watch is cut at random, mid-event; the informer must
// deliver every version of every object exactly once and in order.
TEST_F(InformerTest, NeverMissesOrDuplicatesAChangeAcrossRandomDisconnects) {
  const int objects = 10, changes = 1000;
  for (int i = 0; i < objects; ++i)
    ASSERT_TRUE(client->create(kResiliencePolicies, "default",
                               policy("default", "p" + std::to_string(i), 17000 + i)));
  auto inf = informer("default", milliseconds(5));
  inf->start();
  ASSERT_TRUE(inf->waitForSync(seconds(10)));
  waitForWatch();

  std::map<std::string, std::vector<std::string>> written;
  for (const auto& object : inf->cache().list())
    written[object["metadata"]["name"]].push_back(object["metadata"]["resourceVersion"]);
  std::mt19937 random(12345);
  int cuts = 0;
  for (int i = 0; i < changes; ++i) {
    std::string name = "p" + std::to_string(random() % objects);
    auto patched = client->mergePatch(kResiliencePolicies, "default", name,
                                      {{"metadata", {{"annotations", {{"change", std::to_string(i)}}}}}});
    ASSERT_TRUE(patched) << patched.error().str();
    written[name].push_back((*patched)["metadata"]["resourceVersion"]);
    if (random() % 40 == 0) {
      server.control("cut-watches");
      ++cuts;
    }
  }
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(recorder.mutex);
        for (const auto& [name, versions] : written)
          if (recorder.versions[name].empty() || recorder.versions[name].back() != versions.back())
            return false;
        return true;
      },
      seconds(30)));
  inf->stop();
  for (const auto& [name, versions] : written)
    EXPECT_EQ(recorder.versions[name], versions) << name;
  EXPECT_GT(cuts, 10);
  EXPECT_GE(inf->stats().failures, 1u);
  EXPECT_EQ(inf->stats().relists, 0u);
}

}  // namespace
}  // namespace bulwark::kube
