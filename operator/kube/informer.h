#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "operator/kube/kube_client.h"
#include "operator/kube/object_cache.h"

namespace bulwark::kube {

// Called on the informer's thread after the cache holds the change.
struct InformerHandlers {
  std::function<void(const nlohmann::json& object)> onAdd;
  std::function<void(const nlohmann::json& before, const nlohmann::json& after)> onUpdate;
  std::function<void(const nlohmann::json& lastState)> onDelete;
};

// client-go's reflector and indexer for one resource: list, then watch from the list's resourceVersion
// with bookmarks; when a watch ends or breaks, watch again from the last resourceVersion seen (an event's
// or a bookmark's), so no change is missed or seen twice; when that version is too old (410 Gone), list
// again and turn the difference to the cache into add, update and delete calls. Failures back off
// exponentially with jitter. Handlers see every object version at most once, in order.
class Informer {
 public:
  struct Options {
    ResourceRef resource;
    std::string ns;  // empty: every namespace
    std::string labelSelector;
    int64_t pageSize = 500;
    // Each watch asks the server to end it after this times a random factor in [1, 2), as client-go does
    // (5 to 10 minutes), so watches are renewed regularly and never outlive a server's own limit.
    std::chrono::seconds watchTimeout{300};
    std::chrono::milliseconds initialBackoff{800};
    std::chrono::milliseconds maxBackoff{30000};
    std::function<double()> random;  // uniform in [0, 1): jitter and watch lengths
  };
  struct Stats {
    uint64_t lists = 0;     // full lists (the first one and every relist)
    uint64_t watches = 0;   // watch requests
    uint64_t relists = 0;   // lists forced by 410 Gone
    uint64_t failures = 0;  // failed lists and watches that broke (cut, garbage, errors)
  };

  Informer(std::shared_ptr<KubeClient> client, Options options, InformerHandlers handlers);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void start();
  void stop();  // ends the watch and waits for the thread
  bool hasSynced() const { return synced_; }
  bool waitForSync(std::chrono::milliseconds timeout);
  const ObjectCache& cache() const { return cache_; }
  std::string resourceVersion() const;
  Stats stats() const;

 private:
  void run();
  bool listAndReplace();
  void apply(const WatchEvent& event);
  void pause(std::chrono::milliseconds d);

  std::shared_ptr<KubeClient> client_;
  Options options_;
  InformerHandlers handlers_;
  ObjectCache cache_;
  WatchCanceller canceller_;
  std::thread thread_;
  mutable std::mutex mutex_;  // guards resourceVersion_, stats_, stopping_ transitions
  std::condition_variable wake_;
  std::string resourceVersion_;
  Stats stats_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> synced_{false};
};

}  // namespace bulwark::kube
