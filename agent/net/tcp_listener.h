#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/net/worker_pool.h"

namespace bulwark::net {

// Listens on one address and port with an acceptor per worker (SO_REUSEPORT), so the kernel spreads
// new connections over the workers and no accept is handed between threads.
class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  // Called on the accepting worker's thread with the new connection.
  using Handler = std::function<void(size_t worker, boost::asio::ip::tcp::socket socket)>;

  // Binds and starts accepting; returns nullptr and sets `error` when the address cannot be bound.
  static std::shared_ptr<TcpListener> open(WorkerPool& pool, const std::string& bindAddress, uint16_t port,
                                           Handler handler, std::string* error);

  uint16_t port() const { return port_; }
  // Stops accepting on every worker; established connections are not touched.
  void close();

 private:
  TcpListener(WorkerPool& pool, Handler handler) : pool_(pool), handler_(std::move(handler)) {}
  void accept(size_t worker);

  WorkerPool& pool_;
  Handler handler_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::atomic<bool> closed_{false};
};

}  // namespace bulwark::net
