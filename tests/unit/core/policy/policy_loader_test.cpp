#include "core/policy/policy_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/source_tree.h"
#include "tests/unit/core/policy/policy_test_util.h"

namespace bulwark::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string policyYaml(const std::string& name, int port, const std::string& extra = "") {
  return "apiVersion: bulwark.io/v1alpha1\nkind: ResiliencePolicy\nmetadata: {name: " + name +
         ", namespace: shop}\nspec:\n  target:\n    protocol: redis\n    upstream: {host: redis, port: "
         "6379}\n"
         "    listenPort: " +
         std::to_string(port) + "\n" + extra;
}

TEST(PolicyLoaderTest, ABadFileDoesNotStopTheGoodOnes) {
  testing::TempDir dir;
  testing::writeFile(dir.file("a-good.yaml"), policyYaml("a", 16001));
  testing::writeFile(dir.file("b-broken.yaml"), "spec: [unclosed\n");
  testing::writeFile(dir.file("c-invalid.yml"),
                     policyYaml("c", 16003, "  rateLimit: {requestsPerSecond: 10, burst: 0}\n"));
  testing::writeFile(dir.file("d-multi.yaml"), policyYaml("d1", 16004) + "---\n" + policyYaml("d2", 16005));
  testing::writeFile(
      dir.file("e.json"),
      R"({"apiVersion":"bulwark.io/v1alpha1","kind":"ResiliencePolicy","metadata":{"name":"e"},)"
      R"("spec":{"target":{"protocol":"nats","upstream":{"host":"n","port":4222},"listenPort":16006}}})");
  testing::writeFile(dir.file("notes.txt"), "not a policy");
  testing::writeFile(dir.file(".hidden.yaml"), "garbage: [");

  auto docs = loadPolicyDirectory(dir.path());
  ASSERT_EQ(docs.size(), 6u);
  std::vector<std::string> valid;
  for (const auto& d : docs) {
    if (d.valid()) valid.push_back(d.checked.policy.key());
  }
  EXPECT_THAT(valid, ElementsAre("shop/a", "shop/d1", "shop/d2", "default/e"));

  EXPECT_FALSE(docs[1].valid());
  EXPECT_THAT(docs[1].describeErrors()[0], HasSubstr("b-broken.yaml: line 2: YAML syntax error"));
  EXPECT_THAT(docs[2].describeErrors(),
              ElementsAre(dir.file("c-invalid.yml") + ":9: spec.rateLimit.burst: must be >= 1 (got 0)"));
  EXPECT_EQ(docs[4].source(), dir.file("d-multi.yaml") + "#2");
}

TEST(PolicyLoaderTest, TheFirstPolicyKeepsANameOrPort) {
  testing::TempDir dir;
  testing::writeFile(dir.file("1.yaml"), policyYaml("a", 16001));
  testing::writeFile(dir.file("2.yaml"), policyYaml("a", 16002));
  testing::writeFile(dir.file("3.yaml"), policyYaml("b", 16001));
  auto docs = loadPolicyDirectory(dir.path());
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_TRUE(docs[0].valid());
  EXPECT_THAT(docs[1].describeErrors(),
              ElementsAre(dir.file("2.yaml") + "#1: metadata.name: policy shop/a is already defined in " +
                          dir.file("1.yaml") + "#1"));
  EXPECT_THAT(
      docs[2].describeErrors(),
      ElementsAre(dir.file("3.yaml") + "#1: spec.target.listenPort: port is already taken by shop/a (" +
                  dir.file("1.yaml") + "#1) (got 16001)"));
}

TEST(PolicyLoaderTest, MissingPathsAreErrors) {
  auto docs = loadPolicyDirectory("/nonexistent/bulwark");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_THAT(docs[0].readError, HasSubstr("cannot read directory"));
  docs = loadPolicyFile("/nonexistent/policy.yaml");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_THAT(docs[0].describeErrors()[0], HasSubstr("cannot read file"));
}

TEST(PolicyLoaderTest, EmptyDocumentsAreSkipped) {
  auto docs =
      loadPolicyText("---\n" + policyYaml("a", 16001) + "---\n---\n" + policyYaml("b", 16002), "x.yaml");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].document, 1);
  EXPECT_EQ(docs[1].document, 3);
  EXPECT_TRUE(docs[0].valid());
  EXPECT_TRUE(docs[1].valid());
}

TEST(PolicyLoaderTest, ExamplesAreAllValid) {
  auto docs = loadPolicyDirectory(testing::sourcePath("examples"), {std::chrono::system_clock::now()});
  ASSERT_GE(docs.size(), 4u);
  for (const auto& d : docs)
    EXPECT_THAT(d.describeErrors(), IsEmpty()) << d.source();
}

}  // namespace
}  // namespace bulwark::policy
