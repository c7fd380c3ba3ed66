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

#include "core/util/clock.h"
#include "operator/kube/kube_client.h"

namespace bulwark::kube {

// DESIGN §9's --leader-elect and --leader-election-id, and the Lease timings of client-go and
// controller-runtime (leaseDuration 15 s, renewDeadline 10 s, retryPeriod 2 s).
struct LeaseElectorConfig {
  std::string ns;                                  // where the Lease lives (the operator's namespace)
  std::string name;                                // --leader-election-id
  std::string identity;                            // this replica: the pod name, unique among candidates
  std::chrono::milliseconds leaseDuration{15000};  // how long a standby waits for a silent leader
  std::chrono::milliseconds renewDeadline{10000};  // how long a leader keeps trying to renew
  std::chrono::milliseconds retryPeriod{2000};     // time between attempts
  bool releaseOnStop = true;  // give the lease up on stop(), so a standby takes over at once
};

struct LeaderCallbacks {
  std::function<void()> onStartedLeading;  // start reconciling
  std::function<void()> onStoppedLeading;  // stop reconciling: the lease may soon be someone else's
  std::function<void(const std::string& identity)> onNewLeader;
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package: a candidate
// takes the lease when it is free or its holder has not renewed it for leaseDuration, measured on the
// local clock from when this candidate last saw the record change (so clocks need not agree); updates
// use the Lease's resourceVersion, so two candidates cannot both win. A leader renews every retryPeriod;
// when it has not renewed for renewDeadline it stops leading — before leaseDuration runs out, i.e.
// before anyone else can take the lease.
class LeaseElector {
 public:
  LeaseElector(std::shared_ptr<KubeClient> client, LeaseElectorConfig config, LeaderCallbacks callbacks,
               const Clock& clock);
  ~LeaseElector();
  LeaseElector(const LeaseElector&) = delete;
  LeaseElector& operator=(const LeaseElector&) = delete;

  // One attempt at clock.now(): true when this candidate holds the lease afterwards.
  bool tryAcquireOrRenew();
  // Gives the lease up if this candidate holds it (leaseDurationSeconds 1, no holder).
  bool release();

  void start();  // campaigns and leads on a thread until stop()
  void stop();   // stops leading (onStoppedLeading) and, with releaseOnStop, releases the lease

  // True while leading and the last renewal is younger than renewDeadline.
  bool isLeader() const;
  std::string observedLeader() const;

 private:
  void run();
  bool sleepFor(std::chrono::milliseconds d);  // false when stopping
  void notifyLeader(const std::string& identity);

  std::shared_ptr<KubeClient> client_;
  LeaseElectorConfig config_;
  LeaderCallbacks callbacks_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool stopping_ = false;
  bool leading_ = false;
  Clock::time_point lastRenew_{};
  nlohmann::json observedSpec_;  // the Lease spec last read or written
  Clock::time_point observedTime_{};
  std::string observedLeader_;
  nlohmann::json lease_;  // the Lease object last read or written (for its resourceVersion)
};

}  // namespace bulwark::kube
