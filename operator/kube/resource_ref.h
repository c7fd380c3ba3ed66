#pragma once

#include <string>

namespace bulwark::kube {

// A group-version-resource and its scope: enough to build every URL of the API for it.
struct ResourceRef {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // /api/v1/namespaces/NS/pods, /apis/G/V/RESOURCE (ns empty: every namespace, or cluster-scoped).
  std::string collectionPath(const std::string& ns) const {
    std::string base = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
    if (namespaced && !ns.empty()) base += "/namespaces/" + ns;
    return base + "/" + resource;
  }
  std::string objectPath(const std::string& ns, const std::string& name) const {
    return collectionPath(ns) + "/" + name;
  }
};

inline const ResourceRef kResiliencePolicies{"bulwark.io", "v1alpha1", "resiliencepolicies", true};
inline const ResourceRef kPods{"", "v1", "pods", true};
inline const ResourceRef kServices{"", "v1", "services", true};
inline const ResourceRef kEvents{"", "v1", "events", true};
inline const ResourceRef kSecrets{"", "v1", "secrets", true};
inline const ResourceRef kNamespaces{"", "v1", "namespaces", false};
inline const ResourceRef kNodes{"", "v1", "nodes", false};
inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", true};

}  // namespace bulwark::kube
