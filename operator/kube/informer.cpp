#include "operator/kube/informer.h"

#include <spdlog/spdlog.h>

#include <set>

#include "operator/kube/backoff.h"

namespace bulwark::kube {

using nlohmann::json;

namespace {

std::string versionOf(const json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) return "";
  return object["metadata"].value("resourceVersion", "");
}

}  // namespace

Informer::Informer(std::shared_ptr<KubeClient> client, Options options, InformerHandlers handlers)
    : client_(std::move(client)), options_(std::move(options)), handlers_(std::move(handlers)) {
  if (!options_.random) options_.random = Backoff::defaultRandom();
}

Informer::~Informer() {
  stop();
}

void Informer::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    canceller_.cancel();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return wake_.wait_for(lock, timeout, [this] { return synced_.load() || stopping_.load(); }) && synced_;
}

std::string Informer::resourceVersion() const {
  std::lock_guard lock(mutex_);
  return resourceVersion_;
}

Informer::Stats Informer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Informer::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [this] { return stopping_.load(); });
}

bool Informer::listAndReplace() {
  auto listed =
      client_->listAll(options_.resource, options_.ns, {options_.labelSelector, "", options_.pageSize, ""});
  {
    std::lock_guard lock(mutex_);
    ++stats_.lists;
    if (!listed) ++stats_.failures;
  }
  if (!listed) {
    spdlog::warn("List failed resource={} error={}", options_.resource.resource, listed.error().str());
    return false;
  }
  std::set<std::string> present;
  for (const auto& object : listed->items) {
    std::string key = ObjectCache::keyOf(object);
    present.insert(key);
    auto cached = cache_.get(object["metadata"].value("namespace", ""), object["metadata"].value("name", ""));
    if (cached && versionOf(*cached) == versionOf(object)) continue;  // seen already: no duplicate
    auto previous = cache_.upsert(object);
    if (previous && handlers_.onUpdate) handlers_.onUpdate(*previous, object);
    if (!previous && handlers_.onAdd) handlers_.onAdd(object);
  }
  for (const auto& key : cache_.keys()) {
    if (present.count(key)) continue;
    auto gone = cache_.erase(key);
    if (gone && handlers_.onDelete) handlers_.onDelete(*gone);
  }
  {
    std::lock_guard lock(mutex_);
    resourceVersion_ = listed->resourceVersion;
    synced_ = true;
  }
  wake_.notify_all();
  return true;
}

void Informer::apply(const WatchEvent& event) {
  std::string version = versionOf(event.object);
  if (event.type == "ADDED" || event.type == "MODIFIED") {
    const json& meta = event.object["metadata"];
    auto cached = cache_.get(meta.value("namespace", ""), meta.value("name", ""));
    if (!cached || versionOf(*cached) != version) {
      auto previous = cache_.upsert(event.object);
      if (previous && handlers_.onUpdate) handlers_.onUpdate(*previous, event.object);
      if (!previous && handlers_.onAdd) handlers_.onAdd(event.object);
    }
  } else if (event.type == "DELETED") {
    auto previous = cache_.erase(ObjectCache::keyOf(event.object));
    if (previous && handlers_.onDelete) handlers_.onDelete(event.object);
  }
  if (!version.empty()) {
    std::lock_guard lock(mutex_);
    resourceVersion_ = version;  // BOOKMARK carries only this
  }
}

void Informer::run() {
  Backoff backoff(options_.initialBackoff, options_.maxBackoff, 0.5, options_.random);
  bool needList = true;
  while (!stopping_) {
    if (needList) {
      if (!listAndReplace()) {
        pause(backoff.next());
        continue;
      }
      needList = false;
    }
    WatchOptions watch;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      canceller_.reset();
      watch.resourceVersion = resourceVersion_;
      ++stats_.watches;
    }
    watch.labelSelector = options_.labelSelector;
    watch.allowBookmarks = true;
    watch.timeout = std::chrono::seconds(
        static_cast<int64_t>(static_cast<double>(options_.watchTimeout.count()) * (1.0 + options_.random())));
    uint64_t delivered = 0;
    auto ended = client_->watch(
        options_.resource, options_.ns, watch,
        [this, &delivered](const WatchEvent& e) {
          apply(e);
          ++delivered;
          return !stopping_;
        },
        &canceller_);
    if (delivered > 0) backoff.reset();  // the watch worked for a while: a break is not a failing streak
    if (ended) {
      backoff.reset();
      continue;  // resume from the last resourceVersion
    }
    if (ended.error().kind == ApiErrorKind::Gone) {
      spdlog::info("Watch expired, listing again resource={} resourceVersion={}", options_.resource.resource,
                   watch.resourceVersion);
      std::lock_guard lock(mutex_);
      ++stats_.relists;
      needList = true;
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      ++stats_.failures;
    }
    spdlog::warn("Watch broke, resuming resource={} resourceVersion={} error={}", options_.resource.resource,
                 resourceVersion(), ended.error().str());
    pause(backoff.next());
  }
}

}  // namespace bulwark::kube
