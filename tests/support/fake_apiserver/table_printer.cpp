#include "tests/support/fake_apiserver/table_printer.h"

#include "core/policy/timestamp.h"

namespace bulwark::fakeapi {

using nlohmann::json;

namespace {

const char* kNameDescription =
    "Name must be unique within a namespace. Is required when creating resources, although some resources "
    "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
    "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const char* kAgeDescription =
    "CreationTimestamp is a timestamp representing the server time when this object was created.";

// The value at a simple JSONPath such as .spec.target.protocol (the only form CRD columns use here).
const json* lookup(const json& object, const std::string& path) {
  const json* node = &object;
  size_t pos = path.empty() || path[0] != '.' ? 0 : 1;
  while (pos <= path.size() && node != nullptr) {
    size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (part.empty()) break;
    node = node->is_object() && node->contains(part) ? &(*node)[part] : nullptr;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return node;
}

json age(const json& timestamp, std::chrono::system_clock::time_point now) {
  if (!timestamp.is_string()) return "<unknown>";
  auto parsed = policy::parseTimestamp(timestamp.get<std::string>());
  if (!parsed) return "<invalid>";
  return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *parsed));
}

json cell(const json& column, const json& object, std::chrono::system_clock::time_point now) {
  const json* v = lookup(object, column.value("jsonPath", ""));
  if (v == nullptr || v->is_null()) return nullptr;
  std::string type = column.value("type", "string");
  if (type == "integer" && v->is_number()) return static_cast<int64_t>(v->get<double>());
  if (type == "number" && v->is_number()) return v->get<double>();
  if (type == "boolean" && v->is_boolean()) return *v;
  if (type == "date") return age(*v, now);
  if (type == "string") return v->is_string() ? *v : json(v->dump());
  return nullptr;
}

json column(const std::string& name, const std::string& type, const std::string& format,
            const std::string& description, int priority) {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", priority}};
}

}  // namespace

std::string humanDuration(std::chrono::seconds d) {
  long long seconds = d.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  long long minutes = seconds / 60;
  if (minutes < 10) {
    long long s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  long long hours = minutes / 60;
  if (hours < 8) {
    long long m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    long long h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d"
                  : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    long long days = (hours / 24) % 365;
    return days == 0 ? std::to_string(hours / 24 / 365) + "y"
                     : std::to_string(hours / 24 / 365) + "y" + std::to_string(days) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

json renderTable(const ResourceType& type, const std::vector<json>& objects, const std::string& includeObject,
                 const json& listMetadata, std::chrono::system_clock::time_point now) {
  json columns = json::array({column("Name", "string", "name", kNameDescription, 0)});
  json printer = type.printerColumns;
  if (!type.custom) {
    printer = json::array();
    if (type.kind == "Namespace" || type.kind == "Pod") {
      printer.push_back({{"name", "Status"}, {"type", "string"}, {"jsonPath", ".status.phase"}});
    }
    printer.push_back({{"name", "Age"}, {"type", "date"}, {"jsonPath", ".metadata.creationTimestamp"}});
  } else if (printer.empty()) {
    printer.push_back({{"name", "Age"}, {"type", "date"}, {"jsonPath", ".metadata.creationTimestamp"}});
  }
  for (const auto& c : printer) {
    std::string description = c.value("description", c.value("name", "") == "Age" ? kAgeDescription : "");
    columns.push_back(column(c.value("name", ""), c.value("type", "string"), c.value("format", ""),
                             description, c.value("priority", 0)));
  }
  json rows = json::array();
  for (const auto& object : objects) {
    json cells = json::array({object["metadata"].value("name", "")});
    for (const auto& c : printer)
      cells.push_back(cell(c, object, now));
    json row = {{"cells", cells}};
    if (includeObject == "Object") {
      row["object"] = object;
    } else if (includeObject != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", object.value("metadata", json::object())}};
    }
    rows.push_back(row);
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", listMetadata},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

}  // namespace bulwark::fakeapi
