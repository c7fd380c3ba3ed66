#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "tests/support/fake_apiserver/https_server.h"
#include "tests/support/fake_apiserver/object_store.h"
#include "tests/support/fake_apiserver/resource_catalog.h"
#include "tests/support/fake_apiserver/selectors.h"

namespace bulwark::fakeapi {

// The Kubernetes API as the operator and kubectl use it, over the catalog's resources: discovery,
// OpenAPI v3, CRUD with optimistic concurrency, status subresources, patches, watches, label and field
// selectors, paging, finalizers, Tables and CRD schema validation. README.md lists what is and is not
// implemented. Also answers /_fake/... control requests with which tests inject faults.
class ApiServer {
 public:
  struct Options {
    std::string token;             // the bearer token requests must carry (client certificates work too)
    size_t historyLimit = 100000;  // watch events kept for resumption; older resourceVersions get 410
    std::chrono::milliseconds bookmarkInterval{1000};
    std::string serverAddress;  // host:port, for GET /api
  };

  ApiServer(ResourceCatalog catalog, Options options);
  HttpResponse handle(const HttpRequest& request);
  void stop();  // ends every open watch

 private:
  struct Target {
    const ResourceType* type = nullptr;
    std::string ns;
    std::string name;
    std::string subresource;
    std::string key() const { return ns + "/" + name; }
  };
  struct Fault {
    std::string method;
    std::string pathContains;
    int status = 500;
    int retryAfterSeconds = 0;
    int remaining = 1;
  };
  struct ListSnapshot {
    uint64_t resourceVersion;
    std::vector<nlohmann::json> remaining;
  };

  HttpResponse route(const HttpRequest& request);
  HttpResponse control(const HttpRequest& request);
  HttpResponse resource(const HttpRequest& request, const std::string& group, const std::string& version,
                        const std::vector<std::string>& rest);

  HttpResponse get(const HttpRequest& request, const Target& target);
  HttpResponse list(const HttpRequest& request, const Target& target);
  HttpResponse watch(const HttpRequest& request, const Target& target);
  HttpResponse create(const HttpRequest& request, const Target& target);
  HttpResponse update(const HttpRequest& request, const Target& target);
  HttpResponse patch(const HttpRequest& request, const Target& target);
  HttpResponse remove(const HttpRequest& request, const Target& target);
  HttpResponse removeCollection(const HttpRequest& request, const Target& target);

  // Validates and stores the object a write produced (store lock held). `current` is null on create.
  HttpResponse commit(const HttpRequest& request, const Target& target, const nlohmann::json* current,
                      nlohmann::json candidate);
  // Deletes one object, or marks it deleting while finalizers remain (store lock held).
  nlohmann::json deleteObject(const ResourceType& type, const std::string& key,
                              const nlohmann::json& current);
  void streamWatch(ResponseStream& out, const ResourceType* type, const std::string& ns,
                   const LabelSelector& labels, const FieldSelector& fields, const std::string& fromVersion,
                   bool bookmarks, std::chrono::seconds timeout);

  std::string newUid();
  std::string randomSuffix();
  bool authorized(const HttpRequest& request);

  ResourceCatalog catalog_;
  Options options_;
  ObjectStore store_;
  std::map<std::string, ListSnapshot> snapshots_;  // continue token -> the rest of a paged list

  std::mutex controlMutex_;  // guards token_, faults_, random_
  std::string token_;
  std::vector<Fault> faults_;
  std::mt19937_64 random_;

  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> watchesOpened_{0};
  std::atomic<int> activeWatches_{0};
  std::atomic<uint64_t> faultsServed_{0};
};

}  // namespace bulwark::fakeapi
