#pragma once

#include <map>
#include <string>
#include <vector>

namespace bulwark::testing {

// What ../shared/k8s/validate-manifests.py said about each document.
struct ManifestReport {
  int exitCode = -1;
  std::string output;
  // "file#doc" -> field paths of its FAIL lines; a document absent here passed. A file that could not be
  // parsed at all is reported as "file#0" with the path "(document)", as is a failure of a whole object.
  std::map<std::string, std::vector<std::string>> failures;

  const std::vector<std::string>& failuresOf(const std::string& file, int doc) const;
};

// Runs the offline validator (with /usr/bin/python3: it needs Debian's python3-jsonschema) once over
// multi-document files, checking custom resources against `crd`.
ManifestReport validateManifests(const std::vector<std::string>& files, const std::string& crd);

// The offline validator writes map keys as ".key" where Kubernetes writes "[key]"; both become ".key".
std::string normalizeFieldPath(const std::string& path);

// True when `ancestor` is `path` or a path above it, after normalization.
bool isFieldPathAncestor(const std::string& ancestor, const std::string& path);

}  // namespace bulwark::testing
