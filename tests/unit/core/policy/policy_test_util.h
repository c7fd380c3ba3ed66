#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/policy/field_error.h"
#include "core/policy/yaml_documents.h"

namespace bulwark::policy::test {

// The single document of a YAML text, as JSON; fails the test when the text does not hold exactly one.
inline nlohmann::json yamlJson(const std::string& text) {
  auto docs = readYamlDocuments(text);
  if (docs.size() != 1 || !docs[0].error.empty()) {
    ADD_FAILURE() << "expected one readable YAML document: " << (docs.empty() ? "none" : docs[0].error);
    return nullptr;
  }
  return docs[0].value;
}

inline std::vector<std::string> errorStrings(const FieldErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors)
    out.push_back(e.str());
  return out;
}

inline std::vector<std::string> errorPaths(const FieldErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors)
    out.push_back(e.path);
  return out;
}

inline const char* kMinimalRedis = R"(apiVersion: bulwark.io/v1alpha1
kind: ResiliencePolicy
metadata: {name: orders-cache, namespace: shop}
spec:
  target:
    protocol: redis
    upstream: {host: redis-master.shop.svc, port: 6379}
    listenPort: 16379
)";

}  // namespace bulwark::policy::test
