#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace web::http::experimental::listener {
class http_listener;
}

namespace bulwark::admin {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string authorization;  // the Authorization header, empty when absent
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

// A small HTTP server for the agent's control surfaces (metrics, health, later the bundle API), on
// cpprestsdk's listener. Handlers run on cpprest's thread pool, never on a data-plane worker; cpprest's
// exceptions stop here.
class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // `address` is HOST:PORT, as the command line takes it.
  explicit HttpServer(std::string address);
  ~HttpServer();

  // Exact path match; other paths answer 404.
  void route(const std::string& path, Handler handler);
  bool start(std::string* error);
  void stop();

 private:
  std::string address_;
  std::map<std::string, Handler> routes_;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;
};

}  // namespace bulwark::admin
