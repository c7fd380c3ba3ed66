#include "operator/kube/kube_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "tests/support/fake_apiserver/fake_apiserver_process.h"

namespace bulwark::kube {
namespace {

using nlohmann::json;
using testing::FakeApiServer;
using ::testing::HasSubstr;

json policy(const std::string& name, int listenPort = 16379) {
  return {{"apiVersion", "bulwark.io/v1alpha1"},
          {"kind", "ResiliencePolicy"},
          {"metadata", {{"name", name}, {"labels", {{"team", "orders"}}}}},
          {"spec",
           {{"target",
             {{"protocol", "redis"},
              {"upstream", {{"host", "redis.shop.svc"}, {"port", 6379}}},
              {"listenPort", listenPort}}}}}};
}

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = loadKubeconfig(server.kubeconfig());
    ASSERT_TRUE(config) << config.error().str();
    KubeClient::Options options;
    options.initialBackoff = std::chrono::milliseconds(10);
    options.sleep = [this](std::chrono::milliseconds d) {
      std::lock_guard lock(mutex);
      sleeps.push_back(d);
    };
    auto made = KubeClient::create(*config, options);
    ASSERT_TRUE(made) << made.error().str();
    client = *made;
  }

  FakeApiServer server;
  std::shared_ptr<KubeClient> client;
  std::mutex mutex;
  std::vector<std::chrono::milliseconds> sleeps;
};

TEST_F(KubeClientTest, CreateGetUpdatePatchDelete) {
  auto created = client->create(kResiliencePolicies, "default", policy("orders"));
  ASSERT_TRUE(created) << created.error().str();
  EXPECT_EQ((*created)["metadata"]["generation"], 1);
  EXPECT_FALSE((*created)["spec"].contains("rateLimit"));
  EXPECT_EQ((*created)["spec"]["timeouts"]["connect"], "1s");  // the CRD's defaults, applied on write

  auto got = client->get(kResiliencePolicies, "default", "orders");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, *created);

  json changed = *got;
  changed["spec"]["target"]["listenPort"] = 16380;
  auto updated = client->update(kResiliencePolicies, "default", changed);
  ASSERT_TRUE(updated) << updated.error().str();
  EXPECT_EQ((*updated)["metadata"]["generation"], 2);  // spec changed

  auto patched = client->mergePatch(kResiliencePolicies, "default", "orders",
                                    {{"metadata", {{"labels", {{"tier", "gold"}}}}}});
  ASSERT_TRUE(patched);
  EXPECT_EQ((*patched)["metadata"]["generation"], 2);  // metadata only
  EXPECT_EQ((*patched)["metadata"]["labels"]["tier"], "gold");

  auto removed = client->remove(kResiliencePolicies, "default", "orders");
  ASSERT_TRUE(removed) << removed.error().str();
  auto after = client->get(kResiliencePolicies, "default", "orders");
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().kind, ApiErrorKind::NotFound);
  EXPECT_EQ(after.error().httpStatus, 404);
}

TEST_F(KubeClientTest, TypedErrorsFromStatusObjects) {
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("a")));
  auto again = client->create(kResiliencePolicies, "default", policy("a"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ApiErrorKind::AlreadyExists);

  json bad = policy("b");
  bad["spec"]["rateLimit"] = {{"requestsPerSecond", 100}, {"burst", 0}};
  bad["spec"]["target"]["protocol"] = "http";
  auto invalid = client->create(kResiliencePolicies, "default", bad);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().kind, ApiErrorKind::Invalid);
  std::vector<std::string> fields;
  for (const auto& c : invalid.error().causes)
    fields.push_back(c.field);
  EXPECT_THAT(fields, ::testing::IsSupersetOf({"spec.target.protocol", "spec.rateLimit.burst"}));

  auto noNamespace = client->create(kResiliencePolicies, "nowhere", policy("c"));
  ASSERT_FALSE(noNamespace);
  EXPECT_EQ(noNamespace.error().kind, ApiErrorKind::NotFound);
  EXPECT_THAT(noNamespace.error().message, HasSubstr("namespaces \"nowhere\" not found"));
}

TEST_F(KubeClientTest, StaleResourceVersionConflictsAndARetryOnTheLatestSucceeds) {
  auto created = client->create(kResiliencePolicies, "default", policy("orders"));
  ASSERT_TRUE(created);
  json first = *created, second = *created;
  first["spec"]["target"]["listenPort"] = 20000;
  second["spec"]["target"]["listenPort"] = 20001;
  ASSERT_TRUE(client->update(kResiliencePolicies, "default", first));
  auto stale = client->update(kResiliencePolicies, "default", second);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, ApiErrorKind::Conflict);
  EXPECT_THAT(stale.error().message, HasSubstr("the object has been modified"));
  // The controller's answer to a conflict: read the latest and apply the change again.
  auto latest = client->get(kResiliencePolicies, "default", "orders");
  ASSERT_TRUE(latest);
  (*latest)["spec"]["target"]["listenPort"] = 20001;
  auto retried = client->update(kResiliencePolicies, "default", *latest);
  ASSERT_TRUE(retried);
  EXPECT_EQ((*retried)["spec"]["target"]["listenPort"], 20001);
  auto precondition = client->remove(kResiliencePolicies, "default", "orders", "1");
  ASSERT_FALSE(precondition);
  EXPECT_EQ(precondition.error().kind, ApiErrorKind::Conflict);
}

TEST_F(KubeClientTest, StatusSubresourceIsSeparateFromTheMainEndpoint) {
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("orders")));
  auto withStatus = client->mergePatchStatus(kResiliencePolicies, "default", "orders",
                                             {{"status", {{"mode", "Normal"}, {"observedGeneration", 1}}},
                                              {"spec", {{"target", {{"listenPort", 30000}}}}}});
  ASSERT_TRUE(withStatus) << withStatus.error().str();
  EXPECT_EQ((*withStatus)["status"]["mode"], "Normal");
  EXPECT_EQ((*withStatus)["spec"]["target"]["listenPort"], 16379);  // /status ignores the spec
  EXPECT_EQ((*withStatus)["metadata"]["generation"], 1);

  json viaMain = *withStatus;
  viaMain["status"]["mode"] = "Shed";
  auto updated = client->update(kResiliencePolicies, "default", viaMain);
  ASSERT_TRUE(updated);
  EXPECT_EQ((*updated)["status"]["mode"], "Normal");  // the main endpoint ignores the status

  json status = *updated;
  status["status"]["mode"] = "Tightened";
  auto put = client->updateStatus(kResiliencePolicies, "default", status);
  ASSERT_TRUE(put);
  EXPECT_EQ((*put)["status"]["mode"], "Tightened");
}

TEST_F(KubeClientTest, ListFiltersByLabelAndPagesThroughContinueTokens) {
  for (int i = 0; i < 7; ++i) {
    json p = policy("p" + std::to_string(i), 17000 + i);
    if (i % 2 == 0) p["metadata"]["labels"]["team"] = "billing";
    ASSERT_TRUE(client->create(kResiliencePolicies, "default", p));
  }
  auto page = client->list(kResiliencePolicies, "default", {"", "", 3, ""});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 3u);
  EXPECT_FALSE(page->continueToken.empty());
  auto all = client->listAll(kResiliencePolicies, "default", {"", "", 2, ""});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 7u);
  EXPECT_FALSE(all->resourceVersion.empty());
  auto billing = client->listAll(kResiliencePolicies, "", {"team=billing", "", 0, ""});
  ASSERT_TRUE(billing);
  EXPECT_EQ(billing->items.size(), 4u);
  auto notBilling = client->list(kResiliencePolicies, "default", {"team!=billing,team", "", 0, ""});
  ASSERT_TRUE(notBilling);
  EXPECT_EQ(notBilling->items.size(), 3u);

  server.control("compact");  // the snapshot behind a continue token is gone
  auto expired = client->list(kResiliencePolicies, "default", {"", "", 0, page->continueToken});
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().kind, ApiErrorKind::Gone);
}

TEST_F(KubeClientTest, ReadsRetryServerErrorsWithBackoffAndWritesDoNot) {
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("orders")));
  server.control("faults", {{"method", "GET"}, {"pathContains", "orders"}, {"status", 503}, {"count", 2}});
  auto got = client->get(kResiliencePolicies, "default", "orders");
  ASSERT_TRUE(got) << got.error().str();
  EXPECT_EQ(sleeps.size(), 2u);
  ASSERT_GE(sleeps.size(), 2u);
  EXPECT_GE(sleeps[1], sleeps[0]);  // exponential

  sleeps.clear();
  server.control("faults", {{"method", "POST"}, {"status", 500}, {"count", 1}});
  auto write = client->create(kResiliencePolicies, "default", policy("other", 17001));
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().kind, ApiErrorKind::ServerError);
  EXPECT_TRUE(sleeps.empty());  // a write is not repeated after a 5xx: it may have happened

  server.control("faults", {{"method", "GET"}, {"status", 500}, {"count", 100}});
  auto exhausted = client->get(kResiliencePolicies, "default", "orders");
  ASSERT_FALSE(exhausted);
  EXPECT_EQ(exhausted.error().kind, ApiErrorKind::ServerError);
  EXPECT_EQ(sleeps.size(), static_cast<size_t>(client->options().maxAttempts - 1));  // bounded: no hot loop
  server.control("faults", {}, "DELETE");
}

TEST_F(KubeClientTest, TooManyRequestsIsRetriedForWritesHonouringRetryAfter) {
  server.control("faults", {{"method", "POST"}, {"status", 429}, {"retryAfterSeconds", 2}, {"count", 1}});
  auto created = client->create(kResiliencePolicies, "default", policy("orders"));
  ASSERT_TRUE(created) << created.error().str();
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_GE(sleeps[0], std::chrono::seconds(2));
}

TEST_F(KubeClientTest, ClientCertificateAuthentication) {
  auto config = loadKubeconfig(server.kubeconfig(), "fake-cert");
  ASSERT_TRUE(config) << config.error().str();
  EXPECT_TRUE(config->token.empty());
  auto certClient = KubeClient::create(*config);
  ASSERT_TRUE(certClient);
  auto listed = (*certClient)->list(kNamespaces, "");
  ASSERT_TRUE(listed) << listed.error().str();
  EXPECT_GE(listed->items.size(), 4u);
}

TEST_F(KubeClientTest, VerifiesTheServerCertificateUnlessTheConfigSaysNotTo) {
  auto config = loadKubeconfig(server.kubeconfig());
  ASSERT_TRUE(config);
  KubeConfig systemRoots = *config;
  systemRoots.caPem.clear();  // the fake's CA is not among the system's
  KubeClient::Options once;
  once.maxAttempts = 1;
  auto untrusted = (*KubeClient::create(systemRoots, once))->list(kNamespaces, "");
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().kind, ApiErrorKind::Transport);

  systemRoots.insecureSkipTlsVerify = true;
  EXPECT_TRUE((*KubeClient::create(systemRoots, once))->list(kNamespaces, ""));

  KubeConfig noToken = *config;
  noToken.token.clear();
  auto anonymous = (*KubeClient::create(noToken, once))->list(kNamespaces, "");
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().kind, ApiErrorKind::Unauthorized);
}

TEST_F(KubeClientTest, RereadsARotatedTokenFile) {
  testing::TempDir account;
  auto config = loadKubeconfig(server.kubeconfig());
  ASSERT_TRUE(config);
  testing::writeFile(account.file("token"), server.token() + "\n");
  testing::writeFile(account.file("ca.crt"), config->caPem);
  testing::writeFile(account.file("namespace"), "default\n");
  auto inCluster = loadInClusterConfig(
      {{"KUBERNETES_SERVICE_HOST", "127.0.0.1"}, {"KUBERNETES_SERVICE_PORT", std::to_string(server.port())}},
      account.path());
  ASSERT_TRUE(inCluster) << inCluster.error().str();
  auto podClient = *KubeClient::create(*inCluster);
  ASSERT_TRUE(podClient->list(kNamespaces, ""));

  // The kubelet rotates the token; the server accepts only the new one from now on.
  server.control("token", {{"token", "rotated-token"}});
  testing::writeFile(account.file("token"), "rotated-token\n");
  auto after = podClient->list(kNamespaces, "");
  ASSERT_TRUE(after) << after.error().str();
}

TEST_F(KubeClientTest, WatchStreamsEventsAndBookmarksUntilTimeoutSeconds) {
  auto listed = client->list(kResiliencePolicies, "default");
  ASSERT_TRUE(listed);
  std::vector<WatchEvent> events;
  std::thread writer([&] { client->create(kResiliencePolicies, "default", policy("orders")); });
  auto started = std::chrono::steady_clock::now();
  auto ended = client->watch(kResiliencePolicies, "default",
                             {listed->resourceVersion, "", "", true, std::chrono::seconds(2)},
                             [&](const WatchEvent& e) {
                               events.push_back(e);
                               return true;
                             });
  writer.join();
  ASSERT_TRUE(ended) << ended.error().str();
  EXPECT_EQ(*ended, WatchEnd::ServerClosed);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].type, "ADDED");
  EXPECT_EQ(events[0].object["metadata"]["name"], "orders");
  EXPECT_EQ(events.back().type, "BOOKMARK");
  EXPECT_EQ(events.back().object["metadata"]["resourceVersion"],
            events[0].object["metadata"]["resourceVersion"]);
}

TEST_F(KubeClientTest, WatchFromACompactedVersionIsGone) {
  ASSERT_TRUE(client->create(kResiliencePolicies, "default", policy("orders")));
  server.control("compact");
  auto ended = client->watch(kResiliencePolicies, "default", {"1", "", "", true, std::chrono::seconds(5)},
                             [](const WatchEvent&) { return true; });
  ASSERT_FALSE(ended);
  EXPECT_EQ(ended.error().kind, ApiErrorKind::Gone);
  EXPECT_EQ(ended.error().reason, "Expired");
}

TEST(KubeClientConfig, RefusesPemItCannotLoad) {
  KubeConfig config;
  config.server = "https://127.0.0.1:1";
  config.caPem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  config.source = "kubeconfig /x";
  auto made = KubeClient::create(config);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().field, "certificate-authority");
  EXPECT_THAT(made.error().str(), HasSubstr("kubeconfig /x"));
}

}  // namespace
}  // namespace bulwark::kube
