#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/source_tree.h"

namespace bulwark::testing {

// A bulwark-fake-apiserver child process on a free loopback port, serving the project's CRDs, with its
// kubeconfig in a temp dir; stopped by the destructor. Tests reach it through the kubeconfig (the client,
// kubectl) and through control() for fault injection (/_fake/... in README.md).
class FakeApiServer {
 public:
  explicit FakeApiServer(const std::vector<std::string>& extraArgs = {});

  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& url() const { return url_; }
  const std::string& token() const { return token_; }
  int port() const { return port_; }
  Process& process() { return *process_; }
  TempDir& dir() { return dir_; }

  // POST (or `method`) to /_fake/<what> with a JSON body; returns the answer's JSON. Throws on failure.
  nlohmann::json control(const std::string& what, const nlohmann::json& body = nlohmann::json::object(),
                         const std::string& method = "POST");

  struct Answer {
    int status = 0;
    nlohmann::json body;  // null when the body is not JSON
  };
  // A raw API request (path with query), for tests of the server itself.
  Answer request(const std::string& method, const std::string& pathAndQuery,
                 const nlohmann::json& body = nullptr, const std::string& contentType = "application/json");

  // kubectl against this server (own cache dir, no user config), stdout and stderr together.
  CommandResult kubectl(const std::vector<std::string>& args, const std::string& input = "",
                        std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  TempDir dir_;
  int port_ = 0;
  std::string kubeconfig_;
  std::string url_;
  std::string token_;
  std::unique_ptr<Process> process_;
};

}  // namespace bulwark::testing
