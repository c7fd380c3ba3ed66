#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::testing {

// Sets every default the schema declares on `value`, as the API server does before it validates.
void applyCrdDefaults(const nlohmann::json& schema, nlohmann::json& value);

struct CelFailure {
  std::string path;  // where the API server reports it: the value's path plus the rule's fieldPath
  std::string rule;
  std::string reason;  // "rule returned false" or the evaluator's error
};

// Evaluates every x-kubernetes-validations rule of the CRD schema on each document (defaults applied),
// with cel-js (tests/cel, installed by scripts/setup). One list of failures per document.
std::vector<std::vector<CelFailure>> evaluateCelRules(const nlohmann::json& schema,
                                                      const std::vector<nlohmann::json>& documents);

}  // namespace bulwark::testing
