#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "tests/support/process.h"
#include "tests/support/resp_client.h"
#include "tests/support/source_tree.h"

namespace bulwark::testing {

// A real bulwark-agent in standalone mode (a temp policy directory) in front of a real redis-server.
class AgentFixture : public ::testing::Test {
 protected:
  // The policy's spec below `target`, indented by four spaces ("    rateLimit: ...").
  static std::string policyYaml(const std::string& name, int listenPort, int upstreamPort,
                                const std::string& spec) {
    return "apiVersion: bulwark.io/v1alpha1\nkind: ResiliencePolicy\nmetadata: {name: " + name +
           ", namespace: test}\nspec:\n  target:\n    protocol: redis\n    upstream: {host: 127.0.0.1, "
           "port: " +
           std::to_string(upstreamPort) + "}\n    listenPort: " + std::to_string(listenPort) + "\n" + spec;
  }

  void startRedis(const std::vector<std::string>& args = {}) { redis_ = std::make_unique<RedisServer>(args); }

  // Writes the policy as file `name`.yaml (replacing it) and, the first time, starts the agent.
  // The upstream is the fixture's redis-server unless `upstreamPort` names another.
  void writePolicy(const std::string& name, const std::string& spec, int listenPort = 0,
                   int upstreamPort = 0) {
    if (listenPort == 0) listenPort = ports_.count(name) ? ports_[name] : freeTcpPort();
    ports_[name] = listenPort;
    std::string tmp = dir_.file("." + name + ".tmp");
    writeFile(tmp, policyYaml(name, listenPort, upstreamPort ? upstreamPort : redis_->port(), spec));
    std::rename(tmp.c_str(), dir_.file(name + ".yaml").c_str());  // atomic, as a ConfigMap update is
  }

  void startAgent(int workers = 2, const std::vector<std::string>& extraArgs = {}) {
    metricsPort_ = freeTcpPort();
    std::vector<std::string> argv = {BULWARK_AGENT_BIN,
                                     "--policy-dir",
                                     dir_.path(),
                                     "--metrics-addr",
                                     "127.0.0.1:" + std::to_string(metricsPort_),
                                     "--bind-address",
                                     "127.0.0.1",
                                     "--workers",
                                     std::to_string(workers),
                                     "--log-level",
                                     "debug",
                                     "--drain-timeout",
                                     "5"};
    argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
    agent_ = Process::start(argv);
    ASSERT_TRUE(waitForTcp(metricsPort_, std::chrono::seconds(10))) << agent_->log();
    for (const auto& [name, port] : ports_)
      ASSERT_TRUE(waitForTcp(port, std::chrono::seconds(10))) << agent_->log();
  }

  int port(const std::string& name = "p") { return ports_.at(name); }
  std::string metrics() { return httpGet(metricsPort_, "/metrics"); }
  double decisions(const std::string& decision) {
    return metricValue(metrics(), "bulwark_requests_total", {{"decision", decision}});
  }

  TempDir dir_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<Process> agent_;
  std::map<std::string, int> ports_;
  int metricsPort_ = 0;
};

}  // namespace bulwark::testing
