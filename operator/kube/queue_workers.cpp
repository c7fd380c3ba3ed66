#include "operator/kube/queue_workers.h"

#include <spdlog/spdlog.h>

namespace bulwark::kube {

QueueWorkers::QueueWorkers(WorkQueue& queue, int workers, Reconcile reconcile)
    : queue_(queue), reconcile_(std::move(reconcile)) {
  for (int i = 0; i < workers; ++i)
    threads_.emplace_back([this] { work(); });
}

QueueWorkers::~QueueWorkers() {
  stop();
}

void QueueWorkers::stop() {
  queue_.shutDownWithDrain();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void QueueWorkers::work() {
  while (auto key = queue_.get()) {
    ReconcileResult result;
    try {
      result = reconcile_(*key);
    } catch (const std::exception& e) {
      result = ReconcileResult::failure(std::string("reconcile threw: ") + e.what());
    }
    if (!result.error.empty()) {
      spdlog::warn("Reconcile failed key={} retries={} error={}", *key, queue_.retries(*key), result.error);
      queue_.addRateLimited(*key);
    } else {
      queue_.forget(*key);
      if (result.requeueAfter > std::chrono::milliseconds::zero()) queue_.addAfter(*key, result.requeueAfter);
    }
    queue_.done(*key);
  }
}

}  // namespace bulwark::kube
