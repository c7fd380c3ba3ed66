#include "core/policy/yaml_documents.h"

#include <gtest/gtest.h>

namespace bulwark::policy {
namespace {

TEST(YamlDocumentsTest, ResolvesScalarsLikeKubectl) {
  auto docs = readYamlDocuments(
      "i: 42\nneg: -7\nf: 0.5\nb1: true\nb2: yes\nb3: Off\nn1: null\nn2: ~\nn3:\ns1: \"42\"\ns2: '0.5'\n"
      "s3: 5s\ns4: 64Mi\nts: 2026-12-03T16:57:08Z\nhex: 0x1F\nbig: 99999999999999999999\n");
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_TRUE(docs[0].error.empty()) << docs[0].error;
  const auto& v = docs[0].value;
  EXPECT_TRUE(v["i"].is_number_integer());
  EXPECT_EQ(v["i"], 42);
  EXPECT_EQ(v["neg"], -7);
  EXPECT_TRUE(v["f"].is_number_float());
  EXPECT_EQ(v["b1"], true);
  EXPECT_EQ(v["b2"], true);
  EXPECT_EQ(v["b3"], false);
  EXPECT_TRUE(v["n1"].is_null());
  EXPECT_TRUE(v["n2"].is_null());
  EXPECT_TRUE(v["n3"].is_null());
  EXPECT_EQ(v["s1"], "42");
  EXPECT_EQ(v["s2"], "0.5");
  EXPECT_EQ(v["s3"], "5s");
  EXPECT_EQ(v["s4"], "64Mi");
  EXPECT_EQ(v["ts"], "2026-12-03T16:57:08Z");  // timestamps stay strings, as for the API server
  EXPECT_EQ(v["hex"], 31);
  EXPECT_TRUE(v["big"].is_number_float());
}

TEST(YamlDocumentsTest, SplitsDocumentsAndSkipsNothing) {
  auto docs = readYamlDocuments("a: 1\n---\n---\nb: 2\n");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].index, 1);
  EXPECT_EQ(docs[0].value["a"], 1);
  EXPECT_TRUE(docs[1].value.is_null());
  EXPECT_EQ(docs[2].index, 3);
  EXPECT_EQ(docs[2].value["b"], 2);
}

TEST(YamlDocumentsTest, RecordsTheLineOfEveryField) {
  auto docs =
      readYamlDocuments("spec:\n  rateLimit:\n    burst: 0\n  clients:\n    - name: a\n    - name: b\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].lineOf("spec.rateLimit.burst"), 3);
  EXPECT_EQ(docs[0].lineOf("spec.clients[1].name"), 6);
  // A field that is missing points at its nearest ancestor.
  EXPECT_EQ(docs[0].lineOf("spec.rateLimit.requestsPerSecond"), 2);
  EXPECT_EQ(docs[0].lineOf("status.mode"), 0);
}

TEST(YamlDocumentsTest, DuplicateKeysAreErrors) {
  auto docs = readYamlDocuments("spec:\n  a: 1\n  a: 2\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].error, "line 3: spec.a: duplicate key \"a\"");
}

TEST(YamlDocumentsTest, SyntaxErrorsAreReportedNotThrown) {
  auto docs = readYamlDocuments("spec:\n  a: [1, 2\n  b: 3\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_NE(docs[0].error.find("YAML syntax error"), std::string::npos) << docs[0].error;
  docs = readYamlDocuments("a: b: c\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_FALSE(docs[0].error.empty());
}

TEST(YamlDocumentsTest, InputThatStallsTheParserEndsInAnError) {
  // yaml-cpp 0.7 loops forever on these in LoadAll (jbeder/yaml-cpp#1040).
  for (const char* text : {",", "a: 1\n---\n,\n", ",,,"}) {
    auto docs = readYamlDocuments(text);
    ASSERT_FALSE(docs.empty()) << text;
    EXPECT_FALSE(docs.back().error.empty()) << text;
  }
}

TEST(YamlDocumentsTest, InvalidUtf8IsAnError) {
  for (const char* text :
       {"a: \x81\n", "a: ok\nb: \xC0\xAF\n", "a: \xED\xA0\x80\n", "a: \xF4\x90\x80\x80\n"}) {
    auto docs = readYamlDocuments(text);
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_NE(docs[0].error.find("not valid UTF-8"), std::string::npos) << docs[0].error;
  }
  EXPECT_EQ(readYamlDocuments("a: \x81\n")[0].error, "line 1: not valid UTF-8 (byte 3)");
  auto ok = readYamlDocuments("reason: \"Zurich failover \xC3\xBC \xE2\x82\xAC \xF0\x9F\x94\xA5\"\n");
  ASSERT_TRUE(ok[0].error.empty());
  EXPECT_EQ(ok[0].value["reason"], "Zurich failover \xC3\xBC \xE2\x82\xAC \xF0\x9F\x94\xA5");
}

TEST(YamlDocumentsTest, AliasesExpand) {
  auto docs = readYamlDocuments("a: &x {k: 1}\nb: *x\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].value["b"]["k"], 1);
}

TEST(YamlDocumentsTest, NonScalarKeysAreErrors) {
  auto docs = readYamlDocuments("? [a, b]\n: 1\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_FALSE(docs[0].error.empty());
}

}  // namespace
}  // namespace bulwark::policy
