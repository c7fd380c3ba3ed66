#include "tests/support/cel_rules.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>

#include "tests/support/source_tree.h"

namespace bulwark::testing {

using nlohmann::json;

void applyCrdDefaults(const json& schema, json& value) {
  if (value.is_object()) {
    if (schema.contains("properties")) {
      for (const auto& [name, sub] : schema.at("properties").items()) {
        if (!value.contains(name) && sub.contains("default")) value[name] = sub["default"];
        if (value.contains(name)) applyCrdDefaults(sub, value[name]);
      }
    } else if (schema.contains("additionalProperties") && schema.at("additionalProperties").is_object()) {
      for (auto& [k, v] : value.items())
        applyCrdDefaults(schema.at("additionalProperties"), v);
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (auto& item : value)
      applyCrdDefaults(schema.at("items"), item);
  }
}

namespace {

struct Job {
  size_t document;
  std::string path;
  std::string rule;
};

void collect(const json& schema, const json& value, const std::string& path, size_t doc,
             std::vector<Job>& jobs, json& selves) {
  if (schema.contains("x-kubernetes-validations")) {
    for (const auto& r : schema.at("x-kubernetes-validations")) {
      std::string fieldPath = r.contains("fieldPath") ? r.at("fieldPath").get<std::string>() : std::string();
      jobs.push_back({doc, path + fieldPath, r.at("rule").get<std::string>()});
      selves.push_back({{"rule", r.at("rule")}, {"self", value}});
    }
  }
  if (value.is_object()) {
    if (schema.contains("properties")) {
      for (const auto& [name, sub] : schema.at("properties").items()) {
        if (value.contains(name))
          collect(sub, value[name], path.empty() ? name : path + "." + name, doc, jobs, selves);
      }
    } else if (schema.contains("additionalProperties") && schema.at("additionalProperties").is_object()) {
      for (const auto& [k, v] : value.items())
        collect(schema.at("additionalProperties"), v, path + "[" + k + "]", doc, jobs, selves);
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      collect(schema.at("items"), value[i], path + "[" + std::to_string(i) + "]", doc, jobs, selves);
    }
  }
}

}  // namespace

std::vector<std::vector<CelFailure>> evaluateCelRules(const json& schema,
                                                      const std::vector<json>& documents) {
  std::vector<Job> jobs;
  json input = json::array();
  for (size_t d = 0; d < documents.size(); ++d) {
    json doc = documents[d];
    applyCrdDefaults(schema, doc);
    collect(schema, doc, "", d, jobs, input);
  }
  TempDir dir;
  writeFile(dir.file("jobs.json"), input.dump());
  std::string cmd =
      "node '" + sourcePath("tests/cel/evaluate-rules.mjs") + "' < '" + dir.file("jobs.json") + "' 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string output;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe))
    output.append(buf.data(), n);
  int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("cel evaluation failed: " + output);
  json results = json::parse(output);
  if (results.size() != jobs.size())
    throw std::runtime_error("cel evaluation returned the wrong count: " + output);

  std::vector<std::vector<CelFailure>> out(documents.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (results[i] == true) continue;
    out[jobs[i].document].push_back({jobs[i].path, jobs[i].rule, results[i].get<std::string>()});
  }
  return out;
}

}  // namespace bulwark::testing
