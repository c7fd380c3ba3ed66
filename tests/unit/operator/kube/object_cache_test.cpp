#include "operator/kube/object_cache.h"

#include <gtest/gtest.h>

namespace bulwark::kube {
namespace {

using nlohmann::json;

json object(const std::string& ns, const std::string& name, json labels, const std::string& rv = "1") {
  return {{"metadata", {{"namespace", ns}, {"name", name}, {"labels", labels}, {"resourceVersion", rv}}}};
}

TEST(ObjectCache, IndexesByNamespaceNameAndLabel) {
  ObjectCache cache;
  EXPECT_FALSE(cache.upsert(object("a", "x", {{"app", "web"}})));
  cache.upsert(object("a", "y", {{"app", "db"}}));
  cache.upsert(object("b", "x", {{"app", "web"}}));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.list("a").size(), 2u);
  EXPECT_EQ(cache.withLabel("app", "web").size(), 2u);
  ASSERT_TRUE(cache.get("b", "x"));

  auto previous = cache.upsert(object("b", "x", {{"app", "db"}}, "2"));
  ASSERT_TRUE(previous);
  EXPECT_EQ((*previous)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(cache.withLabel("app", "web").size(), 1u);  // the old label no longer finds it
  EXPECT_EQ(cache.withLabel("app", "db").size(), 2u);

  EXPECT_TRUE(cache.erase("a/y"));
  EXPECT_FALSE(cache.erase("a/y"));
  EXPECT_EQ(cache.withLabel("app", "db").size(), 1u);
  EXPECT_EQ(cache.keys(), (std::vector<std::string>{"a/x", "b/x"}));
}

}  // namespace
}  // namespace bulwark::kube
