#include "agent/admin/http_server.h"

#include <cpprest/http_listener.h>
#include <spdlog/spdlog.h>

namespace bulwark::admin {

using web::http::http_request;
using web::http::experimental::listener::http_listener;

HttpServer::HttpServer(std::string address) : address_(std::move(address)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(const std::string& path, Handler handler) {
  routes_[path] = std::move(handler);
}

bool HttpServer::start(std::string* error) {
  try {
    listener_ = std::make_unique<http_listener>("http://" + address_);
    listener_->support([this](http_request request) {
      HttpRequest req;
      req.method = request.method();
      req.path = web::uri::decode(request.relative_uri().path());
      auto auth = request.headers().find("Authorization");
      if (auth != request.headers().end()) req.authorization = auth->second;
      HttpResponse resp;
      auto route = routes_.find(req.path);
      if (route == routes_.end()) {
        resp = {404, "text/plain; charset=utf-8", "not found\n"};
      } else {
        try {
          if (req.method == "PUT" || req.method == "POST") req.body = request.extract_string(true).get();
          resp = route->second(req);
        } catch (const std::exception& e) {
          resp = {500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
        }
      }
      web::http::http_response out(static_cast<web::http::status_code>(resp.status));
      out.set_body(resp.body, resp.contentType);
      request.reply(out).then([](pplx::task<void> t) {
        try {
          t.get();
        } catch (const std::exception& e) {
          spdlog::debug("Admin reply failed error=\"{}\"", e.what());
        }
      });
    });
    listener_->open().wait();
    return true;
  } catch (const std::exception& e) {
    *error = "cannot serve HTTP on " + address_ + ": " + e.what();
    listener_.reset();
    return false;
  }
}

void HttpServer::stop() {
  if (!listener_) return;
  try {
    listener_->close().wait();
  } catch (const std::exception& e) {
    spdlog::debug("Admin listener close failed error=\"{}\"", e.what());
  }
  listener_.reset();
}

}  // namespace bulwark::admin
