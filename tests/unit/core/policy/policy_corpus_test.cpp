// One corpus, two validators: every case under tests/data/policies/ goes through the C++ validator and
// through ../shared/k8s/validate-manifests.py (the CRD's OpenAPI schema), and the two must agree. A case's
// header says which errors it holds and who can see them:
//   # expect: PATH            the schema rejects it too (the offline validator must fail at PATH or above)
//   # expect-cel: PATH        only a CEL rule of the CRD rejects it (the offline validator cannot run CEL)
//   # expect-apiserver: PATH  the API server rejects it without CEL (duplicate list-map keys)
//   # expect-operator: PATH   no CRD rule: only the C++ validator (status condition Valid=False)
// The C++ validator must report exactly the union of these paths.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "core/policy/policy_loader.h"
#include "core/policy/yaml_documents.h"
#include "tests/support/cel_rules.h"
#include "tests/support/manifest_validator.h"
#include "tests/support/source_tree.h"

namespace bulwark::policy {
namespace {

struct CorpusCase {
  std::string file;
  std::string name;
  bool expectValid = true;
  std::set<std::string> schema, cel, apiserver, operatorOnly;

  std::set<std::string> all() const {
    std::set<std::string> out = schema;
    out.insert(cel.begin(), cel.end());
    out.insert(apiserver.begin(), apiserver.end());
    out.insert(operatorOnly.begin(), operatorOnly.end());
    return out;
  }
};

std::vector<CorpusCase> loadCorpus() {
  std::vector<CorpusCase> cases;
  for (const char* kind : {"valid", "invalid"}) {
    std::string dir = testing::sourcePath(std::string("tests/data/policies/") + kind);
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      CorpusCase c;
      c.file = f;
      c.name = std::string(kind) + "/" + std::filesystem::path(f).stem().string();
      c.expectValid = std::string(kind) == "valid";
      std::istringstream text(testing::readFile(f));
      std::string line;
      while (std::getline(text, line) && line.rfind("#", 0) == 0) {
        auto take = [&](const char* prefix, std::set<std::string>& into) {
          std::string p = prefix;
          if (line.rfind(p, 0) != 0) return;
          std::string path = line.substr(p.size());
          if (auto comment = path.find(" #"); comment != std::string::npos) path.resize(comment);
          while (!path.empty() && path.back() == ' ')
            path.pop_back();
          into.insert(path);
        };
        take("# expect: ", c.schema);
        take("# expect-cel: ", c.cel);
        take("# expect-apiserver: ", c.apiserver);
        take("# expect-operator: ", c.operatorOnly);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

class PolicyCorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cases_ = new std::vector<CorpusCase>(loadCorpus());
    std::vector<std::string> files;
    for (const auto& c : *cases_)
      files.push_back(c.file);
    report_ = new testing::ManifestReport(
        testing::validateManifests(files, testing::sourcePath("crds/bulwark.io_resiliencepolicies.yaml")));
  }
  static void TearDownTestSuite() {
    delete cases_;
    delete report_;
  }
  static std::vector<CorpusCase>* cases_;
  static testing::ManifestReport* report_;
};

std::vector<CorpusCase>* PolicyCorpusTest::cases_ = nullptr;
testing::ManifestReport* PolicyCorpusTest::report_ = nullptr;

TEST_F(PolicyCorpusTest, IsLargeAndWellFormed) {
  size_t valid = 0, invalid = 0, celOnly = 0, operatorOnly = 0;
  for (const auto& c : *cases_) {
    if (c.expectValid) {
      ++valid;
      EXPECT_TRUE(c.all().empty()) << c.name << ": a valid case lists expected errors";
    } else {
      ++invalid;
      EXPECT_FALSE(c.all().empty()) << c.name << ": an invalid case lists no expected error";
      celOnly += !c.cel.empty();
      operatorOnly += !c.operatorOnly.empty();
    }
  }
  EXPECT_GE(valid + invalid, 40u);
  EXPECT_GE(valid, 10u);
  EXPECT_GE(invalid, 25u);
  EXPECT_GE(celOnly, 5u);
  EXPECT_GE(operatorOnly, 3u);
}

TEST_F(PolicyCorpusTest, CppValidatorReportsExactlyTheExpectedPaths) {
  // The case files are checked as a person writes them, so an expired override counts.
  LoadOptions options{std::chrono::system_clock::now()};
  for (const auto& c : *cases_) {
    auto docs = loadPolicyFile(c.file, options);
    std::set<std::string> got;
    std::vector<std::string> messages;
    for (const auto& d : docs) {
      if (!d.readError.empty()) got.insert("(document)");
      for (const auto& e : d.checked.errors)
        got.insert(e.path);
      for (const auto& m : d.describeErrors())
        messages.push_back(m);
    }
    EXPECT_EQ(docs.size(), 1u) << c.name;
    EXPECT_EQ(got, c.all()) << c.name << "\n" << ::testing::PrintToString(messages);
  }
}

TEST_F(PolicyCorpusTest, SchemaValidatorAgrees) {
  ASSERT_NE(report_->exitCode, 2) << report_->output;
  for (const auto& c : *cases_) {
    const auto& failures = report_->failuresOf(c.file, 1);
    if (c.schema.empty()) {
      EXPECT_TRUE(failures.empty()) << c.name << ": the schema rejects a case it should accept: "
                                    << ::testing::PrintToString(failures);
      continue;
    }
    EXPECT_FALSE(failures.empty()) << c.name << ": the schema accepts a case it should reject";
    for (const auto& f : failures) {
      bool explained = false;
      for (const auto& want : c.schema)
        explained |= testing::isFieldPathAncestor(f, want);
      EXPECT_TRUE(explained) << c.name << ": schema error at " << f << " is not among the expected paths";
    }
    for (const auto& want : c.schema) {
      bool seen = false;
      for (const auto& f : failures)
        seen |= testing::isFieldPathAncestor(f, want);
      EXPECT_TRUE(seen) << c.name << ": the schema does not report " << want;
    }
  }
}

// The CEL rules of the CRD, run by a CEL implementation (cel-js) on every case the schema accepts, as the
// API server would after defaulting: they must fail exactly where the case says (`expect-cel`), and
// nowhere on valid cases, examples or the conformance fixtures. This also proves each rule compiles.
TEST_F(PolicyCorpusTest, CelRulesAgree) {
  nlohmann::json crd =
      readYamlDocuments(testing::readFile(testing::sourcePath("crds/bulwark.io_resiliencepolicies.yaml")))[0]
          .value;
  const nlohmann::json& schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];

  struct Checked {
    std::string name;
    std::set<std::string> expected;
  };
  std::vector<Checked> checked;
  std::vector<nlohmann::json> docs;
  auto add = [&](const std::string& file, const std::string& name, std::set<std::string> expected) {
    auto yaml = readYamlDocuments(testing::readFile(file));
    ASSERT_EQ(yaml.size(), 1u) << name;
    ASSERT_TRUE(yaml[0].error.empty()) << name;
    checked.push_back({name, std::move(expected)});
    docs.push_back(yaml[0].value);
  };
  for (const auto& c : *cases_) {
    if (c.schema.empty() && c.all().count("(document)") == 0) add(c.file, c.name, c.cel);
  }
  for (const auto& e : std::filesystem::directory_iterator(testing::sourcePath("examples"))) {
    add(e.path().string(), "examples/" + e.path().filename().string(), {});
  }
  for (const char* f : {"tests/data/conformance/full-redis.yaml", "tests/data/conformance/full-nats.yaml"}) {
    add(testing::sourcePath(f), f, {});
  }
  auto failures = testing::evaluateCelRules(schema, docs);
  ASSERT_EQ(failures.size(), checked.size());
  size_t celCases = 0;
  for (size_t i = 0; i < checked.size(); ++i) {
    const auto& want = checked[i].expected;
    celCases += !want.empty();
    for (const auto& f : failures[i]) {
      bool expected = false;
      for (const auto& w : want)
        expected |= testing::isFieldPathAncestor(f.path, w);
      EXPECT_TRUE(expected) << checked[i].name << ": CEL rule fails at " << f.path << " (" << f.reason
                            << "): " << f.rule;
    }
    for (const auto& w : want) {
      bool seen = false;
      for (const auto& f : failures[i])
        seen |= testing::isFieldPathAncestor(f.path, w);
      EXPECT_TRUE(seen) << checked[i].name << ": no CEL rule fails at " << w;
    }
  }
  EXPECT_GE(celCases, 5u);
}

}  // namespace
}  // namespace bulwark::policy
