#include "operator/kube/workqueue.h"

#include <algorithm>

namespace bulwark::kube {

WorkQueue::WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter)
    : clock_(clock), limiter_(std::move(limiter)) {}

void WorkQueue::insert(const std::string& key) {
  if (shuttingDown_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // re-queued by done()
  queue_.push_back(key);
  changed_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  insert(key);
}

void WorkQueue::addAfter(const std::string& key, Clock::duration delay) {
  std::lock_guard lock(mutex_);
  if (shuttingDown_) return;
  if (delay <= Clock::duration::zero()) {
    insert(key);
    return;
  }
  auto at = clock_.now() + delay;
  auto existing = waitingUntil_.find(key);
  if (existing != waitingUntil_.end()) {
    if (existing->second <= at) return;  // already due earlier
    waiting_.erase({existing->second, key});
  }
  waitingUntil_[key] = at;
  waiting_.insert({at, key});
  changed_.notify_all();
}

void WorkQueue::addRateLimited(const std::string& key) {
  addAfter(key, std::chrono::duration_cast<Clock::duration>(limiter_->when(key)));
}

void WorkQueue::forget(const std::string& key) {
  limiter_->forget(key);
}

int WorkQueue::retries(const std::string& key) {
  return limiter_->retries(key);
}

void WorkQueue::promoteReady() {
  auto now = clock_.now();
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    std::string key = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    waitingUntil_.erase(key);
    insert(key);
  }
}

std::optional<std::string> WorkQueue::take() {
  std::string key = queue_.front();
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  while (true) {
    promoteReady();
    if (!queue_.empty()) return take();
    if (shuttingDown_) return std::nullopt;
    if (waiting_.empty()) {
      changed_.wait(lock);
    } else {
      // Sleep until the earliest delayed item is due on the clock; at most a second, so a clock that
      // moves differently from real time (a test's) is re-read.
      auto until = waiting_.begin()->first - clock_.now();
      changed_.wait_for(lock,
                        std::clamp<Clock::duration>(until, Clock::duration::zero(), std::chrono::seconds(1)));
    }
  }
}

std::optional<std::string> WorkQueue::tryGet() {
  std::lock_guard lock(mutex_);
  promoteReady();
  if (queue_.empty()) return std::nullopt;
  return take();
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.count(key)) queue_.push_back(key);
  changed_.notify_all();
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mutex_);
  shuttingDown_ = true;
  waiting_.clear();
  waitingUntil_.clear();
  if (!draining_) {
    for (const auto& key : queue_)
      dirty_.erase(key);
    queue_.clear();
  }
  changed_.notify_all();
}

void WorkQueue::shutDownWithDrain() {
  {
    std::lock_guard lock(mutex_);
    draining_ = true;
  }
  shutDown();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.empty() && processing_.empty(); });
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard lock(mutex_);
  return shuttingDown_;
}

size_t WorkQueue::length() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

size_t WorkQueue::delayed() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

void WorkQueue::wake() {
  std::lock_guard lock(mutex_);
  promoteReady();
  changed_.notify_all();
}

}  // namespace bulwark::kube
