#include "core/policy/policy_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/policy/policy_decoder.h"
#include "core/policy/policy_validator.h"
#include "core/policy/yaml_documents.h"

namespace bulwark::policy {

CheckedPolicy checkPolicy(const nlohmann::json& object, std::optional<Timestamp> now) {
  DecodeResult decoded = decodePolicy(object);
  ValidationOptions options;
  options.now = now;
  options.skip = std::move(decoded.unreadable);
  FieldErrors semantic = validatePolicy(decoded.policy, options);
  CheckedPolicy out{std::move(decoded.policy), std::move(decoded.errors)};
  out.errors.insert(out.errors.end(), semantic.begin(), semantic.end());
  return out;
}

std::vector<std::string> PolicyDocument::describeErrors() const {
  std::vector<std::string> out;
  if (!readError.empty()) out.push_back(file + ": " + readError);
  for (size_t i = 0; i < checked.errors.size(); ++i) {
    int line = i < lines.size() ? lines[i] : 0;
    std::string where = line > 0 ? file + ":" + std::to_string(line) : source();
    out.push_back(where + ": " + checked.errors[i].str());
  }
  return out;
}

std::vector<PolicyDocument> loadPolicyText(std::string_view text, const std::string& file,
                                           const LoadOptions& options) {
  std::vector<PolicyDocument> out;
  for (YamlDocument& yaml : readYamlDocuments(text)) {
    if (yaml.error.empty() && yaml.value.is_null()) continue;  // empty document between separators
    PolicyDocument doc;
    doc.file = file;
    doc.document = yaml.index;
    if (!yaml.error.empty()) {
      doc.readError = yaml.error;
    } else {
      doc.checked = checkPolicy(yaml.value, options.now);
      for (const FieldError& e : doc.checked.errors)
        doc.lines.push_back(yaml.lineOf(e.path));
    }
    out.push_back(std::move(doc));
  }
  return out;
}

std::vector<PolicyDocument> loadPolicyFile(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PolicyDocument doc;
    doc.file = path;
    doc.document = 1;
    doc.readError = "cannot read file";
    return {doc};
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return loadPolicyText(buffer.str(), path, options);
}

std::vector<PolicyDocument> loadPolicyDirectory(const std::string& dir, const LoadOptions& options) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::string ext = p.extension().string();
    bool hidden = !p.filename().empty() && p.filename().string()[0] == '.';
    if (!hidden && (ext == ".yaml" || ext == ".yml" || ext == ".json") && it->is_regular_file(ec)) {
      files.push_back(p.string());
    }
  }
  if (ec) {
    PolicyDocument doc;
    doc.file = dir;
    doc.document = 1;
    doc.readError = "cannot read directory: " + ec.message();
    return {doc};
  }
  std::sort(files.begin(), files.end());

  std::vector<PolicyDocument> out;
  for (const std::string& f : files) {
    for (PolicyDocument& d : loadPolicyFile(f, options))
      out.push_back(std::move(d));
  }

  std::map<std::string, std::string> names, ports;  // key -> source of the holder
  for (PolicyDocument& d : out) {
    if (!d.valid()) continue;
    const ResiliencePolicy& p = d.checked.policy;
    if (auto [it, fresh] = names.emplace(p.key(), d.source()); !fresh) {
      d.checked.errors.push_back(
          {"metadata.name", "policy " + p.key() + " is already defined in " + it->second, ""});
      d.lines.push_back(0);
      continue;
    }
    std::string port = std::to_string(p.spec.target.listenPort);
    if (auto [it, fresh] = ports.emplace(port, p.key() + " (" + d.source() + ")"); !fresh) {
      d.checked.errors.push_back({"spec.target.listenPort", "port is already taken by " + it->second, port});
      d.lines.push_back(0);
    }
  }
  return out;
}

}  // namespace bulwark::policy
