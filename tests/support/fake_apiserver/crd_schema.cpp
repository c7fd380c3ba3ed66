#include "tests/support/fake_apiserver/crd_schema.h"

#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "core/policy/policy_loader.h"

namespace bulwark::fakeapi {

using nlohmann::json;

namespace {

const std::set<std::string>& objectMetaFields() {
  static const std::set<std::string> fields = {"name",
                                               "generateName",
                                               "namespace",
                                               "selfLink",
                                               "uid",
                                               "resourceVersion",
                                               "generation",
                                               "creationTimestamp",
                                               "deletionTimestamp",
                                               "deletionGracePeriodSeconds",
                                               "labels",
                                               "annotations",
                                               "ownerReferences",
                                               "finalizers",
                                               "managedFields"};
  return fields;
}

std::string child(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

bool preservesUnknown(const json& schema) {
  return schema.value("x-kubernetes-preserve-unknown-fields", false);
}

void prune(const json& schema, json& value, const std::string& path, std::vector<std::string>& unknown) {
  if (value.is_object()) {
    if (schema.contains("properties")) {
      const json& props = schema["properties"];
      for (auto it = value.begin(); it != value.end();) {
        if (props.contains(it.key())) {
          prune(props[it.key()], it.value(), child(path, it.key()), unknown);
          ++it;
        } else if (preservesUnknown(schema)) {
          ++it;
        } else {
          unknown.push_back(child(path, it.key()));
          it = value.erase(it);
        }
      }
    } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      for (auto& [k, v] : value.items())
        prune(schema["additionalProperties"], v, path + "[" + k + "]", unknown);
    } else if (!preservesUnknown(schema) && schema.value("type", "") == "object") {
      for (const auto& [k, v] : value.items())
        unknown.push_back(child(path, k));
      value = json::object();
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i)
      prune(schema["items"], value[i], path + "[" + std::to_string(i) + "]", unknown);
  }
}

// Go's %v of a float64, which the server's messages use for bounds and bad values:
// strconv.FormatFloat(f, 'g', -1, 64), the shortest digits, in exponent form when the exponent is below -4
// or at least 6 (so 1000000000 prints as 1e+09).
std::string goFloat(double v) {
  if (v == 0) return "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // d.ddde[+-]XX
  auto e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits.push_back(c);
  int nd = static_cast<int>(digits.size());
  const int eprec = 6;
  std::string out;
  if (exp < -4 || exp >= eprec) {
    out = digits.substr(0, 1);
    if (nd > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += ebuf;
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (nd <= exp + 1) {
    out = digits + std::string(static_cast<size_t>(exp + 1 - nd), '0');
  } else {
    out = digits.substr(0, static_cast<size_t>(exp + 1)) + "." + digits.substr(static_cast<size_t>(exp + 1));
  }
  return negative ? "-" + out : out;
}

std::string bound(const json& n) {
  return goFloat(n.get<double>());
}

// How Go prints a field error's bad value: numbers and booleans plain, strings quoted.
std::string badValue(const json& v) {
  if (v.is_string()) return json(v.get<std::string>()).dump();
  if (v.is_number_float()) return goFloat(v.get<double>());
  if (v.is_number() || v.is_boolean()) return v.dump();
  if (v.is_null()) return "\"null\"";
  return v.dump();
}

std::string typeName(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::null:
      return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    default:
      return "number";
  }
}

bool isInteger(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && d == std::floor(d);
}

bool matchesType(const std::string& type, const json& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer") return isInteger(v);
  if (type == "number") return v.is_number();
  return true;
}

size_t runeCount(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool isDateTime(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$)");
  return std::regex_match(s, re);
}

const std::regex& cachedRegex(const std::string& pattern) {
  static std::map<std::string, std::regex> cache;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  auto it = cache.find(pattern);
  if (it == cache.end()) it = cache.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
  return it->second;
}

class Validator {
 public:
  std::vector<FieldCause> causes;

  void add(const std::string& reason, const std::string& path, const std::string& message) {
    causes.push_back({reason, message, path});
  }
  void invalid(const std::string& path, const json& v, const std::string& detail) {
    add("FieldValueInvalid", path, "Invalid value: " + badValue(v) + ": " + detail);
  }

  void validate(const json& schema, const json& v, const std::string& path) {
    bool intOrString = schema.value("x-kubernetes-int-or-string", false);
    if (v.is_null()) {
      if (schema.value("nullable", false)) return;
      if (schema.contains("type") || intOrString) {
        add("FieldValueTypeInvalid", path,
            "Invalid value: \"null\": " + path + " in body must be of type " +
                (intOrString ? std::string("integer,string") : schema.value("type", "")) + ": \"null\"");
      }
      return;
    }
    if (intOrString) {
      if (!isInteger(v) && !v.is_string()) {
        add("FieldValueTypeInvalid", path,
            "Invalid value: " + badValue(v) + ": " + path + " in body must be of type integer,string: \"" +
                typeName(v) + "\"");
        return;
      }
    } else if (schema.contains("type") && !matchesType(schema["type"].get<std::string>(), v)) {
      add("FieldValueTypeInvalid", path,
          "Invalid value: " + badValue(v) + ": " + path + " in body must be of type " +
              schema["type"].get<std::string>() + ": \"" + typeName(v) + "\"");
      return;
    }
    if (schema.contains("enum")) {
      bool found = false;
      std::string supported;
      for (const auto& e : schema["enum"]) {
        found = found || e == v;
        supported += (supported.empty() ? "" : ", ") + (e.is_string() ? json(e).dump() : badValue(e));
      }
      if (!found) {
        add("FieldValueNotSupported", path,
            "Unsupported value: " + badValue(v) + ": supported values: " + supported);
      }
    }
    if (v.is_number()) checkNumber(schema, v, path);
    if (v.is_string()) checkString(schema, v.get<std::string>(), path);
    if (v.is_array()) checkArray(schema, v, path);
    if (v.is_object()) checkObject(schema, v, path);
  }

 private:
  void checkNumber(const json& schema, const json& v, const std::string& path) {
    double d = v.get<double>();
    if (schema.contains("minimum")) {
      double min = schema["minimum"].get<double>();
      bool exclusive = schema.value("exclusiveMinimum", false);
      if (exclusive ? d <= min : d < min) {
        invalid(path, v,
                path + " in body should be greater than " + (exclusive ? "" : "or equal to ") +
                    bound(schema["minimum"]));
      }
    }
    if (schema.contains("maximum")) {
      double max = schema["maximum"].get<double>();
      bool exclusive = schema.value("exclusiveMaximum", false);
      if (exclusive ? d >= max : d > max) {
        invalid(path, v,
                path + " in body should be less than " + (exclusive ? "" : "or equal to ") +
                    bound(schema["maximum"]));
      }
    }
  }

  void checkString(const json& schema, const std::string& s, const std::string& path) {
    if (schema.contains("maxLength") && runeCount(s) > schema["maxLength"].get<size_t>()) {
      add("FieldValueTooLong", path,
          "Too long: may not be longer than " + std::to_string(schema["maxLength"].get<size_t>()));
    }
    if (schema.contains("minLength") && runeCount(s) < schema["minLength"].get<size_t>()) {
      invalid(path, s,
              path + " in body should be at least " + std::to_string(schema["minLength"].get<size_t>()) +
                  " chars long");
    }
    if (schema.contains("pattern")) {
      std::string pattern = schema["pattern"].get<std::string>();
      if (!std::regex_search(s, cachedRegex(pattern))) {
        invalid(path, s, path + " in body should match '" + pattern + "'");
      }
    }
    if (schema.value("format", "") == "date-time" && !isDateTime(s)) {
      invalid(path, s, path + " in body must be of type date-time: " + json(s).dump());
    }
  }

  void checkArray(const json& schema, const json& v, const std::string& path) {
    if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>()) {
      add("FieldValueTooMany", path,
          "Too many: " + std::to_string(v.size()) + ": must have at most " +
              std::to_string(schema["maxItems"].get<size_t>()) + " items");
    }
    if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>()) {
      invalid(path, v.size(),
              path + " in body should have at least " + std::to_string(schema["minItems"].get<size_t>()) +
                  " items");
    }
    if (schema.contains("items")) {
      for (size_t i = 0; i < v.size(); ++i)
        validate(schema["items"], v[i], path + "[" + std::to_string(i) + "]");
    }
    std::string listType = schema.value("x-kubernetes-list-type", "");
    if (listType == "set") {
      for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (v[i] == v[j]) {
            add("FieldValueDuplicate", path + "[" + std::to_string(i) + "]",
                "Duplicate value: " + badValue(v[i]));
            break;
          }
    } else if (listType == "map" && schema.contains("x-kubernetes-list-map-keys")) {
      std::set<std::string> seen;
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_object()) continue;
        json key = json::object();
        for (const auto& k : schema["x-kubernetes-list-map-keys"]) {
          std::string name = k.get<std::string>();
          if (v[i].contains(name)) key[name] = v[i][name];
        }
        if (!seen.insert(key.dump()).second) {
          add("FieldValueDuplicate", path + "[" + std::to_string(i) + "]", "Duplicate value: " + key.dump());
        }
      }
    }
  }

  void checkObject(const json& schema, const json& v, const std::string& path) {
    if (schema.contains("maxProperties") && v.size() > schema["maxProperties"].get<size_t>()) {
      add("FieldValueTooMany", path,
          "Too many: " + std::to_string(v.size()) + ": must have at most " +
              std::to_string(schema["maxProperties"].get<size_t>()) + " items");
    }
    if (schema.contains("minProperties") && v.size() < schema["minProperties"].get<size_t>()) {
      invalid(path, v.size(),
              path + " in body should have at least " +
                  std::to_string(schema["minProperties"].get<size_t>()) + " properties");
    }
    if (schema.contains("required")) {
      for (const auto& r : schema["required"]) {
        std::string name = r.get<std::string>();
        if (!v.contains(name)) add("FieldValueRequired", child(path, name), "Required value");
      }
    }
    if (schema.contains("properties")) {
      for (const auto& [name, sub] : schema["properties"].items()) {
        if (v.contains(name)) validate(sub, v[name], child(path, name));
      }
    } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      for (const auto& [k, item] : v.items())
        validate(schema["additionalProperties"], item, path + "[" + k + "]");
    }
  }
};

struct CelSite {
  std::string path;
  std::string message;
  std::string type;  // the schema type of the value the rule sits on, as CEL errors print it
  // A rule over a whole list without a fieldPath (uniqueness): the C++ validator names the offending
  // item, the server the list.
  bool listWide = false;
};

bool within(const std::string& path, const std::string& ancestor) {
  return path.size() > ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
         (path[ancestor.size()] == '.' || path[ancestor.size()] == '[');
}

void collectCelSites(const json& schema, const json& value, const std::string& path,
                     std::vector<CelSite>& out) {
  if (schema.contains("x-kubernetes-validations")) {
    for (const auto& rule : schema["x-kubernetes-validations"]) {
      out.push_back({path + rule.value("fieldPath", ""),
                     rule.value("message", "failed rule: " + rule.value("rule", "")),
                     schema.value("type", "object"), value.is_array() && !rule.contains("fieldPath")});
    }
  }
  if (value.is_object()) {
    if (schema.contains("properties")) {
      for (const auto& [name, sub] : schema["properties"].items())
        if (value.contains(name)) collectCelSites(sub, value[name], child(path, name), out);
    } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      for (const auto& [k, v] : value.items())
        collectCelSites(schema["additionalProperties"], v, path + "[" + k + "]", out);
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i)
      collectCelSites(schema["items"], value[i], path + "[" + std::to_string(i) + "]", out);
  }
}

}  // namespace

std::vector<std::string> pruneUnknownFields(const json& schema, json& object) {
  std::vector<std::string> unknown;
  if (!object.is_object()) return unknown;
  for (auto it = object.begin(); it != object.end();) {
    const std::string& key = it.key();
    if (key == "apiVersion" || key == "kind") {
      ++it;
    } else if (key == "metadata") {
      if (it.value().is_object()) {
        for (auto m = it.value().begin(); m != it.value().end();) {
          if (objectMetaFields().count(m.key())) {
            ++m;
          } else {
            unknown.push_back("metadata." + m.key());
            m = it.value().erase(m);
          }
        }
      }
      ++it;
    } else if (schema.contains("properties") && schema["properties"].contains(key)) {
      prune(schema["properties"][key], it.value(), key, unknown);
      ++it;
    } else if (preservesUnknown(schema)) {
      ++it;
    } else {
      unknown.push_back(key);
      it = object.erase(it);
    }
  }
  return unknown;
}

void applySchemaDefaults(const json& schema, json& value) {
  if (value.is_object()) {
    if (schema.contains("properties")) {
      for (const auto& [name, sub] : schema["properties"].items()) {
        bool absent = !value.contains(name) || (value[name].is_null() && !sub.value("nullable", false));
        if (absent && sub.contains("default")) value[name] = sub["default"];
        if (value.contains(name)) applySchemaDefaults(sub, value[name]);
      }
    } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      for (auto& [k, v] : value.items())
        applySchemaDefaults(schema["additionalProperties"], v);
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (auto& item : value)
      applySchemaDefaults(schema["items"], item);
  }
}

std::vector<FieldCause> validateSchema(const json& schema, const json& object) {
  Validator v;
  json body = object;
  // metadata is ObjectMeta, validated by the server's own rules; the schema may only narrow name.
  if (body.contains("metadata")) {
    json meta = body["metadata"];
    body.erase("metadata");
    if (schema.contains("properties") && schema["properties"].contains("metadata") && meta.contains("name")) {
      const json& metaSchema = schema["properties"]["metadata"];
      if (metaSchema.contains("properties") && metaSchema["properties"].contains("name"))
        v.validate(metaSchema["properties"]["name"], meta["name"], "metadata.name");
    }
  }
  json rootSchema = schema;
  if (rootSchema.contains("properties")) rootSchema["properties"].erase("metadata");
  v.validate(rootSchema, body, "");
  return v.causes;
}

std::vector<FieldCause> approximateCelRules(const json& schema, const json& object) {
  std::vector<FieldCause> out;
  if (object.value("kind", "") != "ResiliencePolicy") return out;
  std::vector<CelSite> sites;
  collectCelSites(schema, object, "", sites);
  if (sites.empty()) return out;
  policy::CheckedPolicy checked = policy::checkPolicy(object);
  std::set<std::string> reported;
  for (const auto& error : checked.errors) {
    const CelSite* match = nullptr;
    for (const auto& site : sites) {
      if (site.path != error.path && !(site.listWide && within(error.path, site.path))) continue;
      if (match == nullptr || site.message == error.message) match = &site;
    }
    if (match == nullptr || !reported.insert(match->path + "\n" + match->message).second) continue;
    out.push_back(
        {"FieldValueInvalid", "Invalid value: \"" + match->type + "\": " + match->message, match->path});
  }
  return out;
}

}  // namespace bulwark::fakeapi
