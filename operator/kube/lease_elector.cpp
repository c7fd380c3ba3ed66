#include "operator/kube/lease_elector.h"

#include <spdlog/spdlog.h>

#include "core/policy/timestamp.h"

namespace bulwark::kube {

using nlohmann::json;

namespace {

// MicroTime, as Lease fields are written: RFC 3339 with microseconds.
std::string microTime(Clock::time_point t) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  auto seconds = std::chrono::system_clock::time_point(std::chrono::seconds(micros / 1000000));
  std::string whole = policy::formatTimestamp(seconds);  // 2026-12-03T16:57:08Z
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros % 1000000));
  return whole.substr(0, whole.size() - 1) + frac + "Z";
}

}  // namespace

LeaseElector::LeaseElector(std::shared_ptr<KubeClient> client, LeaseElectorConfig config,
                           LeaderCallbacks callbacks, const Clock& clock)
    : config_(std::move(config)), callbacks_(std::move(callbacks)), clock_(clock) {
  // Each attempt must end well inside renewDeadline, and a failed attempt is retried by the election
  // loop itself: no client-level retries.
  KubeClient::Options options = client->options();
  options.requestTimeout = std::max(std::chrono::milliseconds(100), config_.retryPeriod);
  options.maxAttempts = 1;
  client_ = client->withOptions(options);
}

LeaseElector::~LeaseElector() {
  stop();
}

void LeaseElector::notifyLeader(const std::string& identity) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = identity != observedLeader_;
    observedLeader_ = identity;
  }
  if (changed && !identity.empty() && callbacks_.onNewLeader) callbacks_.onNewLeader(identity);
}

bool LeaseElector::tryAcquireOrRenew() {
  auto now = clock_.now();
  int seconds =
      static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(config_.leaseDuration).count());
  auto current = client_->get(kLeases, config_.ns, config_.name);
  if (!current) {
    if (current.error().kind != ApiErrorKind::NotFound) return false;
    json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.name}, {"namespace", config_.ns}}},
                  {"spec",
                   {{"holderIdentity", config_.identity},
                    {"leaseDurationSeconds", seconds},
                    {"acquireTime", microTime(now)},
                    {"renewTime", microTime(now)},
                    {"leaseTransitions", 0}}}};
    auto created = client_->create(kLeases, config_.ns, lease);
    if (!created) return false;
    {
      std::lock_guard lock(mutex_);
      lease_ = *created;
      observedSpec_ = (*created)["spec"];
      observedTime_ = now;
    }
    notifyLeader(config_.identity);
    return true;
  }
  json spec = (*current).value("spec", json::object());
  std::string holder = spec.value("holderIdentity", "");
  {
    std::lock_guard lock(mutex_);
    lease_ = *current;
    if (spec != observedSpec_) {
      observedSpec_ = spec;
      observedTime_ = now;
    }
  }
  notifyLeader(holder);
  auto heldFor = std::chrono::seconds(spec.value("leaseDurationSeconds", seconds));
  if (!holder.empty() && holder != config_.identity && observedTime_ + heldFor > now) return false;

  json next = *current;
  bool renewing = holder == config_.identity;
  next["spec"]["holderIdentity"] = config_.identity;
  next["spec"]["leaseDurationSeconds"] = seconds;
  next["spec"]["renewTime"] = microTime(now);
  if (!renewing) {
    next["spec"]["acquireTime"] = microTime(now);
    next["spec"]["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  auto updated = client_->update(kLeases, config_.ns, next);
  if (!updated) return false;  // 409: another candidate wrote first
  {
    std::lock_guard lock(mutex_);
    lease_ = *updated;
    observedSpec_ = (*updated)["spec"];
    observedTime_ = now;
  }
  notifyLeader(config_.identity);
  return true;
}

bool LeaseElector::release() {
  json lease;
  {
    std::lock_guard lock(mutex_);
    lease = lease_;
  }
  if (!lease.is_object() || lease["spec"].value("holderIdentity", "") != config_.identity) return false;
  auto now = clock_.now();
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = microTime(now);
  lease["spec"]["acquireTime"] = microTime(now);
  auto updated = client_->update(kLeases, config_.ns, lease);
  if (!updated) return false;
  std::lock_guard lock(mutex_);
  lease_ = *updated;
  observedSpec_ = (*updated)["spec"];
  observedTime_ = now;
  return true;
}

bool LeaseElector::isLeader() const {
  std::lock_guard lock(mutex_);
  return leading_ && clock_.now() - lastRenew_ < config_.renewDeadline;
}

std::string LeaseElector::observedLeader() const {
  std::lock_guard lock(mutex_);
  return observedLeader_;
}

bool LeaseElector::sleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

void LeaseElector::start() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void LeaseElector::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseElector::run() {
  auto stopping = [this] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  while (!stopping()) {
    // Campaign.
    if (!tryAcquireOrRenew()) {
      sleepFor(config_.retryPeriod);
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      leading_ = true;
      lastRenew_ = clock_.now();
    }
    spdlog::info("Started leading lease={}/{} identity={}", config_.ns, config_.name, config_.identity);
    if (callbacks_.onStartedLeading) callbacks_.onStartedLeading();
    // Lead: renew every retryPeriod; give up once renewDeadline has passed without a renewal, waking up
    // in time to notice it.
    while (true) {
      Clock::duration left;
      {
        std::lock_guard lock(mutex_);
        left = config_.renewDeadline - (clock_.now() - lastRenew_);
      }
      if (left <= Clock::duration::zero()) break;
      auto wait = std::min<Clock::duration>(config_.retryPeriod, left);
      if (!sleepFor(std::chrono::duration_cast<std::chrono::milliseconds>(wait))) break;
      if (tryAcquireOrRenew()) {
        std::lock_guard lock(mutex_);
        lastRenew_ = clock_.now();
      }
    }
    {
      std::lock_guard lock(mutex_);
      leading_ = false;
    }
    spdlog::warn("Stopped leading lease={}/{} identity={}", config_.ns, config_.name, config_.identity);
    if (callbacks_.onStoppedLeading) callbacks_.onStoppedLeading();
    if (stopping() && config_.releaseOnStop) release();
  }
}

}  // namespace bulwark::kube
