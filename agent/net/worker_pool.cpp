#include "agent/net/worker_pool.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace bulwark::net {
namespace {
thread_local size_t currentWorker = SIZE_MAX;
}

WorkerPool::WorkerPool(size_t workers) {
  for (size_t i = 0; i < std::max<size_t>(1, workers); ++i) {
    // One thread runs each context and its sockets are only touched from that thread, so the reactor's
    // per-socket locks can go; the scheduler keeps its lock because other threads post to it.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::start() {
  for (size_t i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([this, i] {
      currentWorker = i;
      contexts_[i]->run();
    });
  }
}

void WorkerPool::stop() {
  for (auto& g : guards_)
    g.reset();
  for (auto& c : contexts_)
    c->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::forEach(const std::function<void(size_t)>& fn) {
  for (size_t i = 0; i < contexts_.size(); ++i)
    boost::asio::post(*contexts_[i], [fn, i] { fn(i); });
}

void WorkerPool::forEachAndWait(const std::function<void(size_t)>& fn) {
  std::mutex m;
  std::condition_variable cv;
  size_t done = 0;
  forEach([&](size_t i) {
    fn(i);
    std::lock_guard lock(m);
    ++done;
    cv.notify_all();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return done == contexts_.size(); });
}

size_t WorkerPool::current() {
  return currentWorker;
}

}  // namespace bulwark::net
