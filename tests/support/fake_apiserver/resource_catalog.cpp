#include "tests/support/fake_apiserver/resource_catalog.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "core/policy/yaml_documents.h"
#include "tests/support/source_tree.h"

namespace bulwark::fakeapi {

using nlohmann::json;

namespace {

ResourceType builtin(std::string group, std::string version, std::string resource, std::string singular,
                     std::string kind, bool namespaced, bool status, std::vector<std::string> shortNames,
                     std::vector<std::string> categories = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.resource = std::move(resource);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.statusSubresource = status;
  t.shortNames = std::move(shortNames);
  t.categories = std::move(categories);
  return t;
}

json preferred(const std::string& group, const std::string& version) {
  return {{"groupVersion", group + "/" + version}, {"version", version}};
}

}  // namespace

ResourceCatalog::ResourceCatalog() {
  types_.push_back(builtin("", "v1", "namespaces", "namespace", "Namespace", false, true, {"ns"}));
  types_.push_back(builtin("", "v1", "nodes", "node", "Node", false, true, {"no"}));
  types_.push_back(builtin("", "v1", "pods", "pod", "Pod", true, true, {"po"}, {"all"}));
  types_.push_back(builtin("", "v1", "services", "service", "Service", true, true, {"svc"}, {"all"}));
  types_.push_back(builtin("", "v1", "events", "event", "Event", true, false, {"ev"}));
  types_.push_back(builtin("", "v1", "secrets", "secret", "Secret", true, false, {}));
  types_.push_back(builtin("", "v1", "configmaps", "configmap", "ConfigMap", true, false, {"cm"}));
  types_.push_back(builtin("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, false, {}));
}

void ResourceCatalog::addCrdDirectory(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    for (const auto& doc : policy::readYamlDocuments(testing::readFile(file.string()))) {
      if (!doc.error.empty()) throw std::runtime_error(file.string() + ": " + doc.error);
      if (doc.value.is_object() && doc.value.value("kind", "") == "CustomResourceDefinition")
        addCrd(doc.value);
    }
  }
}

void ResourceCatalog::addCrd(const json& crd) {
  const json& spec = crd.at("spec");
  const json& names = spec.at("names");
  for (const auto& v : spec.at("versions")) {
    if (!v.value("served", false)) continue;
    ResourceType t;
    t.group = spec.at("group").get<std::string>();
    t.version = v.at("name").get<std::string>();
    t.resource = names.at("plural").get<std::string>();
    t.singular = names.value("singular", "");
    t.kind = names.at("kind").get<std::string>();
    t.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    t.statusSubresource = v.contains("subresources") && v["subresources"].contains("status");
    t.custom = true;
    t.shortNames = names.value("shortNames", std::vector<std::string>{});
    t.categories = names.value("categories", std::vector<std::string>{});
    t.schema = v.contains("schema") ? v["schema"].value("openAPIV3Schema", json::object()) : json::object();
    t.printerColumns = v.value("additionalPrinterColumns", json::array());
    types_.push_back(std::move(t));
  }
}

const ResourceType* ResourceCatalog::find(const std::string& group, const std::string& version,
                                          const std::string& resource) const {
  for (const auto& t : types_)
    if (t.group == group && t.version == version && t.resource == resource) return &t;
  return nullptr;
}

std::vector<std::string> ResourceCatalog::groupVersions() const {
  std::vector<std::string> out;
  for (const auto& t : types_)
    if (std::find(out.begin(), out.end(), t.apiVersion()) == out.end()) out.push_back(t.apiVersion());
  return out;
}

json ResourceCatalog::coreVersions(const std::string& serverAddress) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", serverAddress}}}}};
}

json ResourceCatalog::group(const std::string& name) const {
  json versions = json::array();
  for (const auto& t : types_) {
    if (t.group != name || name.empty()) continue;
    json gv = preferred(t.group, t.version);
    if (std::find(versions.begin(), versions.end(), gv) == versions.end()) versions.push_back(gv);
  }
  if (versions.empty()) return nullptr;
  return {{"kind", "APIGroup"},
          {"apiVersion", "v1"},
          {"name", name},
          {"versions", versions},
          {"preferredVersion", versions[0]}};
}

json ResourceCatalog::groupList() const {
  json groups = json::array();
  std::vector<std::string> seen;
  for (const auto& t : types_) {
    if (t.group.empty() || std::find(seen.begin(), seen.end(), t.group) != seen.end()) continue;
    seen.push_back(t.group);
    json g = group(t.group);
    g.erase("kind");
    g.erase("apiVersion");
    groups.push_back(g);
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json ResourceCatalog::resourceList(const std::string& group, const std::string& version) const {
  json resources = json::array();
  for (const auto& t : types_) {
    if (t.group != group || t.version != version) continue;
    json r = {{"name", t.resource},
              {"singularName", t.singular},
              {"namespaced", t.namespaced},
              {"kind", t.kind},
              {"verbs", {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}};
    if (!t.shortNames.empty()) r["shortNames"] = t.shortNames;
    if (!t.categories.empty()) r["categories"] = t.categories;
    resources.push_back(r);
    if (t.statusSubresource) {
      resources.push_back({{"name", t.resource + "/status"},
                           {"singularName", ""},
                           {"namespaced", t.namespaced},
                           {"kind", t.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (resources.empty()) return nullptr;
  json list = {{"kind", "APIResourceList"},
               {"groupVersion", group.empty() ? version : group + "/" + version},
               {"resources", resources}};
  if (!group.empty()) list["apiVersion"] = "v1";
  return list;
}

}  // namespace bulwark::fakeapi
