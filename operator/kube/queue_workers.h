#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "operator/kube/workqueue.h"

namespace bulwark::kube {

// What one reconcile of one key asks of the queue.
struct ReconcileResult {
  std::string error;                          // non-empty: retry with the rate limiter's backoff
  std::chrono::milliseconds requeueAfter{0};  // > 0: come back after this (periodic resync)

  static ReconcileResult success() { return {}; }
  static ReconcileResult failure(std::string why) { return {std::move(why), {}}; }
  static ReconcileResult after(std::chrono::milliseconds d) { return {{}, d}; }
};

// N threads taking keys from a WorkQueue, like controller-runtime's workers: success forgets the key's
// backoff, failure re-adds it rate-limited, requeueAfter re-adds it after the delay. A reconcile that
// throws counts as a failure. stop() drains: keys being reconciled finish first.
class QueueWorkers {
 public:
  using Reconcile = std::function<ReconcileResult(const std::string& key)>;

  QueueWorkers(WorkQueue& queue, int workers, Reconcile reconcile);
  ~QueueWorkers();
  QueueWorkers(const QueueWorkers&) = delete;
  QueueWorkers& operator=(const QueueWorkers&) = delete;

  void stop();

 private:
  void work();

  WorkQueue& queue_;
  Reconcile reconcile_;
  std::vector<std::thread> threads_;
};

}  // namespace bulwark::kube
