#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/fake_apiserver/tls_material.h"

namespace bulwark::fakeapi {

struct HttpRequest {
  std::string method;
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // percent-decoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string clientCertSubject;  // CN of a client certificate our CA signed, empty without one

  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

// The open body of a streaming (chunked) response, written by one thread: the connection's.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends `bytes` as one HTTP chunk; false once the connection is gone.
  virtual bool send(std::string_view bytes) = 0;
  // True when the client closed its side (it went away or cancelled the request).
  virtual bool clientGone() = 0;
  // Drops the TCP connection without the final chunk, as a broken network or proxy would.
  virtual void cut() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the response is chunked and this writes its body; returning ends it with the last chunk
  // (unless it called cut()).
  std::function<void(ResponseStream&)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// HTTPS/1.1 with keep-alive, one thread per connection (the fake serves tests, a few dozen connections at
// most), so a watch simply blocks its connection's thread. Client certificates signed by the CA of
// `tls` are verified and reported, never required.
class HttpsServer {
 public:
  HttpsServer(const TlsMaterial& tls, const std::string& host, int port, HttpHandler handler);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  int port() const { return port_; }
  // Accepts connections until stop(); returns once every connection has ended.
  void run();
  // Thread-safe: stops accepting and shuts every open connection down.
  void stop();

 private:
  struct Impl;
  void serveConnection(int fd);

  std::unique_ptr<Impl> impl_;
  HttpHandler handler_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable idle_;
  std::set<int> openFds_;
  int activeConnections_ = 0;
};

}  // namespace bulwark::fakeapi
