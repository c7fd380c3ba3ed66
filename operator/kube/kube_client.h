#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "operator/kube/api_error.h"
#include "operator/kube/bearer_token.h"
#include "operator/kube/expected.h"
#include "operator/kube/kube_config.h"
#include "operator/kube/resource_ref.h"

namespace bulwark::kube {

template <typename T>
using Result = Expected<T, ApiError>;

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int64_t limit = 0;  // page size; 0 lets the server decide
  std::string continueToken;
};

struct ObjectList {
  nlohmann::json items = nlohmann::json::array();
  std::string resourceVersion;  // of the list: where a watch continues from
  std::string continueToken;    // empty on the last page
};

struct WatchOptions {
  std::string resourceVersion;  // deliver changes after this one
  std::string labelSelector;
  std::string fieldSelector;
  bool allowBookmarks = true;
  std::chrono::seconds timeout{300};  // the server ends the watch after this (timeoutSeconds)
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK
  nlohmann::json object;
};

// How a watch ended without an error.
enum class WatchEnd { ServerClosed, StoppedByHandler, Cancelled };

// Lets another thread end a running watch (the informer's stop).
class WatchCanceller {
 public:
  WatchCanceller();
  ~WatchCanceller();
  void cancel();
  bool cancelled() const;
  void reset();  // ready for the next watch

 private:
  friend class KubeClient;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The Kubernetes REST API for any group-version-resource, over cpprestsdk with TLS verification on
// (unless the kubeconfig explicitly skips it). Every call returns a value or a typed ApiError; nothing
// throws. Reads (get, list, watch setup) are retried with exponential backoff and jitter on 429, 5xx and
// transport errors; writes only on 429 (the server did not act on the request) — a write retried after
// a 5xx or a lost connection might apply twice. Retry-After is honoured. A 401 re-reads a token file once.
class KubeClient {
 public:
  struct Options {
    std::chrono::milliseconds requestTimeout{30000};
    int maxAttempts = 5;
    std::chrono::milliseconds initialBackoff{200};
    std::chrono::milliseconds maxBackoff{10000};
    std::chrono::seconds maxRetryAfter{60};
    std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
    std::function<double()> random;                        // jitter source, uniform in [0, 1)
  };

  // Fails (naming the field) when the configuration's PEM data cannot be loaded.
  static Expected<std::shared_ptr<KubeClient>, ConfigError> create(const KubeConfig& config);
  static Expected<std::shared_ptr<KubeClient>, ConfigError> create(const KubeConfig& config, Options options);
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  // A client of the same server and identity with other options (the elector's short, unretried calls).
  std::shared_ptr<KubeClient> withOptions(Options options) const;
  const KubeConfig& config() const { return config_; }
  const Options& options() const { return options_; }

  Result<nlohmann::json> get(const ResourceRef& r, const std::string& ns, const std::string& name);
  // One page.
  Result<ObjectList> list(const ResourceRef& r, const std::string& ns, const ListOptions& options = {});
  // Every page, following continue tokens; a token that expired mid-way (410) restarts the list once.
  Result<ObjectList> listAll(const ResourceRef& r, const std::string& ns, ListOptions options = {});
  Result<nlohmann::json> create(const ResourceRef& r, const std::string& ns, const nlohmann::json& object);
  // PUT: optimistic concurrency through metadata.resourceVersion (409 Conflict when stale).
  Result<nlohmann::json> update(const ResourceRef& r, const std::string& ns, const nlohmann::json& object);
  Result<nlohmann::json> updateStatus(const ResourceRef& r, const std::string& ns,
                                      const nlohmann::json& object);
  // RFC 7386 JSON merge patch.
  Result<nlohmann::json> mergePatch(const ResourceRef& r, const std::string& ns, const std::string& name,
                                    const nlohmann::json& patch);
  Result<nlohmann::json> mergePatchStatus(const ResourceRef& r, const std::string& ns,
                                          const std::string& name, const nlohmann::json& patch);
  // DELETE; `resourceVersion` non-empty makes it a precondition.
  Result<nlohmann::json> remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                                const std::string& resourceVersion = "");

  // Streams a watch, calling `onEvent` for each event until the server ends it (timeoutSeconds), the
  // handler returns false, or `canceller` fires. An ERROR event or HTTP error becomes the ApiError (410
  // Gone when the resourceVersion is too old); a line that is cut off or not JSON ends the watch with a
  // Decode error. Connection setup is retried like a read; a broken stream is not: the caller resumes.
  Result<WatchEnd> watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
                         const std::function<bool(const WatchEvent&)>& onEvent,
                         WatchCanceller* canceller = nullptr);

 private:
  struct Impl;
  struct Raw;
  KubeClient(KubeConfig config, Options options);
  Result<nlohmann::json> call(const std::string& method, const std::string& pathAndQuery,
                              const nlohmann::json* body, const std::string& contentType, bool idempotent);
  Result<nlohmann::json> write(const std::string& method, const std::string& path, const nlohmann::json& body,
                               const std::string& contentType);

  KubeConfig config_;
  Options options_;
  std::unique_ptr<Impl> impl_;
  BearerToken token_;
};

}  // namespace bulwark::kube
