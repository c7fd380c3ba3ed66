#include "tests/support/fake_apiserver/selectors.h"

#include <cctype>

namespace bulwark::fakeapi {

using nlohmann::json;

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
    --e;
  return s.substr(b, e - b);
}

// Splits at commas outside parentheses.
std::vector<std::string> splitTerms(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  out.push_back(trim(current));
  return out;
}

bool validKey(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/'))
      return false;
  return true;
}

std::string labelValue(const json& labels, const std::string& key, bool& present) {
  present = labels.is_object() && labels.contains(key) && labels[key].is_string();
  return present ? labels[key].get<std::string>() : std::string();
}

}  // namespace

std::optional<LabelSelector> LabelSelector::parse(const std::string& text) {
  LabelSelector sel;
  if (trim(text).empty()) return sel;
  for (const std::string& term : splitTerms(text)) {
    Requirement r;
    if (term.empty()) return std::nullopt;
    if (term[0] == '!') {
      r.key = trim(term.substr(1));
      r.op = Op::DoesNotExist;
    } else if (auto paren = term.find('('); paren != std::string::npos) {
      if (term.back() != ')') return std::nullopt;
      std::string head = trim(term.substr(0, paren));
      auto space = head.find_last_of(" \t");
      if (space == std::string::npos) return std::nullopt;
      std::string op = trim(head.substr(space + 1));
      r.key = trim(head.substr(0, space));
      if (op == "in") {
        r.op = Op::In;
      } else if (op == "notin") {
        r.op = Op::NotIn;
      } else {
        return std::nullopt;
      }
      std::string inner = term.substr(paren + 1, term.size() - paren - 2);
      for (auto& v : splitTerms(inner))
        r.values.push_back(v);
    } else if (auto ne = term.find("!="); ne != std::string::npos) {
      r.key = trim(term.substr(0, ne));
      r.op = Op::NotEquals;
      r.values = {trim(term.substr(ne + 2))};
    } else if (auto eq = term.find('='); eq != std::string::npos) {
      r.key = trim(term.substr(0, eq));
      r.op = Op::Equals;
      size_t valueStart = eq + 1 < term.size() && term[eq + 1] == '=' ? eq + 2 : eq + 1;
      r.values = {trim(term.substr(valueStart))};
    } else {
      r.key = term;
      r.op = Op::Exists;
    }
    if (!validKey(r.key)) return std::nullopt;
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

bool LabelSelector::matches(const json& labels) const {
  for (const auto& r : requirements_) {
    bool present = false;
    std::string value = labelValue(labels, r.key, present);
    bool inValues = present && std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    switch (r.op) {
      case Op::Equals:
      case Op::In:
        if (!inValues) return false;
        break;
      case Op::NotEquals:
      case Op::NotIn:
        if (inValues) return false;
        break;
      case Op::Exists:
        if (!present) return false;
        break;
      case Op::DoesNotExist:
        if (present) return false;
        break;
    }
  }
  return true;
}

std::optional<FieldSelector> FieldSelector::parse(const std::string& text) {
  FieldSelector sel;
  if (trim(text).empty()) return sel;
  for (const std::string& term : splitTerms(text)) {
    Requirement r;
    if (auto ne = term.find("!="); ne != std::string::npos) {
      r.path = trim(term.substr(0, ne));
      r.equals = false;
      r.value = trim(term.substr(ne + 2));
    } else if (auto eq = term.find('='); eq != std::string::npos) {
      r.path = trim(term.substr(0, eq));
      r.equals = true;
      r.value = trim(term.substr(eq + 1 < term.size() && term[eq + 1] == '=' ? eq + 2 : eq + 1));
    } else {
      return std::nullopt;
    }
    if (r.path.empty()) return std::nullopt;
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

bool FieldSelector::matches(const json& object) const {
  for (const auto& r : requirements_) {
    const json* node = &object;
    size_t start = 0;
    while (node != nullptr && start <= r.path.size()) {
      size_t dot = r.path.find('.', start);
      std::string part = r.path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      node = node->is_object() && node->contains(part) ? &(*node)[part] : nullptr;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    std::string value;
    if (node != nullptr) value = node->is_string() ? node->get<std::string>() : node->dump();
    if ((value == r.value) != r.equals) return false;
  }
  return true;
}

}  // namespace bulwark::fakeapi
