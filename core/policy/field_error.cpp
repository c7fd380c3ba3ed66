#include "core/policy/field_error.h"

namespace bulwark::policy {

std::string FieldError::str() const {
  std::string out = path.empty() ? message : path + ": " + message;
  if (!got.empty()) out += " (got " + got + ")";
  return out;
}

bool pathWithin(std::string_view path, std::string_view ancestor) {
  if (path.substr(0, ancestor.size()) != ancestor) return false;
  if (path.size() == ancestor.size()) return true;
  char next = path[ancestor.size()];
  return next == '.' || next == '[';
}

}  // namespace bulwark::policy
