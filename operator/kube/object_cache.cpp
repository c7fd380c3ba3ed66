#include "operator/kube/object_cache.h"

namespace bulwark::kube {

using nlohmann::json;

namespace {

const json& labelsOf(const json& object) {
  static const json none = json::object();
  if (!object.contains("metadata") || !object["metadata"].contains("labels")) return none;
  const json& labels = object["metadata"]["labels"];
  return labels.is_object() ? labels : none;
}

}  // namespace

std::string ObjectCache::keyOf(const json& object) {
  const json& meta = object.contains("metadata") ? object["metadata"] : json::object();
  return meta.value("namespace", "") + "/" + meta.value("name", "");
}

std::optional<json> ObjectCache::get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = objects_.find(ns + "/" + name);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<json> ObjectCache::list(const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  for (const auto& [key, object] : objects_)
    if (ns.empty() || key.compare(0, ns.size() + 1, ns + "/") == 0) out.push_back(object);
  return out;
}

std::vector<json> ObjectCache::withLabel(const std::string& key, const std::string& value) const {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  auto it = byLabel_.find(key + "=" + value);
  if (it == byLabel_.end()) return out;
  for (const auto& k : it->second)
    out.push_back(objects_.at(k));
  return out;
}

size_t ObjectCache::size() const {
  std::lock_guard lock(mutex_);
  return objects_.size();
}

std::vector<std::string> ObjectCache::keys() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [key, object] : objects_)
    out.push_back(key);
  return out;
}

std::optional<json> ObjectCache::upsert(const json& object) {
  std::lock_guard lock(mutex_);
  std::string key = keyOf(object);
  std::optional<json> previous;
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    previous = it->second;
    unindex(key, it->second);
  }
  objects_[key] = object;
  index(key, object);
  return previous;
}

std::optional<json> ObjectCache::erase(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  json previous = std::move(it->second);
  unindex(key, previous);
  objects_.erase(it);
  return previous;
}

void ObjectCache::index(const std::string& key, const json& object) {
  for (const auto& [k, v] : labelsOf(object).items())
    if (v.is_string()) byLabel_[k + "=" + v.get<std::string>()].insert(key);
}

void ObjectCache::unindex(const std::string& key, const json& object) {
  for (const auto& [k, v] : labelsOf(object).items()) {
    if (!v.is_string()) continue;
    auto it = byLabel_.find(k + "=" + v.get<std::string>());
    if (it == byLabel_.end()) continue;
    it->second.erase(key);
    if (it->second.empty()) byLabel_.erase(it);
  }
}

}  // namespace bulwark::kube
