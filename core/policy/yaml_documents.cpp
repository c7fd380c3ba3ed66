#include "core/policy/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

#include "core/policy/field_error.h"

namespace bulwark::policy {
namespace {

// The offset of the first byte that is not well-formed UTF-8, or npos. YAML streams and Kubernetes
// objects are Unicode; a policy must not carry bytes that cannot be written back out as JSON.
size_t invalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

using nlohmann::json;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// [-+]?[0-9]+
bool isInteger(std::string_view s) {
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (!isDigit(s[i])) return false;
  }
  return true;
}

// 0x[0-9a-fA-F]+
bool isHex(std::string_view s) {
  if (s.size() < 3 || s[0] != '0' || s[1] != 'x') return false;
  for (size_t i = 2; i < s.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// [-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?
bool isFloat(std::string_view s) {
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  size_t digits = 0;
  while (i < s.size() && isDigit(s[i]))
    ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && isDigit(s[i]))
      ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exponent = 0;
    while (i < s.size() && isDigit(s[i]))
      ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

// YAML 1.1 scalar resolution as in the Go and Python readers Kubernetes tools use.
json resolvePlain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    if (s == t) return true;
  }
  for (const char* f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    if (s == f) return false;
  }
  if (isInteger(s)) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno == 0 && end == s.c_str() + s.size()) return static_cast<int64_t>(v);
    return std::strtod(s.c_str(), nullptr);  // beyond int64, as Go's and Python's readers make it a float
  }
  if (isHex(s)) return static_cast<int64_t>(std::strtoll(s.c_str(), nullptr, 16));
  if (isFloat(s)) return std::strtod(s.c_str(), nullptr);
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") return HUGE_VAL;
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -HUGE_VAL;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::nan("");
  return s;
}

// Builds one document's JSON straight from yaml-cpp's parser events, keeping the line of every field.
// (yaml-cpp 0.7's LoadAll can loop forever on some malformed input; the event API lets the reader bound
// the number of documents instead.)
class JsonBuilder final : public YAML::EventHandler {
 public:
  explicit JsonBuilder(YamlDocument& doc) : doc_(doc) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { add(mark, nullptr, anchor); }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    add(mark, it == anchors_.end() ? json(nullptr) : it->second, 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (failed()) return;
    if (!frames_.empty() && frames_.back().map && !frames_.back().key) {
      // A map key: remember it until its value arrives.
      Frame& f = frames_.back();
      if (f.value.contains(value)) {
        fail(mark, f.path.field(value).str() + ": duplicate key \"" + value + "\"");
        return;
      }
      f.key = value;
      f.keyLine = mark.line + 1;
      return;
    }
    if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "!!str") {
      add(mark, value, anchor);
    } else if (tag == "?" || tag.empty() || tag == "tag:yaml.org,2002:int" ||
               tag == "tag:yaml.org,2002:float" || tag == "tag:yaml.org,2002:bool" ||
               tag == "tag:yaml.org,2002:null") {
      add(mark, resolvePlain(value), anchor);
    } else {
      fail(mark, here().str() + ": unsupported YAML tag " + tag);
    }
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, json::array(), anchor, false);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, json::object(), anchor, true);
  }
  void OnMapEnd() override { close(); }

  bool failed() const { return !doc_.error.empty(); }
  bool complete() const { return done_; }

 private:
  struct Frame {
    json value;
    bool map = false;
    YAML::anchor_t anchor = 0;
    FieldPath path;
    std::optional<std::string> key;  // a map's key awaiting its value
    int keyLine = 0;
  };

  // The path (and line) of the node that arrives next.
  FieldPath here() const {
    if (frames_.empty()) return FieldPath();
    const Frame& f = frames_.back();
    return f.map ? f.path.field(f.key.value_or("")) : f.path.index(f.value.size());
  }

  bool placeable(const YAML::Mark& mark) {
    if (failed()) return false;
    if (!frames_.empty() && frames_.back().map && !frames_.back().key) {
      fail(mark, frames_.back().path.str() + ": map keys must be strings");
      return false;
    }
    return true;
  }

  void open(const YAML::Mark& mark, json value, YAML::anchor_t anchor, bool map) {
    if (!placeable(mark)) return;
    FieldPath path = here();
    record(path, mark);
    frames_.push_back({std::move(value), map, anchor, path, std::nullopt, 0});
  }

  void close() {
    if (failed() || frames_.empty()) return;
    Frame f = std::move(frames_.back());
    frames_.pop_back();
    place(std::move(f.value), f.anchor);
  }

  void add(const YAML::Mark& mark, json value, YAML::anchor_t anchor) {
    if (!placeable(mark)) return;
    record(here(), mark);
    place(std::move(value), anchor);
  }

  void record(const FieldPath& path, const YAML::Mark& mark) {
    if (path.str().empty()) return;
    // A map entry starts at its key (a block map's own mark is its first inner key).
    int line = !frames_.empty() && frames_.back().map ? frames_.back().keyLine : mark.line + 1;
    doc_.lines.emplace(path.str(), line);
  }

  void place(json value, YAML::anchor_t anchor) {
    if (anchor != 0) anchors_[anchor] = value;
    if (frames_.empty()) {
      doc_.value = std::move(value);
      done_ = true;
      return;
    }
    Frame& f = frames_.back();
    if (f.map) {
      f.value[*f.key] = std::move(value);
      f.key.reset();
    } else {
      f.value.push_back(std::move(value));
    }
  }

  void fail(const YAML::Mark& mark, const std::string& message) {
    if (failed()) return;
    doc_.error = "line " + std::to_string(mark.line + 1) + ": " + message;
  }

  YamlDocument& doc_;
  std::vector<Frame> frames_;
  std::map<YAML::anchor_t, json> anchors_;
  bool done_ = false;
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
  if (size_t bad = invalidUtf8(text); bad != std::string_view::npos) {
    YamlDocument doc;
    doc.index = 1;
    const auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n') + 1;
    doc.error = "line " + std::to_string(line) + ": not valid UTF-8 (byte " + std::to_string(bad) + ")";
    docs.push_back(std::move(doc));
    return docs;
  }
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  // Every document takes at least one byte of text: more than that means the parser is not advancing.
  const size_t maxDocuments = text.size() + 1;
  while (true) {
    YamlDocument doc;
    doc.index = static_cast<int>(docs.size()) + 1;
    JsonBuilder builder(doc);
    try {
      if (!parser.HandleNextDocument(builder)) break;
    } catch (const YAML::Exception& e) {
      // The stream cannot be read past a syntax error: report it and stop.
      doc.error = "line " + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg;
      doc.value = nullptr;
      docs.push_back(std::move(doc));
      break;
    }
    if (builder.failed()) doc.value = nullptr;
    if (docs.size() >= maxDocuments) {
      doc.error = "YAML syntax error: the parser does not advance (malformed document)";
      doc.value = nullptr;
      docs.push_back(std::move(doc));
      break;
    }
    docs.push_back(std::move(doc));
  }
  return docs;
}

}  // namespace bulwark::policy
