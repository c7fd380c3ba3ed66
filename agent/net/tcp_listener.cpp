#include "agent/net/tcp_listener.h"

#include <sys/socket.h>

#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>

namespace bulwark::net {

using boost::asio::ip::tcp;

std::shared_ptr<TcpListener> TcpListener::open(WorkerPool& pool, const std::string& bindAddress,
                                               uint16_t port, Handler handler, std::string* error) {
  std::shared_ptr<TcpListener> l(new TcpListener(pool, std::move(handler)));
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(bindAddress, ec);
  if (ec) {
    *error = "invalid bind address " + bindAddress + ": " + ec.message();
    return nullptr;
  }
  tcp::endpoint endpoint(address, port);
  for (size_t i = 0; i < pool.size(); ++i) {
    auto acceptor = std::make_unique<tcp::acceptor>(pool.context(i));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        ec = boost::system::error_code(errno, boost::system::system_category());
      }
    }
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) {
      *error =
          "cannot listen on " + bindAddress + ":" + std::to_string(endpoint.port()) + ": " + ec.message();
      return nullptr;
    }
    if (i == 0) endpoint = acceptor->local_endpoint();  // port 0: every acceptor shares the chosen port
    l->acceptors_.push_back(std::move(acceptor));
  }
  l->port_ = endpoint.port();
  for (size_t i = 0; i < pool.size(); ++i) {
    boost::asio::post(pool.context(i), [l, i] { l->accept(i); });
  }
  return l;
}

void TcpListener::accept(size_t worker) {
  if (closed_.load()) return;
  acceptors_[worker]->async_accept(pool_.context(worker), [self = shared_from_this(), worker](
                                                              const boost::system::error_code& ec,
                                                              tcp::socket s) {
    if (self->closed_.load() || ec == boost::asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE and friends complete again at once while the connection waits in the backlog: back off
      // instead of spinning the worker.
      auto timer = std::make_shared<boost::asio::steady_timer>(self->pool_.context(worker),
                                                               std::chrono::milliseconds(50));
      timer->async_wait([self, worker, timer](const boost::system::error_code&) { self->accept(worker); });
      return;
    }
    boost::system::error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
    self->handler_(worker, std::move(s));
    self->accept(worker);
  });
}

void TcpListener::close() {
  if (closed_.exchange(true)) return;
  for (size_t i = 0; i < acceptors_.size(); ++i) {
    boost::asio::post(pool_.context(i), [self = shared_from_this(), i] {
      boost::system::error_code ignored;
      self->acceptors_[i]->close(ignored);
    });
  }
}

}  // namespace bulwark::net
