#include "agent/runtime/policy_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/policy/policy_enums.h"

namespace bulwark::runtime {

PolicyHandle::PolicyHandle(std::shared_ptr<const CompiledPolicy> config, size_t workers)
    : key_(config->key),
      perWorker_(workers, config),
      latest_(config),
      guards_(std::make_unique<PolicyGuards>(*config, workers)),
      live_(workers) {}

void PolicyHandle::attach(size_t worker, Drainable* connection) {
  live_[worker].insert(connection);
  connections_.fetch_add(1, std::memory_order_acq_rel);
}

void PolicyHandle::detach(size_t worker, Drainable* connection) {
  live_[worker].erase(connection);
  connections_.fetch_sub(1, std::memory_order_acq_rel);
}

PolicyRegistry::PolicyRegistry(net::WorkerPool& pool, stats::AgentStats& stats, std::string bindAddress,
                               SessionStarter redis)
    : pool_(pool), stats_(stats), bindAddress_(std::move(bindAddress)), redis_(std::move(redis)) {}

bool PolicyRegistry::listen(const std::shared_ptr<PolicyHandle>& handle, std::string* error) {
  std::weak_ptr<PolicyHandle> weak = handle;
  handle->listener_ = net::TcpListener::open(
      pool_, bindAddress_, handle->latest_->listenPort,
      [this, weak](size_t worker, boost::asio::ip::tcp::socket socket) {
        auto h = weak.lock();
        if (!h || h->removed()) return;  // the socket closes as it goes out of scope
        redis_(worker, std::move(socket), std::move(h));
      },
      error);
  return handle->listener_ != nullptr;
}

std::vector<std::string> PolicyRegistry::apply(
    const std::vector<std::shared_ptr<const CompiledPolicy>>& policies) {
  std::vector<std::string> errors;
  std::lock_guard lock(mutex_);
  std::map<std::string, std::shared_ptr<const CompiledPolicy>> wanted;
  for (const auto& p : policies)
    wanted[p->key] = p;

  for (auto it = handles_.begin(); it != handles_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    spdlog::info("Stopped serving policy policy={} port={}", it->first, it->second->latest_->listenPort);
    retire(it->second);
    it = handles_.erase(it);
  }

  for (const auto& [key, config] : wanted) {
    auto it = handles_.find(key);
    if (it != handles_.end()) {
      auto handle = it->second;
      if (handle->latest_->listenPort != config->listenPort ||
          handle->latest_->protocol != config->protocol) {
        // A different port or protocol is a different listener: serve it afresh and drain the old one.
        retire(handle);
        handles_.erase(it);
      } else {
        handle->guards_->reconfigure(*config);
        handle->latest_ = config;
        pool_.forEach([handle, config](size_t worker) { handle->perWorker_[worker] = config; });
        continue;
      }
    }
    auto handle = std::make_shared<PolicyHandle>(config, pool_.size());
    std::string error;
    if (!listen(handle, &error)) {
      errors.push_back(key + ": " + error);
      stats_.countLoadError();
      continue;
    }
    stats_.add(handle->guards_->sharedStats());
    spdlog::info("Serving policy policy={} protocol={} port={} upstream={}:{}", key,
                 policy::toString(config->protocol), handle->listener_->port(), config->upstreamHost,
                 config->upstreamPort);
    handles_[key] = handle;
  }
  retired_.erase(
      std::remove_if(retired_.begin(), retired_.end(), [](const auto& h) { return h->connections() == 0; }),
      retired_.end());
  return errors;
}

void PolicyRegistry::retire(const std::shared_ptr<PolicyHandle>& handle) {
  handle->removed_.store(true, std::memory_order_release);
  if (handle->listener_) handle->listener_->close();
  stats_.remove(handle->key_);
  pool_.forEach([handle](size_t worker) {
    // drain() may detach the connection, which edits the set: iterate over a copy.
    std::vector<Drainable*> live(handle->live_[worker].begin(), handle->live_[worker].end());
    for (Drainable* d : live)
      d->drain();
  });
  retired_.push_back(handle);
}

void PolicyRegistry::closeAll() {
  std::lock_guard lock(mutex_);
  for (auto& [key, handle] : handles_)
    retire(handle);
  handles_.clear();
}

size_t PolicyRegistry::connections() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [key, h] : handles_)
    n += h->connections();
  for (const auto& h : retired_)
    n += h->connections();
  return n;
}

size_t PolicyRegistry::size() const {
  std::lock_guard lock(mutex_);
  return handles_.size();
}

uint16_t PolicyRegistry::port(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = handles_.find(key);
  return it == handles_.end() || !it->second->listener_ ? 0 : it->second->listener_->port();
}

std::shared_ptr<PolicyHandle> PolicyRegistry::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = handles_.find(key);
  return it == handles_.end() ? nullptr : it->second;
}

}  // namespace bulwark::runtime
