#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace bulwark::net {

// One event loop per worker thread. A connection lives on one worker for its whole life, so its state
// needs no lock; what workers share (limiters, breakers) is lock-free.
class WorkerPool {
 public:
  explicit WorkerPool(size_t workers);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void start();
  // Lets queued work finish and joins the threads.
  void stop();

  size_t size() const { return contexts_.size(); }
  boost::asio::io_context& context(size_t worker) { return *contexts_[worker]; }

  // Runs `fn(worker)` on every worker's own thread.
  void forEach(const std::function<void(size_t)>& fn);
  // forEach, then waits until every worker has run it.
  void forEachAndWait(const std::function<void(size_t)>& fn);

  // The worker whose thread is calling, or SIZE_MAX outside the pool.
  static size_t current();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace bulwark::net
