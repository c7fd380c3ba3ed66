// The policy corpus written through the fake API server as kubectl writes it (fieldValidation=Strict):
// whatever the real server rejects (a schema rule, a CEL rule, list-map keys) must be rejected with a cause
// at the case's field, and whatever it accepts (valid cases, and errors that only the operator's validator
// sees) must be accepted. Also the server's 422 format and defaulting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "core/policy/yaml_documents.h"
#include "tests/support/fake_apiserver/fake_apiserver_process.h"

namespace bulwark::testing {
namespace {

using nlohmann::json;

struct Case {
  std::string name;
  std::string text;
  std::set<std::string> rejectedAt;  // expect, expect-cel, expect-apiserver
  bool operatorOnly = false;
};

std::vector<Case> loadCorpus() {
  std::vector<Case> cases;
  for (const char* kind : {"valid", "invalid"}) {
    std::vector<std::string> files;
    for (const auto& e :
         std::filesystem::directory_iterator(sourcePath(std::string("tests/data/policies/") + kind)))
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      Case c;
      c.name = std::string(kind) + "/" + std::filesystem::path(f).stem().string();
      c.text = readFile(f);
      std::istringstream lines(c.text);
      std::string line;
      while (std::getline(lines, line) && line.rfind("#", 0) == 0) {
        for (const char* prefix :
             {"# expect: ", "# expect-cel: ", "# expect-apiserver: ", "# expect-operator: "}) {
          std::string p = prefix;
          if (line.rfind(p, 0) != 0) continue;
          std::string path = line.substr(p.size());
          if (auto comment = path.find(" #"); comment != std::string::npos) path.resize(comment);
          while (!path.empty() && path.back() == ' ')
            path.pop_back();
          if (p == "# expect-operator: ") {
            c.operatorOnly = true;
          } else {
            c.rejectedAt.insert(path);
          }
        }
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// A cause at the expected field, above it or below it (the server may name the list item, the case
// the item's key field).
bool related(const std::string& cause, const std::string& expected) {
  auto within = [](const std::string& path, const std::string& ancestor) {
    return path == ancestor ||
           (path.size() > ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
            (path[ancestor.size()] == '.' || path[ancestor.size()] == '['));
  };
  return within(cause, expected) || within(expected, cause);
}

TEST(FakeApiServerCorpus, RejectsWhatTheApiServerRejectsAndAcceptsTheRest) {
  FakeApiServer server;
  std::set<std::string> namespaces = {"default"};
  size_t rejected = 0, accepted = 0, celRejected = 0;
  for (const auto& c : loadCorpus()) {
    auto docs = policy::readYamlDocuments(c.text);
    if (docs.empty() || !docs[0].error.empty() || !docs[0].value.is_object()) continue;  // unreadable YAML
    json object = docs[0].value;
    // What the server fills in is not part of a manifest (a copied live object may carry it).
    for (const char* field : {"resourceVersion", "uid", "creationTimestamp", "generation"})
      object["metadata"].erase(field);
    std::string ns = object["metadata"].value("namespace", "default");
    if (namespaces.insert(ns).second) {
      // An invalid namespace name is refused here; the policy's create then fails with 404, as it would.
      server.request("POST", "/api/v1/namespaces", {{"metadata", {{"name", ns}}}});
    }
    // The spec through the main endpoint, then the status through /status (the main endpoint ignores it).
    std::string apiVersion = object.value("apiVersion", "bulwark.io/v1alpha1");
    std::string collection = "/apis/" + apiVersion + "/namespaces/" + ns + "/resiliencepolicies";
    std::string name = object["metadata"].value("name", "");
    auto answer = server.request("POST", collection + "?fieldValidation=Strict", object);
    if (answer.status == 201 && object.contains("status")) {
      answer = server.request("PATCH", collection + "/" + name + "/status?fieldValidation=Strict",
                              {{"status", object["status"]}}, "application/merge-patch+json");
    }
    server.request("DELETE", collection + "/" + name);
    if (c.rejectedAt.empty()) {
      EXPECT_LT(answer.status, 300) << c.name << (c.operatorOnly ? " (only the operator rejects it)" : "")
                                    << ": " << answer.body.dump();
      ++accepted;
      continue;
    }
    EXPECT_GE(answer.status, 400) << c.name << " was accepted";
    ++rejected;
    if (answer.status != 422) continue;  // 404 for an unserved version, 400 for unknown fields
    std::vector<std::string> fields;
    for (const auto& cause : answer.body["details"]["causes"])
      fields.push_back(cause.value("field", ""));
    for (const auto& expected : c.rejectedAt) {
      bool found =
          std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return related(f, expected); });
      EXPECT_TRUE(found) << c.name << ": no cause at " << expected << " in " << answer.body.dump();
    }
    if (c.text.find("# expect-cel: ") != std::string::npos) ++celRejected;
  }
  EXPECT_GE(rejected, 100u);
  EXPECT_GE(accepted, 20u);
  EXPECT_GE(celRejected, 20u);
}

TEST(FakeApiServerCorpus, InvalidAnswersAreKubernetesStatusObjects) {
  FakeApiServer server;
  json bad = {{"apiVersion", "bulwark.io/v1alpha1"},
              {"kind", "ResiliencePolicy"},
              {"metadata", {{"name", "x"}}},
              {"spec", {{"target", {{"protocol", "redis"}, {"listenPort", 80}}}}}};
  auto answer =
      server.request("POST", "/apis/bulwark.io/v1alpha1/namespaces/default/resiliencepolicies", bad);
  ASSERT_EQ(answer.status, 422);
  EXPECT_EQ(answer.body["kind"], "Status");
  EXPECT_EQ(answer.body["status"], "Failure");
  EXPECT_EQ(answer.body["reason"], "Invalid");
  EXPECT_EQ(answer.body["code"], 422);
  EXPECT_EQ(answer.body["details"]["name"], "x");
  EXPECT_EQ(answer.body["details"]["group"], "bulwark.io");
  EXPECT_EQ(answer.body["details"]["kind"], "ResiliencePolicy");
  EXPECT_EQ(
      answer.body["message"],
      "ResiliencePolicy.bulwark.io \"x\" is invalid: [spec.target.upstream: Required value, "
      "spec.target.listenPort: Invalid value: 80: spec.target.listenPort in body should be greater than or "
      "equal to 1024, <nil>: Invalid value: \"null\": some validation rules were not checked because the "
      "object was invalid; correct the existing errors to complete validation]");
  EXPECT_EQ(answer.body["details"]["causes"][0], json({{"reason", "FieldValueRequired"},
                                                       {"message", "Required value"},
                                                       {"field", "spec.target.upstream"}}));
  auto version = server.request("GET", "/apis/bulwark.io/v1alpha1/namespaces/default/resiliencepolicies/x");
  EXPECT_EQ(version.status, 404);
  EXPECT_EQ(version.body["reason"], "NotFound");
  EXPECT_EQ(version.body["message"], "resiliencepolicies.bulwark.io \"x\" not found");
}

}  // namespace
}  // namespace bulwark::testing
