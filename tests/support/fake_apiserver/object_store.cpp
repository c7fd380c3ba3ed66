#include "tests/support/fake_apiserver/object_store.h"

namespace bulwark::fakeapi {

using nlohmann::json;

const json* ObjectStore::find(const std::string& resourceId, const std::string& key) const {
  auto r = objects_.find(resourceId);
  if (r == objects_.end()) return nullptr;
  auto it = r->second.find(key);
  return it == r->second.end() ? nullptr : &it->second;
}

std::vector<const json*> ObjectStore::list(const std::string& resourceId, const std::string& ns) const {
  std::vector<const json*> out;
  auto r = objects_.find(resourceId);
  if (r == objects_.end()) return out;
  std::string prefix = ns.empty() ? std::string() : ns + "/";
  for (auto it = r->second.lower_bound(prefix); it != r->second.end(); ++it) {
    if (!prefix.empty() && it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(&it->second);
  }
  return out;
}

const json& ObjectStore::put(const std::string& resourceId, const std::string& key, json object) {
  auto& slot = objects_[resourceId];
  auto existing = slot.find(key);
  StoredEvent event;
  event.type = existing == slot.end() ? "ADDED" : "MODIFIED";
  if (existing != slot.end()) event.previous = existing->second;
  event.resourceVersion = ++resourceVersion_;
  object["metadata"]["resourceVersion"] = std::to_string(event.resourceVersion);
  event.resourceId = resourceId;
  event.object = object;
  json& stored = slot[key] = std::move(object);
  record(std::move(event));
  return stored;
}

json ObjectStore::remove(const std::string& resourceId, const std::string& key) {
  auto& slot = objects_[resourceId];
  auto it = slot.find(key);
  if (it == slot.end()) return nullptr;
  json last = std::move(it->second);
  slot.erase(it);
  StoredEvent event;
  event.type = "DELETED";
  event.previous = last;
  event.resourceVersion = ++resourceVersion_;
  last["metadata"]["resourceVersion"] = std::to_string(event.resourceVersion);
  event.resourceId = resourceId;
  event.object = last;
  record(std::move(event));
  return last;
}

std::vector<StoredEvent> ObjectStore::eventsAfter(const std::string& resourceId, uint64_t rv) const {
  std::vector<StoredEvent> out;
  for (auto it = history_.rbegin(); it != history_.rend() && it->resourceVersion > rv; ++it) {
    if (it->resourceId == resourceId) out.push_back(*it);
  }
  return {out.rbegin(), out.rend()};
}

void ObjectStore::record(StoredEvent event) {
  history_.push_back(std::move(event));
  while (history_.size() > historyLimit_) {
    compactedThrough_ = history_.front().resourceVersion;
    history_.pop_front();
  }
  changed_.notify_all();
}

void ObjectStore::compact() {
  history_.clear();
  compactedThrough_ = resourceVersion_;
  changed_.notify_all();
}

void ObjectStore::waitForChange(std::unique_lock<std::mutex>& held, std::chrono::milliseconds timeout) {
  changed_.wait_for(held, timeout);
}

void ObjectStore::requestWatchCut() {
  ++cutRequests_;
  changed_.notify_all();
}

void ObjectStore::requestWatchGarbage() {
  ++garbageRequests_;
  changed_.notify_all();
}

void ObjectStore::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
}

}  // namespace bulwark::fakeapi
