#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "agent/net/tcp_listener.h"
#include "agent/net/worker_pool.h"
#include "agent/runtime/compiled_policy.h"
#include "agent/runtime/policy_guards.h"
#include "agent/stats/agent_stats.h"

namespace bulwark::runtime {

// A connection the registry can ask to finish: stop reading new requests, answer what is in flight,
// then close. Always called on the connection's own worker.
class Drainable {
 public:
  virtual ~Drainable() = default;
  virtual void drain() = 0;
};

// One served policy. Its compiled configuration is published to every worker separately, so a
// connection reads it per request without a lock or a reference-count update; its guards are shared.
class PolicyHandle {
 public:
  PolicyHandle(std::shared_ptr<const CompiledPolicy> config, size_t workers);

  // The configuration on `worker`; only valid on that worker's thread.
  const CompiledPolicy& config(size_t worker) const { return *perWorker_[worker]; }
  PolicyGuards& guards() { return *guards_; }
  const std::string& key() const { return key_; }
  bool removed() const { return removed_.load(std::memory_order_acquire); }

  // Connection bookkeeping, on the connection's worker.
  void attach(size_t worker, Drainable* connection);
  void detach(size_t worker, Drainable* connection);
  size_t connections() const { return connections_.load(std::memory_order_acquire); }

 private:
  friend class PolicyRegistry;

  std::string key_;
  std::vector<std::shared_ptr<const CompiledPolicy>> perWorker_;
  std::shared_ptr<const CompiledPolicy> latest_;
  std::unique_ptr<PolicyGuards> guards_;
  std::vector<std::unordered_set<Drainable*>> live_;
  std::atomic<size_t> connections_{0};
  std::atomic<bool> removed_{false};
  std::shared_ptr<net::TcpListener> listener_;
};

// The set of policies the agent serves, each with its listener. apply() takes the whole desired set —
// level-triggered, like the operator's bundles: new policies start listening, changed ones are
// republished (a moved listenPort gets a new listener), removed ones stop listening and drain.
class PolicyRegistry {
 public:
  using SessionStarter = std::function<void(size_t worker, boost::asio::ip::tcp::socket socket,
                                            std::shared_ptr<PolicyHandle> policy)>;

  PolicyRegistry(net::WorkerPool& pool, stats::AgentStats& stats, std::string bindAddress,
                 SessionStarter redis);

  // Returns one message per policy that could not be served (its port could not be bound).
  std::vector<std::string> apply(const std::vector<std::shared_ptr<const CompiledPolicy>>& policies);
  // Stops every listener and asks every connection to drain.
  void closeAll();
  size_t connections() const;
  size_t size() const;
  // The served port of a policy (tests bind port 0), 0 when it is not served.
  uint16_t port(const std::string& key) const;
  std::shared_ptr<PolicyHandle> find(const std::string& key) const;

 private:
  void retire(const std::shared_ptr<PolicyHandle>& handle);
  bool listen(const std::shared_ptr<PolicyHandle>& handle, std::string* error);

  net::WorkerPool& pool_;
  stats::AgentStats& stats_;
  std::string bindAddress_;
  SessionStarter redis_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<PolicyHandle>> handles_;
  std::vector<std::shared_ptr<PolicyHandle>> retired_;  // draining; kept until their connections end
};

}  // namespace bulwark::runtime
