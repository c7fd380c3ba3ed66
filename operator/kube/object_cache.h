#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bulwark::kube {

// The informer's local copy of one resource, indexed by namespace/name and by label, which handlers and
// reconcilers read instead of the API server. Thread-safe; readers get copies.
class ObjectCache {
 public:
  static std::string keyOf(const nlohmann::json& object);  // "namespace/name" ("/name" cluster-scoped)

  std::optional<nlohmann::json> get(const std::string& ns, const std::string& name) const;
  std::vector<nlohmann::json> list(const std::string& ns = "") const;  // ns empty: all, in key order
  std::vector<nlohmann::json> withLabel(const std::string& key, const std::string& value) const;
  size_t size() const;

  // Writes (the informer's): the previous object, if any.
  std::optional<nlohmann::json> upsert(const nlohmann::json& object);
  std::optional<nlohmann::json> erase(const std::string& key);
  std::vector<std::string> keys() const;

 private:
  void unindex(const std::string& key, const nlohmann::json& object);
  void index(const std::string& key, const nlohmann::json& object);

  mutable std::mutex mutex_;
  std::map<std::string, nlohmann::json> objects_;
  std::map<std::string, std::set<std::string>> byLabel_;  // "key=value" -> object keys
};

}  // namespace bulwark::kube
