// Real kubectl (v1.32) against bulwark-fake-apiserver. Each expectation is what kubectl prints against a
// real API server for the same request (the Kubernetes documentation of the command and the API
// conventions cited in tests/support/fake_apiserver/README.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/fake_apiserver/fake_apiserver_process.h"

namespace bulwark::testing {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

const char* kPolicy = R"(apiVersion: bulwark.io/v1alpha1
kind: ResiliencePolicy
metadata:
  name: orders-cache
  namespace: shop
spec:
  target:
    protocol: redis
    upstream: {host: redis-master.shop.svc, port: 6379}
    listenPort: 16379
  rateLimit:
    requestsPerSecond: 20000
    burst: 2000
)";

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ns =
        server.kubectl({"apply", "-f", "-"}, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
    ASSERT_EQ(ns.exitCode, 0) << ns.output;
  }
  CommandResult kubectl(const std::vector<std::string>& args, const std::string& input = "") {
    return server.kubectl(args, input);
  }
  void applyPolicy() {
    auto r = kubectl({"apply", "-f", "-"}, kPolicy);
    ASSERT_EQ(r.exitCode, 0) << r.output;
  }

  FakeApiServer server;
};

TEST_F(KubectlTest, DiscoveryNamesTheCustomResourceWithShortNamesAndCategory) {
  auto version = kubectl({"version", "-o", "json"});
  ASSERT_EQ(version.exitCode, 0) << version.output;
  EXPECT_THAT(version.output, HasSubstr("\"gitVersion\": \"v1.32.0-bulwark-fake\""));
  auto resources = kubectl({"api-resources", "--api-group=bulwark.io"});
  ASSERT_EQ(resources.exitCode, 0) << resources.output;
  EXPECT_THAT(resources.output,
              ContainsRegex("resiliencepolicies +rp,rpol +bulwark.io/v1alpha1 +true +ResiliencePolicy"));
  applyPolicy();
  for (const char* name : {"rp", "rpol", "resiliencepolicy", "resiliencepolicies.bulwark.io", "bulwark"}) {
    auto got = kubectl({"get", name, "-n", "shop", "-o", "name"});
    EXPECT_EQ(got.exitCode, 0) << name << ": " << got.output;
    EXPECT_EQ(got.output, "resiliencepolicy.bulwark.io/orders-cache\n") << name;
  }
}

TEST_F(KubectlTest, ApplyCreatesThenReportsUnchangedThenConfigured) {
  auto first = kubectl({"apply", "-f", "-"}, kPolicy);
  EXPECT_EQ(first.output, "resiliencepolicy.bulwark.io/orders-cache created\n");
  auto again = kubectl({"apply", "-f", "-"}, kPolicy);
  EXPECT_EQ(again.output, "resiliencepolicy.bulwark.io/orders-cache unchanged\n");
  std::string changed = kPolicy;
  changed.replace(changed.find("20000"), 5, "30000");
  auto third = kubectl({"apply", "-f", "-"}, changed);
  EXPECT_EQ(third.output, "resiliencepolicy.bulwark.io/orders-cache configured\n");

  auto yaml = kubectl({"get", "rp", "orders-cache", "-n", "shop", "-o", "json"});
  ASSERT_EQ(yaml.exitCode, 0) << yaml.output;
  json object = json::parse(yaml.output);
  EXPECT_EQ(object["metadata"]["generation"], 2);
  EXPECT_EQ(object["spec"]["rateLimit"]["requestsPerSecond"], 30000);
  EXPECT_EQ(object["spec"]["rateLimit"]["onLimit"], "reject");  // schema default, set by the server
  EXPECT_EQ(object["spec"]["timeouts"]["connect"], "1s");
  EXPECT_TRUE(object["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_FALSE(object["metadata"]["uid"].get<std::string>().empty());
}

TEST_F(KubectlTest, GetPrintsTheCrdPrinterColumns) {
  applyPolicy();
  auto status = kubectl(
      {"patch", "rp", "orders-cache", "-n", "shop", "--subresource=status", "--type", "merge", "-p",
       R"({"status":{"mode":"Tightened","effectiveRequestsPerSecond":14000,)"
       R"("nodes":{"desired":3,"applied":2,"summary":"2/3"},"endpoint":"orders-cache.shop.svc:16379"}})"});
  ASSERT_EQ(status.exitCode, 0) << status.output;
  auto table = kubectl({"get", "rp", "-n", "shop"});
  ASSERT_EQ(table.exitCode, 0) << table.output;
  EXPECT_THAT(table.output, ContainsRegex("^NAME +PROTOCOL +MODE +LIMIT +NODES +AGE\n"));
  EXPECT_THAT(table.output, ContainsRegex("orders-cache +redis +Tightened +14000 +2/3 +[0-9]+s\n"));
  EXPECT_THAT(table.output, Not(HasSubstr("ENDPOINT")));  // priority 1: only with -o wide
  auto wide = kubectl({"get", "rp", "-n", "shop", "-o", "wide"});
  EXPECT_THAT(wide.output, ContainsRegex("ENDPOINT +AGE\n"));
  EXPECT_THAT(wide.output, HasSubstr("orders-cache.shop.svc:16379"));
  auto all = kubectl({"get", "rp", "-A"});
  EXPECT_THAT(all.output, ContainsRegex("^NAMESPACE +NAME +PROTOCOL"));
  auto none = kubectl({"get", "rp", "-n", "default"});
  EXPECT_EQ(none.exitCode, 0);
  EXPECT_THAT(none.output, HasSubstr("No resources found in default namespace."));
  auto ns = kubectl({"get", "ns", "shop"});
  EXPECT_THAT(ns.output, ContainsRegex("shop +Active +[0-9]+s"));
}

TEST_F(KubectlTest, InvalidPoliciesAreRejectedWithTheFieldAndRule) {
  std::string bad = kPolicy;
  bad.replace(bad.find("burst: 2000"), 11, "burst: 0");
  auto schema = kubectl({"apply", "-f", "-"}, bad);
  EXPECT_NE(schema.exitCode, 0);
  EXPECT_THAT(schema.output,
              HasSubstr("The ResiliencePolicy \"orders-cache\" is invalid: spec.rateLimit.burst: "
                        "Invalid value: 0: spec.rateLimit.burst in body should be greater than or "
                        "equal to 1"));
  std::string enumBad = kPolicy;
  enumBad.replace(enumBad.find("protocol: redis"), 15, "protocol: http");
  auto unsupported = kubectl({"apply", "-f", "-"}, enumBad);
  EXPECT_THAT(
      unsupported.output,
      HasSubstr("spec.target.protocol: Unsupported value: \"http\": supported values: \"redis\", \"nats\""));

  std::string unknown = std::string(kPolicy) + "  bogus: 1\n";
  auto strict = kubectl({"apply", "-f", "-"}, unknown);
  EXPECT_NE(strict.exitCode, 0);
  EXPECT_THAT(strict.output, HasSubstr("strict decoding error: unknown field \"spec.bogus\""));

  std::string cel = std::string(kPolicy) + "  messaging:\n    dedupWindow: 2m\n";
  auto rule = kubectl({"apply", "-f", "-"}, cel);
  EXPECT_NE(rule.exitCode, 0);
  EXPECT_THAT(rule.output,
              HasSubstr("spec.messaging: Invalid value: \"object\": messaging is only supported for "
                        "protocol nats"));
  auto nothing = kubectl({"get", "rp", "-n", "shop", "-o", "name"});
  EXPECT_EQ(nothing.output, "");
}

TEST_F(KubectlTest, MergePatchBumpsGenerationAndStaleVersionsConflict) {
  applyPolicy();
  auto patched = kubectl({"patch", "rp", "orders-cache", "-n", "shop", "--type", "merge", "-p",
                          R"({"spec":{"override":{"mode":"Shed","reason":"incident 42"}}})"});
  EXPECT_EQ(patched.output, "resiliencepolicy.bulwark.io/orders-cache patched\n");
  auto same = kubectl({"patch", "rp", "orders-cache", "-n", "shop", "--type", "merge", "-p",
                       R"({"spec":{"override":{"mode":"Shed"}}})"});
  EXPECT_EQ(same.output, "resiliencepolicy.bulwark.io/orders-cache patched (no change)\n");
  auto generation =
      kubectl({"get", "rp", "orders-cache", "-n", "shop", "-o", "jsonpath={.metadata.generation}"});
  EXPECT_EQ(generation.output, "2");
  auto stale = kubectl({"patch", "rp", "orders-cache", "-n", "shop", "--type", "merge", "-p",
                        R"({"metadata":{"resourceVersion":"1"},"spec":{"override":{"mode":"Auto"}}})"});
  EXPECT_NE(stale.exitCode, 0);
  EXPECT_THAT(stale.output, HasSubstr("the object has been modified; please apply your changes to the latest "
                                      "version and try again"));
  auto strategic = kubectl({"patch", "rp", "orders-cache", "-n", "shop", "-p", R"({"spec":{}})"});
  EXPECT_NE(strategic.exitCode, 0);  // custom resources take no strategic merge patch
  EXPECT_THAT(strategic.output,
              HasSubstr("application/strategic-merge-patch+json is not supported by bulwark.io/v1alpha1, "
                        "Kind=ResiliencePolicy: the body of the request was in an unknown format"));
}

TEST_F(KubectlTest, DescribeShowsSpecAndEvents) {
  applyPolicy();
  auto d = kubectl({"describe", "rp", "orders-cache", "-n", "shop"});
  ASSERT_EQ(d.exitCode, 0) << d.output;
  EXPECT_THAT(
      d.output,
      AllOf(ContainsRegex("Name: +orders-cache"), ContainsRegex("Namespace: +shop"),
            ContainsRegex("API Version: +bulwark.io/v1alpha1"), ContainsRegex("Kind: +ResiliencePolicy"),
            ContainsRegex("Requests Per Second: +20000"), ContainsRegex("Events: +<none>")));
}

TEST_F(KubectlTest, ExplainReadsTheSchemaFromOpenApiV3) {
  auto e = kubectl({"explain", "rp.spec.rateLimit"});
  ASSERT_EQ(e.exitCode, 0) << e.output;
  EXPECT_THAT(e.output,
              AllOf(HasSubstr("KIND:       ResiliencePolicy"), HasSubstr("FIELD: rateLimit <Object>"),
                    ContainsRegex("burst\t<integer>"), HasSubstr("onLimit\t<string>")));
}

TEST_F(KubectlTest, DeleteWaitsForFinalizers) {
  applyPolicy();
  auto fin = kubectl({"patch", "rp", "orders-cache", "-n", "shop", "--type", "merge", "-p",
                      R"({"metadata":{"finalizers":["bulwark.io/cleanup"]}})"});
  ASSERT_EQ(fin.exitCode, 0) << fin.output;
  auto del = kubectl({"delete", "rp", "orders-cache", "-n", "shop", "--wait=false"});
  EXPECT_EQ(del.output, "resiliencepolicy.bulwark.io \"orders-cache\" deleted\n");
  auto still =
      kubectl({"get", "rp", "orders-cache", "-n", "shop", "-o", "jsonpath={.metadata.deletionTimestamp}"});
  EXPECT_EQ(still.exitCode, 0);
  EXPECT_THAT(still.output, ContainsRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"));
  auto added = kubectl({"patch", "rp", "orders-cache", "-n", "shop", "--type", "merge", "-p",
                        R"({"metadata":{"finalizers":["bulwark.io/cleanup","other"]}})"});
  EXPECT_NE(added.exitCode, 0);
  EXPECT_THAT(added.output, HasSubstr("no new finalizers can be added if the object is being deleted"));
  auto released = kubectl({"patch", "rp", "orders-cache", "-n", "shop", "--type", "merge", "-p",
                           R"({"metadata":{"finalizers":null}})"});
  EXPECT_EQ(released.exitCode, 0) << released.output;
  auto gone = kubectl({"get", "rp", "orders-cache", "-n", "shop"});
  EXPECT_NE(gone.exitCode, 0);
  EXPECT_THAT(
      gone.output,
      HasSubstr("Error from server (NotFound): resiliencepolicies.bulwark.io \"orders-cache\" not found"));
  applyPolicy();
  auto plain = kubectl({"delete", "-f", "-"}, kPolicy);  // waits for the object to go, by watching it
  EXPECT_EQ(plain.output, "resiliencepolicy.bulwark.io \"orders-cache\" deleted\n");
}

TEST_F(KubectlTest, WaitForConditionReturnsWhenTheStatusSaysSo) {
  applyPolicy();
  auto waiter = Process::start({"kubectl", "--kubeconfig", server.kubeconfig(), "--cache-dir",
                                server.dir().file("kubectl-cache"), "wait", "--for=condition=Ready",
                                "rp/orders-cache", "-n", "shop", "--timeout=60s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(waiter->running());
  auto ready =
      kubectl({"patch", "rp", "orders-cache", "-n", "shop", "--subresource=status", "--type", "merge", "-p",
               R"({"status":{"conditions":[{"type":"Ready","status":"True","reason":"Applied",)"
               R"("message":"3/3 agents","lastTransitionTime":"2026-01-01T00:00:00Z"}]}})"});
  ASSERT_EQ(ready.exitCode, 0) << ready.output;
  EXPECT_EQ(waiter->wait(std::chrono::seconds(30)), 0) << waiter->log();
  EXPECT_THAT(waiter->log(), HasSubstr("resiliencepolicy.bulwark.io/orders-cache condition met"));
}

}  // namespace
}  // namespace bulwark::testing
