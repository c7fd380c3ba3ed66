#pragma once

#include <string>
#include <vector>

namespace bulwark::policy {

// One problem with one field, in the shape kubectl users know:
//   spec.rateLimit.burst: must be >= 1 (got 0)
struct FieldError {
  std::string path;     // spec.rateLimit.rules[2].name, metadata.labels[app.kubernetes.io/name]
  std::string message;  // what is wrong, phrased as the rule: "must be >= 1", "unknown field"
  std::string got;      // the offending value as JSON, empty when there is none to show

  std::string str() const;
  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

// Field paths as Kubernetes prints them: dots between fields, [i] for list items, [key] for map keys.
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string root) : path_(std::move(root)) {}

  FieldPath field(std::string_view name) const {
    return FieldPath(path_.empty() ? std::string(name) : path_ + "." + std::string(name));
  }
  FieldPath index(size_t i) const { return FieldPath(path_ + "[" + std::to_string(i) + "]"); }
  FieldPath key(std::string_view k) const { return FieldPath(path_ + "[" + std::string(k) + "]"); }
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

// True when `path` is `ancestor` or lies below it.
bool pathWithin(std::string_view path, std::string_view ancestor);

}  // namespace bulwark::policy
