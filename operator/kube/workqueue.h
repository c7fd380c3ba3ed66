#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/util/clock.h"
#include "operator/kube/rate_limiter.h"

namespace bulwark::kube {

// client-go's rate-limited, delaying work queue of object keys, with its guarantees:
// - an item added many times before a worker takes it is processed once (de-duplication);
// - an item is held by at most one worker at a time; added again while held, it is processed once more
//   after done();
// - addRateLimited delays by the rate limiter (per-item backoff and the overall bucket); forget resets it;
// - shutDownWithDrain refuses new items and returns once every queued and held item is done.
// Delays are measured on the injected clock; with a ManualClock, call wake() after advancing it.
class WorkQueue {
 public:
  WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter);

  void add(const std::string& key);
  void addAfter(const std::string& key, Clock::duration delay);
  void addRateLimited(const std::string& key);
  void forget(const std::string& key);
  int retries(const std::string& key);

  // The next item; blocks until there is one. nullopt once shut down and (when draining) empty.
  std::optional<std::string> get();
  // The next ready item without waiting.
  std::optional<std::string> tryGet();
  // The worker finished `key` (successfully or not).
  void done(const std::string& key);

  void shutDown();           // get() returns nullopt at once; queued items are dropped
  void shutDownWithDrain();  // workers finish what is queued and held first
  bool shuttingDown() const;
  size_t length() const;   // items ready for a worker
  size_t delayed() const;  // items waiting for their time
  void wake();

 private:
  void promoteReady();  // moves delayed items whose time has come into the queue (lock held)
  void insert(const std::string& key);
  std::optional<std::string> take();

  const Clock& clock_;
  std::unique_ptr<RateLimiter> limiter_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued or waiting to be re-queued after done()
  std::set<std::string> processing_;  // held by a worker
  std::map<std::string, Clock::time_point> waitingUntil_;
  std::set<std::pair<Clock::time_point, std::string>> waiting_;
  bool shuttingDown_ = false;
  bool draining_ = false;
};

}  // namespace bulwark::kube
