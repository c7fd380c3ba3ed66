#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bulwark::fakeapi {

// A label selector in the query-string syntax
// (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors):
// key=value, key==value, key!=value, key in (a,b), key notin (a,b), key, !key; comma means and.
class LabelSelector {
 public:
  // nullopt when the text does not parse.
  static std::optional<LabelSelector> parse(const std::string& text);
  bool matches(const nlohmann::json& labels) const;  // labels: an object or null

 private:
  enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

// A field selector (https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/):
// path=value, path==value, path!=value, comma means and. Paths are dotted JSON paths into the object
// (metadata.name, involvedObject.uid); the real server allows only a few per kind, this one any.
class FieldSelector {
 public:
  static std::optional<FieldSelector> parse(const std::string& text);
  bool matches(const nlohmann::json& object) const;

 private:
  struct Requirement {
    std::string path;
    bool equals;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace bulwark::fakeapi
