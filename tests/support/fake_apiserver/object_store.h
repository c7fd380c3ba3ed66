#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::fakeapi {

// One change, as a watch replays it.
struct StoredEvent {
  uint64_t resourceVersion = 0;
  std::string type;         // ADDED, MODIFIED, DELETED
  std::string resourceId;   // ResourceType::id()
  nlohmann::json object;    // the object after the change (for DELETED: its last state, new resourceVersion)
  nlohmann::json previous;  // the object before the change (null for ADDED)
};

// Every object of every resource under one global resourceVersion, like etcd's revision: each write
// takes the next number, is stored in metadata.resourceVersion and kept in a bounded history that
// watches resume from. Resuming from a version older than the history is what the real server answers
// with 410 Gone (the "too old resource version" of a compacted etcd).
//
// One mutex guards everything; callers hold lock() across a read-modify-write so writes are atomic.
class ObjectStore {
 public:
  explicit ObjectStore(size_t historyLimit) : historyLimit_(historyLimit) {}

  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }

  // The calls below need lock() held.
  const nlohmann::json* find(const std::string& resourceId, const std::string& key) const;
  // Objects of a resource in key order ("namespace/name"); `ns` empty means every namespace.
  std::vector<const nlohmann::json*> list(const std::string& resourceId, const std::string& ns) const;
  // Stores `object` under the next resourceVersion (written into it) and records the event.
  const nlohmann::json& put(const std::string& resourceId, const std::string& key, nlohmann::json object);
  // Removes the object; the DELETED event carries its last state under the next resourceVersion.
  nlohmann::json remove(const std::string& resourceId, const std::string& key);

  uint64_t resourceVersion() const { return resourceVersion_; }
  // Watches may resume from any resourceVersion >= this; older ones are gone.
  uint64_t oldestResumable() const { return compactedThrough_; }
  // Events after `rv` (in order), for one resource.
  std::vector<StoredEvent> eventsAfter(const std::string& resourceId, uint64_t rv) const;
  // Forgets all history: every watch resumed from before now gets 410 Gone.
  void compact();

  // Waits (lock held) until a write, a fault request or stop, at most `timeout`.
  void waitForChange(std::unique_lock<std::mutex>& held, std::chrono::milliseconds timeout);

  // Fault injection for tests of watch recovery: each request bumps a counter open watches act on.
  void requestWatchCut();
  void requestWatchGarbage();
  uint64_t cutRequests() const { return cutRequests_; }
  uint64_t garbageRequests() const { return garbageRequests_; }

  void stop();
  bool stopping() const { return stopping_; }

 private:
  void record(StoredEvent event);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::map<std::string, nlohmann::json>> objects_;
  std::deque<StoredEvent> history_;
  size_t historyLimit_;
  uint64_t resourceVersion_ = 1;
  uint64_t compactedThrough_ = 1;
  uint64_t cutRequests_ = 0;
  uint64_t garbageRequests_ = 0;
  bool stopping_ = false;
};

}  // namespace bulwark::fakeapi
