#include "tests/support/manifest_validator.h"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

#include "tests/support/source_tree.h"

namespace bulwark::testing {

const std::vector<std::string>& ManifestReport::failuresOf(const std::string& file, int doc) const {
  static const std::vector<std::string> kNone;
  auto it = failures.find(file + "#" + std::to_string(doc));
  if (it != failures.end()) return it->second;
  it = failures.find(file + "#0");
  return it == failures.end() ? kNone : it->second;
}

ManifestReport validateManifests(const std::vector<std::string>& files, const std::string& crd) {
  ManifestReport report;
  std::string cmd =
      "/usr/bin/python3 '" + sharedPath("k8s/validate-manifests.py") + "' -q --crd '" + crd + "'";
  for (const std::string& f : files)
    cmd += " '" + f + "'";
  cmd += " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe))
    report.output.append(buf.data(), n);
  int status = pclose(pipe);
  report.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

  // FAIL <file>#<doc> <Kind> <ns>/<name>: <path>: <message>   or   FAIL <file>: YAML error: ...
  size_t pos = 0;
  while (pos < report.output.size()) {
    size_t end = report.output.find('\n', pos);
    if (end == std::string::npos) end = report.output.size();
    std::string line = report.output.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("FAIL ", 0) != 0) continue;
    std::string rest = line.substr(5);
    size_t colon = rest.find(": ");
    std::string label = rest.substr(0, std::min(colon, rest.find(' ')));
    size_t hash = label.rfind('#');
    if (hash == std::string::npos) {  // "FAIL <file>: YAML error: ..."
      report.failures[label + "#0"].push_back("(document)");
      continue;
    }
    std::string source = label.substr(0, hash + 1) + std::to_string(std::atoi(label.c_str() + hash + 1));
    std::string err = colon == std::string::npos ? "" : rest.substr(colon + 2);
    // "<path>: <message>" from the schema, "<path> <value>: <message>" from the semantic checks.
    std::string path = err.substr(0, err.find_first_of(" :"));
    if (path == "(root)" || err.rfind("no schema for ", 0) == 0) {
      path = "(root)";  // the whole object is refused
    } else if (path.empty() || path.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.[]/-") !=
                                   std::string::npos) {
      path = "(document)";  // not a field path: a message about the whole object
    }
    report.failures[source].push_back(path);
  }
  return report;
}

std::string normalizeFieldPath(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      std::string inner = path.substr(i + 1, close - i - 1);
      bool numeric = !inner.empty() && inner.find_first_not_of("0123456789") == std::string::npos;
      out += numeric ? "[" + inner + "]" : "." + inner;
      i = close;
    } else {
      out += path[i];
    }
  }
  return out;
}

bool isFieldPathAncestor(const std::string& ancestor, const std::string& path) {
  std::string a = normalizeFieldPath(ancestor), p = normalizeFieldPath(path);
  if (a == "(root)") return true;
  if (p.compare(0, a.size(), a) != 0) return false;
  return p.size() == a.size() || p[a.size()] == '.' || p[a.size()] == '[';
}

}  // namespace bulwark::testing
