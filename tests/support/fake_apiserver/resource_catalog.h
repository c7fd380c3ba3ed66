#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::fakeapi {

// One resource the fake serves, built in or from a CustomResourceDefinition.
struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, the URL segment
  std::string singular;
  std::string kind;
  bool namespaced = true;
  bool statusSubresource = false;
  bool custom = false;  // from a CRD: schema validation, no unconditional update, merge patch only
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  nlohmann::json schema;          // the CRD version's openAPIV3Schema (custom resources only)
  nlohmann::json printerColumns;  // the CRD version's additionalPrinterColumns (custom resources only)

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "resiliencepolicies.bulwark.io", "pods": how error messages name the resource.
  std::string groupResource() const { return group.empty() ? resource : resource + "." + group; }
  // "ResiliencePolicy.bulwark.io": how Invalid errors name the kind.
  std::string groupKind() const { return group.empty() ? kind : kind + "." + group; }
  std::string id() const { return group + "/" + resource; }
};

// The resources of the fake and its discovery documents
// (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api, the unaggregated form).
class ResourceCatalog {
 public:
  ResourceCatalog();  // the built-in resources the operator and kubectl need

  // Adds every served version of every CustomResourceDefinition in the *.yaml files of `dir`. Throws
  // std::runtime_error naming the file when one cannot be read.
  void addCrdDirectory(const std::string& dir);

  const ResourceType* find(const std::string& group, const std::string& version,
                           const std::string& resource) const;
  const std::vector<ResourceType>& all() const { return types_; }

  nlohmann::json coreVersions(const std::string& serverAddress) const;  // GET /api
  nlohmann::json groupList() const;                                     // GET /apis
  nlohmann::json group(const std::string& name) const;                  // GET /apis/G (null if unknown)
  // GET /api/v1 or /apis/G/V (null if unknown).
  nlohmann::json resourceList(const std::string& group, const std::string& version) const;
  std::vector<std::string> groupVersions() const;  // "v1", "bulwark.io/v1alpha1", ... in discovery order

 private:
  void addCrd(const nlohmann::json& crd);
  std::vector<ResourceType> types_;
};

}  // namespace bulwark::fakeapi
