#include "core/bundle/bundle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/policy/policy_loader.h"

namespace bulwark::bundle {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

policy::ResiliencePolicy policyNamed(const std::string& name, int port, const std::string& extra = "") {
  auto docs = policy::loadPolicyText(
      "apiVersion: bulwark.io/v1alpha1\nkind: ResiliencePolicy\nmetadata: {name: " + name +
          ", namespace: shop}\nspec:\n  target: {protocol: redis, upstream: "
          "{host: redis, port: 6379}, listenPort: " +
          std::to_string(port) + "}\n" + extra,
      "t.yaml");
  EXPECT_TRUE(docs.at(0).valid());
  return docs[0].checked.policy;
}

Bundle sample() {
  Bundle b;
  b.generation = 7;
  b.policies.push_back({policyNamed("a", 16001, "  rateLimit: {requestsPerSecond: 3000}\n"), 1.0 / 3});
  b.policies.push_back({policyNamed("b", 16002), 1.0});
  b.identities["10.1.2.3"] = {"shop", {{"app", "checkout"}}};
  return b;
}

std::vector<std::string> paths(const DecodedBundle& d) {
  std::vector<std::string> out;
  for (const auto& e : d.errors)
    out.push_back(e.path);
  return out;
}

TEST(BundleTest, RoundTripsWithAStableHash) {
  Bundle b = sample();
  nlohmann::json encoded = encodeBundle(b);
  DecodedBundle d = decodeBundle(nlohmann::json::parse(encoded.dump()));
  ASSERT_TRUE(d.valid()) << d.errors.front().str();
  EXPECT_EQ(d.bundle, b);
  EXPECT_EQ(d.hash, bundleHash(b));
  EXPECT_EQ(d.hash.rfind("sha256:", 0), 0u);
  EXPECT_EQ(d.hash.size(), 7u + 64u);
}

TEST(BundleTest, TheHashFollowsContentNotGeneration) {
  Bundle b = sample();
  Bundle later = b;
  later.generation = 8;
  EXPECT_EQ(bundleHash(b), bundleHash(later));
  Bundle changed = b;
  changed.policies[0].share = 0.5;
  EXPECT_NE(bundleHash(b), bundleHash(changed));
  Bundle relabelled = b;
  relabelled.identities["10.1.2.3"].labels["app"] = "batch";
  EXPECT_NE(bundleHash(b), bundleHash(relabelled));
}

TEST(BundleTest, RejectsWhatCannotBeApplied) {
  nlohmann::json doc = encodeBundle(sample());
  doc["policies"][0]["policy"]["spec"]["rateLimit"]["requestsPerSecond"] = -5;
  doc["policies"][1]["share"] = 1.5;
  doc["extra"] = true;
  DecodedBundle d = decodeBundle(doc);
  EXPECT_THAT(paths(d), ElementsAre("extra", "policies[0].policy.spec.rateLimit.requestsPerSecond",
                                    "policies[1].share"));
  EXPECT_EQ(d.errors[1].str(), "policies[0].policy.spec.rateLimit.requestsPerSecond: must be > 0 (got -5)");
}

TEST(BundleTest, RejectsDuplicatesAndPortClashes) {
  Bundle b = sample();
  b.policies.push_back({policyNamed("a", 16003), 1.0});
  b.policies.push_back({policyNamed("c", 16001), 1.0});
  DecodedBundle d = decodeBundle(encodeBundle(b));
  EXPECT_THAT(paths(d),
              ElementsAre("policies[2].policy.metadata.name", "policies[3].policy.spec.target.listenPort"));
}

TEST(BundleTest, RejectsATamperedHash) {
  nlohmann::json doc = encodeBundle(sample());
  doc["policies"][0]["share"] = 0.25;  // changed after hashing
  DecodedBundle d = decodeBundle(doc);
  EXPECT_THAT(paths(d), ElementsAre("hash"));
}

TEST(BundleTest, NonObjectsAreErrors) {
  for (const char* text : {"[]", "42", "{}", R"({"generation": -1, "hash": 5, "policies": {}})"}) {
    EXPECT_FALSE(decodeBundle(nlohmann::json::parse(text)).valid()) << text;
  }
  Bundle empty;
  EXPECT_TRUE(decodeBundle(encodeBundle(empty)).valid()) << "no policies is a valid bundle";
}

}  // namespace
}  // namespace bulwark::bundle
