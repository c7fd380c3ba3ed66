#include "core/policy/yaml_documents.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <regex>

#include "core/policy/field_error.h"

namespace bulwark::policy {
namespace {

using nlohmann::json;

const std::regex& intPattern() {
  static const std::regex re("[-+]?[0-9]+");
  return re;
}
const std::regex& hexPattern() {
  static const std::regex re("0x[0-9a-fA-F]+");
  return re;
}
const std::regex& floatPattern() {
  static const std::regex re("[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?");
  return re;
}

class Converter {
 public:
  explicit Converter(YamlDocument& doc) : doc_(doc) {}

  // The caller records where `path` starts: the key's line for a map entry (a block map's own mark
  // is its first inner key), the item's line in a sequence.
  bool convert(const YAML::Node& node, const FieldPath& path, json& out) {
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return true;
      case YAML::NodeType::Scalar:
        return scalar(node, path, out);
      case YAML::NodeType::Sequence: {
        out = json::array();
        size_t i = 0;
        for (const auto& item : node) {
          json v;
          FieldPath itemPath = path.index(i++);
          doc_.lines.emplace(itemPath.str(), item.Mark().line + 1);
          if (!convert(item, itemPath, v)) return false;
          out.push_back(std::move(v));
        }
        return true;
      }
      case YAML::NodeType::Map: {
        out = json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) return fail(kv.first, path.str() + ": map keys must be strings");
          const std::string& key = kv.first.Scalar();
          if (out.contains(key)) {
            return fail(kv.first, path.field(key).str() + ": duplicate key \"" + key + "\"");
          }
          json v;
          doc_.lines.emplace(path.field(key).str(), kv.first.Mark().line + 1);
          if (!convert(kv.second, path.field(key), v)) return false;
          out[key] = std::move(v);
        }
        return true;
      }
    }
    return fail(node, path.str() + ": unsupported YAML node");
  }

 private:
  bool fail(const YAML::Node& node, const std::string& message) {
    doc_.error = "line " + std::to_string(node.Mark().line + 1) + ": " + message;
    return false;
  }

  bool scalar(const YAML::Node& node, const FieldPath& path, json& out) {
    const std::string& s = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "!!str") {
      out = s;
      return true;
    }
    if (tag == "?" || tag.empty()) return resolvePlain(s, out);
    if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
        tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      if (!resolvePlain(s, out)) return false;
      return true;
    }
    return fail(node, path.str() + ": unsupported YAML tag " + tag);
  }

  // YAML 1.1 resolution as in the Go and Python readers Kubernetes tools use.
  static bool resolvePlain(const std::string& s, json& out) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
      out = nullptr;
      return true;
    }
    static const char* const kTrue[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
    static const char* const kFalse[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
    for (const char* t : kTrue) {
      if (s == t) {
        out = true;
        return true;
      }
    }
    for (const char* f : kFalse) {
      if (s == f) {
        out = false;
        return true;
      }
    }
    if (std::regex_match(s, intPattern())) {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (errno == 0 && end == s.c_str() + s.size()) {
        out = static_cast<int64_t>(v);
      } else {
        out = std::strtod(s.c_str(), nullptr);
      }
      return true;
    }
    if (std::regex_match(s, hexPattern())) {
      out = static_cast<int64_t>(std::strtoll(s.c_str(), nullptr, 16));
      return true;
    }
    if (std::regex_match(s, floatPattern())) {
      out = std::strtod(s.c_str(), nullptr);
      return true;
    }
    if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") {
      out = HUGE_VAL;
      return true;
    }
    if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
      out = -HUGE_VAL;
      return true;
    }
    if (s == ".nan" || s == ".NaN" || s == ".NAN") {
      out = std::nan("");
      return true;
    }
    out = s;
    return true;
  }

  YamlDocument& doc_;
};

}  // namespace

int YamlDocument::lineOf(const std::string& path) const {
  // Fall back to the nearest ancestor that appears in the file (a missing field has no line).
  std::string p = path;
  while (!p.empty()) {
    auto it = lines.find(p);
    if (it != lines.end()) return it->second;
    size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return 0;
}

std::vector<YamlDocument> readYamlDocuments(std::string_view text) {
  std::vector<YamlDocument> docs;
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    // yaml-cpp parses the whole stream before returning; report the error against the stream.
    YamlDocument doc;
    doc.index = 1;
    doc.error = "line " + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg;
    docs.push_back(std::move(doc));
    return docs;
  }
  int index = 0;
  for (const auto& node : nodes) {
    YamlDocument doc;
    doc.index = ++index;
    Converter conv(doc);
    try {
      if (!conv.convert(node, FieldPath(), doc.value)) doc.value = nullptr;
    } catch (const YAML::Exception& e) {
      doc.error = "line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
      doc.value = nullptr;
    }
    docs.push_back(std::move(doc));
  }
  return docs;
}

}  // namespace bulwark::policy
