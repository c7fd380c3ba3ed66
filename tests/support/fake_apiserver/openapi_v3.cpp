#include "tests/support/fake_apiserver/openapi_v3.h"

#include <functional>

namespace bulwark::fakeapi {

using nlohmann::json;

namespace {

const char* kObjectMetaRef = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

std::string docPath(const ResourceType& t) {
  return t.group.empty() ? "api/" + t.version : "apis/" + t.group + "/" + t.version;
}

// io.bulwark.v1alpha1.ResiliencePolicy, io.k8s.api.core.v1.Pod: the definition names the server uses.
std::string definitionName(const ResourceType& t) {
  if (!t.custom) {
    std::string g = t.group.empty() ? "core" : t.group.substr(0, t.group.find('.'));
    return "io.k8s.api." + g + "." + t.version + "." + t.kind;
  }
  std::string reversed;
  std::string g = t.group;
  while (!g.empty()) {
    auto dot = g.rfind('.');
    reversed += (reversed.empty() ? "" : ".") + g.substr(dot == std::string::npos ? 0 : dot + 1);
    g = dot == std::string::npos ? "" : g.substr(0, dot);
  }
  return reversed + "." + t.version + "." + t.kind;
}

json gvk(const ResourceType& t) {
  return {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
}

json objectMetaSchema() {
  auto str = [](const char* d) { return json{{"type", "string"}, {"description", d}}; };
  json stringMap = {{"type", "object"}, {"additionalProperties", {{"type", "string"}, {"default", ""}}}};
  return {
      {"type", "object"},
      {"description",
       "ObjectMeta is metadata that all persisted resources must have, which includes all objects users "
       "must create."},
      {"properties",
       {{"name", str("Name must be unique within a namespace.")},
        {"generateName", str("GenerateName is an optional prefix, used by the server, to generate a unique "
                             "name ONLY IF the Name field has not been provided.")},
        {"namespace", str("Namespace defines the space within which each name must be unique.")},
        {"uid", str("UID is the unique in time and space value for this object.")},
        {"resourceVersion", str("An opaque value that represents the internal version of this object.")},
        {"generation",
         {{"type", "integer"},
          {"format", "int64"},
          {"description",
           "A sequence number representing a specific generation of the "
           "desired state."}}},
        {"creationTimestamp", str("CreationTimestamp is a timestamp representing the server time when this "
                                  "object was created.")},
        {"deletionTimestamp", str("DeletionTimestamp is RFC 3339 date and time at which this resource will "
                                  "be deleted.")},
        {"labels", stringMap},
        {"annotations", stringMap},
        {"finalizers", {{"type", "array"}, {"items", {{"type", "string"}, {"default", ""}}}}}}}};
}

json kindSchema(const ResourceType& t) {
  json schema;
  if (t.custom) {
    schema = t.schema;
    schema["properties"]["metadata"] = {{"allOf", {{{"$ref", kObjectMetaRef}}}},
                                        {"description", "Standard object's metadata."}};
  } else {
    schema = {
        {"type", "object"},
        {"description", t.kind + " (the fake API server does not publish the fields of built-in kinds)."},
        {"properties",
         {{"apiVersion", {{"type", "string"}}},
          {"kind", {{"type", "string"}}},
          {"metadata", {{"allOf", {{{"$ref", kObjectMetaRef}}}}, {"default", json::object()}}}}}};
  }
  schema["x-kubernetes-group-version-kind"] = json::array({gvk(t)});
  return schema;
}

json operation(const ResourceType& t, const std::string& action, bool withFieldValidation) {
  json params = json::array();
  if (withFieldValidation) {
    params.push_back({{"name", "fieldValidation"},
                      {"in", "query"},
                      {"description", "Ignore, Warn (the default) or Strict handling of unknown fields."},
                      {"schema", {{"type", "string"}, {"uniqueItems", true}}}});
    params.push_back({{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    params.push_back({{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}});
  }
  json ref = {{"$ref", "#/components/schemas/" + definitionName(t)}};
  return {{"operationId", action + t.kind},
          {"parameters", params},
          {"responses",
           {{"200", {{"description", "OK"}, {"content", {{"application/json", {{"schema", ref}}}}}}}}},
          {"x-kubernetes-action", action},
          {"x-kubernetes-group-version-kind", gvk(t)}};
}

}  // namespace

json openApiIndex(const ResourceCatalog& catalog) {
  json paths = json::object();
  for (const auto& t : catalog.all()) {
    std::string path = docPath(t);
    if (paths.contains(path)) continue;
    std::string hash = std::to_string(std::hash<std::string>{}(openApiDocument(catalog, path).dump()));
    paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + hash}};
  }
  return {{"paths", paths}};
}

json openApiDocument(const ResourceCatalog& catalog, const std::string& groupVersion) {
  json paths = json::object();
  json schemas = {{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", objectMetaSchema()}};
  for (const auto& t : catalog.all()) {
    if (docPath(t) != groupVersion) continue;
    std::string base = "/" + groupVersion + (t.namespaced ? "/namespaces/{namespace}/" : "/") + t.resource;
    paths[base] = {{"get", operation(t, "list", false)}, {"post", operation(t, "post", true)}};
    paths[base + "/{name}"] = {{"get", operation(t, "get", false)},
                               {"put", operation(t, "put", true)},
                               {"patch", operation(t, "patch", true)},
                               {"delete", operation(t, "delete", false)}};
    schemas[definitionName(t)] = kindSchema(t);
  }
  if (paths.empty()) return nullptr;
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", paths},
          {"components", {{"schemas", schemas}}}};
}

}  // namespace bulwark::fakeapi
