#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace bulwark::policy {

// One YAML document turned into the JSON value Kubernetes would see, with the line of every field so
// errors can point into the file.
struct YamlDocument {
  int index = 0;                     // 1-based position in the file, as validate-manifests.py counts
  nlohmann::json value;              // null for an empty document
  std::map<std::string, int> lines;  // field path (spec.rateLimit.burst) -> 1-based line
  std::string error;                 // non-empty when the document could not be read

  int lineOf(const std::string& path) const;
};

// Splits multi-document YAML and converts each document. Scalars resolve as kubectl's YAML reader does
// (YAML 1.1 booleans yes/no/on/off, ints, floats, null); quoted scalars stay strings; duplicate keys are
// errors, as they are for kubectl. Never throws. A syntax error ends the stream: the documents before
// it are returned, then one carrying the error.
std::vector<YamlDocument> readYamlDocuments(std::string_view text);

}  // namespace bulwark::policy
