// The CRD is the one source of the API; the C++ model must agree with it field for field. This test walks
// the CRD's OpenAPI schema alongside two fixtures that set every field, breaks each constraint the schema
// declares (type, minimum/maximum, enum, pattern, length, item counts, required, unknown fields), and
// checks that both the C++ validator and the offline schema validator reject the result at that path. It
// also checks that every default the CRD declares is the one the C++ model applies.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <set>

#include "core/policy/duration.h"
#include "core/policy/policy_decoder.h"
#include "core/policy/policy_encoder.h"
#include "core/policy/policy_loader.h"
#include "core/policy/quantity.h"
#include "core/policy/yaml_documents.h"
#include "tests/support/manifest_validator.h"
#include "tests/support/source_tree.h"

namespace bulwark::policy {
namespace {

using nlohmann::json;

const char* kCrd = "crds/bulwark.io_resiliencepolicies.yaml";
const char* kFixtures[] = {"tests/data/conformance/full-redis.yaml", "tests/data/conformance/full-nats.yaml"};

json loadYaml(const std::string& relative) {
  auto docs = readYamlDocuments(testing::readFile(testing::sourcePath(relative)));
  if (docs.size() != 1 || !docs[0].error.empty()) throw std::runtime_error("cannot read " + relative);
  return docs[0].value;
}

json crdSchema() {
  return loadYaml(kCrd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

struct Mutation {
  std::string what;  // "spec.rateLimit.burst: below minimum"
  std::string path;  // where both validators must report
  json document;
};

// JSON pointer pieces of a field path, to edit the document at that place.
struct Location {
  std::string fieldPath;
  json::json_pointer pointer;
  Location child(const std::string& name) const {
    return {fieldPath.empty() ? name : fieldPath + "." + name, pointer / name};
  }
  Location item(size_t i) const { return {fieldPath + "[" + std::to_string(i) + "]", pointer / i}; }
  Location key(const std::string& k) const { return {fieldPath + "[" + k + "]", pointer / k}; }
};

class MutationBuilder {
 public:
  explicit MutationBuilder(json base) : base_(std::move(base)) {}
  std::vector<Mutation> mutations;

  void walk(const json& schema, const Location& at) {
    const json& value = base_.at(at.pointer);
    // The identity fields are not policy content, and the offline validator cannot name an object whose
    // name is not a string.
    bool identity = at.fieldPath.empty() || at.fieldPath == "apiVersion" || at.fieldPath == "kind" ||
                    at.fieldPath == "metadata.name";
    if (!identity) typeMismatch(schema, at);
    bool intOrString = schema.value("x-kubernetes-int-or-string", false);
    std::string type = schema.value("type", intOrString ? "int-or-string" : "");
    if (type == "integer" || type == "number") numberBounds(schema, at, value, type == "integer");
    if (type == "string" || (intOrString && value.is_string())) stringRules(schema, at);
    if (schema.contains("enum")) set(at, "not in enum", at.fieldPath, json("not-a-valid-choice"));
    if (type == "array") {
      arrayBounds(schema, at, value);
      for (size_t i = 0; i < value.size(); ++i)
        walk(schema["items"], at.item(i));
    }
    if (type == "object") objectRules(schema, at, value);
  }

 private:
  void set(const Location& at, const std::string& what, const std::string& expect, json replacement) {
    json doc = base_;
    doc[at.pointer] = std::move(replacement);
    mutations.push_back({at.fieldPath + ": " + what, expect, std::move(doc)});
  }

  void typeMismatch(const json& schema, const Location& at) {
    std::string type = schema.value("type", "");
    set(at, "wrong type", at.fieldPath, type == "object" ? json("not-an-object") : json::object({{"x", 1}}));
  }

  void numberBounds(const json& schema, const Location& at, const json& value, bool integer) {
    if (!value.is_number()) return;
    if (schema.contains("minimum")) {
      double min = schema["minimum"].get<double>();
      bool exclusive = schema.value("exclusiveMinimum", false);
      json below = exclusive ? json(min) : integer ? json(static_cast<int64_t>(min) - 1) : json(min - 0.5);
      set(at, "below minimum", at.fieldPath, below);
    }
    if (schema.contains("maximum")) {
      double max = schema["maximum"].get<double>();
      bool exclusive = schema.value("exclusiveMaximum", false);
      json above = exclusive ? json(max) : integer ? json(static_cast<int64_t>(max) + 1) : json(max + 0.5);
      set(at, "above maximum", at.fieldPath, above);
    }
  }

  void stringRules(const json& schema, const Location& at) {
    if (schema.contains("pattern")) set(at, "breaks pattern", at.fieldPath, json(" not valid "));
    if (schema.contains("maxLength")) {
      set(at, "too long", at.fieldPath, json(std::string(schema["maxLength"].get<size_t>() + 1, 'a')));
    }
    if (schema.value("minLength", 0) > 0) set(at, "too short", at.fieldPath, json(""));
  }

  void arrayBounds(const json& schema, const Location& at, const json& value) {
    if (value.empty()) return;
    if (schema.contains("maxItems")) {
      json longer = value;
      while (longer.size() <= schema["maxItems"].get<size_t>())
        longer.push_back(value.back());
      set(at, "too many items", at.fieldPath, longer);
    }
    if (schema.value("minItems", 0) > 0) set(at, "too few items", at.fieldPath, json::array());
  }

  void objectRules(const json& schema, const Location& at, const json& value) {
    if (schema.contains("additionalProperties")) {
      if (schema.contains("maxProperties")) {
        json bigger = value;
        for (size_t i = 0; bigger.size() <= schema["maxProperties"].get<size_t>(); ++i) {
          bigger["key" + std::to_string(i)] = "v";
        }
        set(at, "too many properties", at.fieldPath, bigger);
      }
      for (const auto& [k, v] : value.items())
        walk(schema["additionalProperties"], at.key(k));
      return;
    }
    {
      json doc = base_;
      doc[at.pointer]["bulwarkUnknownField"] = 1;
      mutations.push_back({at.child("bulwarkUnknownField").fieldPath + ": unknown field",
                           at.child("bulwarkUnknownField").fieldPath, std::move(doc)});
    }
    const json required = schema.value("required", json::array());
    for (const auto& name : required) {
      std::string n = name.get<std::string>();
      if (!value.contains(n) || at.fieldPath.empty()) continue;
      json doc = base_;
      doc[at.pointer].erase(n);
      mutations.push_back(
          {at.child(n).fieldPath + ": missing required", at.child(n).fieldPath, std::move(doc)});
    }
    const json properties = schema.value("properties", json::object());
    for (const auto& [name, sub] : properties.items()) {
      if (value.contains(name)) walk(sub, at.child(name));
    }
  }

  json base_;
};

std::vector<Mutation> allMutations() {
  std::vector<Mutation> out;
  json schema = crdSchema();
  for (const char* fixture : kFixtures) {
    MutationBuilder b(loadYaml(fixture));
    b.walk(schema, Location{"", json::json_pointer()});
    for (auto& m : b.mutations) {
      m.what = std::string(fixture) + ": " + m.what;
      out.push_back(std::move(m));
    }
  }
  return out;
}

// Every field of the schema is set in at least one fixture, so every constraint gets broken below.
TEST(CrdConformanceTest, FixturesAreValidAndCoverTheSchema) {
  std::set<std::string> present;  // field paths of the fixtures, list indexes written as []
  std::function<void(const json&, const std::string&)> collect = [&](const json& v, const std::string& path) {
    present.insert(path);
    if (v.is_object()) {
      for (const auto& [k, sub] : v.items())
        collect(sub, path.empty() ? k : path + "." + k);
    } else if (v.is_array()) {
      for (const auto& item : v)
        collect(item, path + "[]");
    }
  };
  for (const char* fixture : kFixtures) {
    collect(loadYaml(fixture), "");
    auto checked = checkPolicy(loadYaml(fixture));
    EXPECT_TRUE(checked.valid()) << fixture << ": "
                                 << (checked.errors.empty() ? "" : checked.errors.front().str());
  }
  std::vector<std::string> uncovered;
  std::function<void(const json&, const std::string&)> visit = [&](const json& schema,
                                                                   const std::string& path) {
    if (!present.count(path)) uncovered.push_back(path);
    const json properties = schema.value("properties", json::object());
    for (const auto& [name, sub] : properties.items())
      visit(sub, path.empty() ? name : path + "." + name);
    if (schema.contains("items")) visit(schema["items"], path + "[]");
  };
  visit(crdSchema(), "");
  EXPECT_THAT(uncovered, ::testing::IsEmpty()) << "the fixtures must set every field of the CRD";
}

TEST(CrdConformanceTest, BothValidatorsRejectEveryBrokenConstraint) {
  std::vector<Mutation> mutations = allMutations();
  ASSERT_GT(mutations.size(), 400u);
  RecordProperty("mutations", static_cast<int>(mutations.size()));

  testing::TempDir dir;
  std::string stream;
  for (const Mutation& m : mutations)
    stream += "---\n" + m.document.dump() + "\n";
  testing::writeFile(dir.file("mutations.yaml"), stream);
  auto report = testing::validateManifests({dir.file("mutations.yaml")}, testing::sourcePath(kCrd));
  ASSERT_NE(report.exitCode, 2) << report.output;

  for (size_t i = 0; i < mutations.size(); ++i) {
    const Mutation& m = mutations[i];
    auto checked = checkPolicy(m.document);
    std::vector<std::string> paths;
    for (const auto& e : checked.errors)
      paths.push_back(e.path);
    EXPECT_THAT(paths, ::testing::Contains(m.path)) << m.what;

    const auto& failures = report.failuresOf(dir.file("mutations.yaml"), static_cast<int>(i) + 1);
    bool schemaSaw = false;
    for (const auto& f : failures)
      schemaSaw |= testing::isFieldPathAncestor(f, m.path);
    EXPECT_TRUE(schemaSaw) << m.what << ": the offline validator reports "
                           << ::testing::PrintToString(failures);
  }
}

// Values equal as the API defines them: durations and quantities by what they mean, numbers by value.
bool sameValue(const json& crdDefault, const json& encoded) {
  if (crdDefault.is_string() && encoded.is_string()) {
    auto a = parseDuration(crdDefault.get<std::string>()), b = parseDuration(encoded.get<std::string>());
    if (a && b) return *a == *b;
    auto qa = parseByteQuantity(crdDefault.get<std::string>()),
         qb = parseByteQuantity(encoded.get<std::string>());
    if (qa && qb) return *qa == *qb;
  }
  if (crdDefault.is_number() && encoded.is_number()) return crdDefault.get<double>() == encoded.get<double>();
  if (crdDefault.is_object() && crdDefault.empty()) return encoded.is_object();
  return crdDefault == encoded;
}

TEST(CrdConformanceTest, CppDefaultsAreTheCrdDefaults) {
  size_t checkedDefaults = 0;
  std::function<void(const json&, const json&, const json::json_pointer&)> visit =
      [&](const json& schema, const json& base, const json::json_pointer& at) {
        const json properties = schema.value("properties", json::object());
        for (const auto& [name, sub] : properties.items()) {
          json::json_pointer child = at / name;
          if (sub.contains("default")) {
            json doc = base;
            if (doc.contains(child)) doc[at].erase(name);
            DecodeResult r = decodePolicy(doc);
            ASSERT_TRUE(r.errors.empty()) << child.to_string() << ": " << r.errors.front().str();
            json encoded = encodePolicy(r.policy);
            ASSERT_TRUE(encoded.contains(child)) << child.to_string() << " is not defaulted by the C++ model";
            EXPECT_TRUE(sameValue(sub["default"], encoded[child]))
                << child.to_string() << ": CRD default " << sub["default"] << ", C++ default "
                << encoded[child];
            ++checkedDefaults;
          }
          if (base.contains(child)) {
            if (sub.contains("items") && base[child].is_array() && !base[child].empty()) {
              visit(sub["items"], base, child / 0);
            } else {
              visit(sub, base, child);
            }
          }
        }
      };
  for (const char* fixture : kFixtures)
    visit(crdSchema(), loadYaml(fixture), json::json_pointer());
  EXPECT_GE(checkedDefaults, 35u);
  RecordProperty("defaults", static_cast<int>(checkedDefaults));
}

TEST(CrdConformanceTest, EncodedPoliciesPassTheSchema) {
  testing::TempDir dir;
  std::vector<std::string> files;
  for (const char* fixture : kFixtures) {
    auto checked = checkPolicy(loadYaml(fixture));
    std::string file = dir.file(std::filesystem::path(fixture).filename().string());
    testing::writeFile(file, encodePolicy(checked.policy).dump(2));
    files.push_back(file);
  }
  auto report = testing::validateManifests(files, testing::sourcePath(kCrd));
  EXPECT_EQ(report.exitCode, 0) << report.output;
}

// docs/policy-reference.md names every field of the CRD, written as `spec.a.b` (list items without []).
TEST(CrdConformanceTest, PolicyReferenceNamesEveryField) {
  std::string doc = testing::readFile(testing::sourcePath("docs/policy-reference.md"));
  std::vector<std::string> missing;
  std::function<void(const json&, const std::string&)> visit = [&](const json& schema,
                                                                   const std::string& path) {
    const json properties = schema.value("properties", json::object());
    for (const auto& [name, sub] : properties.items()) {
      std::string p = path.empty() ? name : path + "." + name;
      if (p != "apiVersion" && p != "kind" && p != "metadata" && p != "metadata.name" &&
          doc.find("`" + p + "`") == std::string::npos) {
        missing.push_back(p);
      }
      visit(sub.contains("items") ? sub["items"] : sub, p);
    }
  };
  visit(crdSchema(), "");
  EXPECT_THAT(missing, ::testing::IsEmpty()) << "fields of the CRD missing from docs/policy-reference.md";
}

TEST(CrdConformanceTest, ChartCarriesTheSameCrd) {
  EXPECT_EQ(testing::readFile(testing::sourcePath(kCrd)),
            testing::readFile(testing::sourcePath("charts/bulwark/crds/bulwark.io_resiliencepolicies.yaml")));
}

}  // namespace
}  // namespace bulwark::policy
