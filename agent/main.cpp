#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/admin/http_server.h"
#include "agent/net/worker_pool.h"
#include "agent/redis/redis_session.h"
#include "agent/runtime/compiled_policy.h"
#include "agent/runtime/last_good_policies.h"
#include "agent/runtime/policy_directory_source.h"
#include "agent/runtime/policy_registry.h"
#include "agent/stats/agent_stats.h"
#include "core/policy/policy_encoder.h"
#include "core/policy/policy_loader.h"
#include "core/policy/policy_summary.h"
#include "core/util/logging.h"
#include "core/util/termination_signals.h"

namespace {

using bulwark::policy::PolicyDocument;

int printDocuments(const std::vector<PolicyDocument>& docs, const std::string& output) {
  size_t valid = 0;
  if (output == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const PolicyDocument& d : docs) {
      nlohmann::json entry = {{"source", d.source()}, {"valid", d.valid()}, {"errors", d.describeErrors()}};
      if (d.readError.empty()) entry["policy"] = bulwark::policy::encodePolicy(d.checked.policy);
      out.push_back(std::move(entry));
      valid += d.valid();
    }
    std::cout << out.dump(2) << "\n";
  } else {
    for (const PolicyDocument& d : docs) {
      if (d.valid()) {
        ++valid;
        std::cout << "OK       " << d.source() << "\n"
                  << bulwark::policy::describePolicy(d.checked.policy) << "\n";
      } else {
        std::cout << "INVALID  " << d.source() << "\n";
        for (const std::string& e : d.describeErrors())
          std::cout << "  " << e << "\n";
        std::cout << "\n";
      }
    }
    std::cout << valid << " valid, " << docs.size() - valid << " invalid\n";
  }
  return valid == docs.size() ? 0 : 1;
}

void logDocuments(const std::vector<PolicyDocument>& docs) {
  for (const PolicyDocument& d : docs) {
    if (d.valid()) {
      spdlog::debug("Loaded policy policy={} source={}", d.checked.policy.key(), d.source());
    } else {
      for (const std::string& e : d.describeErrors())
        spdlog::warn("Invalid policy error=\"{}\"", e);
    }
  }
}

// Splits HOST:PORT; the host may be empty (all addresses).
bool splitAddress(const std::string& address, std::string& host, std::string& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.empty()) host = "0.0.0.0";
  return !port.empty();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bulwark-agent: the per-node Bulwark daemon that enforces ResiliencePolicies"};
  std::string policyDir, output = "text", logFormat = "text", logLevel = "info";
  std::string metricsAddr = "0.0.0.0:9902", bindAddress = "0.0.0.0";
  size_t workers = std::max(1u, std::thread::hardware_concurrency());
  double drainSeconds = 10;
  size_t maxConnections = 100000;
  bool dryRun = false;
  app.add_option("--policy-dir", policyDir,
                 "Standalone: load ResiliencePolicy YAML files from DIR, reload on change")
      ->check(CLI::ExistingDirectory);
  app.add_option("--metrics-addr", metricsAddr, "Serve /metrics, /healthz and /readyz on HOST:PORT")
      ->capture_default_str();
  app.add_option("--bind-address", bindAddress, "Address the data listeners bind")->capture_default_str();
  app.add_option("--workers", workers, "Event-loop threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  app.add_option("--drain-timeout", drainSeconds, "Seconds to let connections finish on SIGTERM")
      ->capture_default_str();
  app.add_option("--max-connections", maxConnections, "Client connections held at most; more are refused")
      ->capture_default_str();
  app.add_flag("--dry-run", dryRun, "Load and validate the policies, print what they enforce, and exit");
  app.add_option("--output", output, "Output of --dry-run")->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-format", logFormat, "Log format")->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", logLevel, "Log level (trace, debug, info, warn, error, critical, off)");
  CLI11_PARSE(app, argc, argv);

  if (std::string err = bulwark::configureLogging("agent", logFormat, logLevel); !err.empty()) {
    std::cerr << "bulwark-agent: " << err << "\n";
    return 2;
  }
  if (policyDir.empty()) {
    std::cerr << "bulwark-agent: --policy-dir is required (the bundle API arrives with the operator)\n";
    return 2;
  }
  if (dryRun) {
    bulwark::policy::LoadOptions options;
    options.now = std::chrono::system_clock::now();
    auto docs = bulwark::policy::loadPolicyDirectory(policyDir, options);
    logDocuments(docs);
    if (docs.empty()) spdlog::warn("No policy files found dir={}", policyDir);
    return printDocuments(docs, output);
  }
  std::string metricsHost, metricsPort;
  if (!splitAddress(metricsAddr, metricsHost, metricsPort)) {
    std::cerr << "bulwark-agent: --metrics-addr must be HOST:PORT (got " << metricsAddr << ")\n";
    return 2;
  }

  bulwark::TerminationSignals signals;

  auto stats = std::make_shared<bulwark::stats::AgentStats>();
  bulwark::net::WorkerPool pool(workers);
  std::unique_ptr<bulwark::runtime::PolicyRegistry> registry;
  registry = std::make_unique<bulwark::runtime::PolicyRegistry>(
      pool, *stats, bindAddress,
      [&](size_t worker, boost::asio::ip::tcp::socket socket,
          std::shared_ptr<bulwark::runtime::PolicyHandle> p) {
        if (registry->connections() >= maxConnections) {
          // As redis-server answers past maxclients; the socket closes as it goes out of scope.
          boost::system::error_code ignored;
          socket.write_some(boost::asio::buffer(std::string_view("-ERR max number of clients reached\r\n")),
                            ignored);
          return;
        }
        bulwark::redis::RedisSession::start(worker, pool.context(worker), std::move(socket), std::move(p));
      });
  pool.start();

  std::atomic<bool> ready{false};
  bulwark::admin::HttpServer http(metricsHost + ":" + metricsPort);
  http.route("/metrics", [stats](const bulwark::admin::HttpRequest&) {
    return bulwark::admin::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                                        prometheus::TextSerializer().Serialize(stats->Collect())};
  });
  http.route("/healthz", [](const bulwark::admin::HttpRequest&) {
    return bulwark::admin::HttpResponse{200, "text/plain", "ok\n"};
  });
  http.route("/readyz", [&ready](const bulwark::admin::HttpRequest&) {
    return ready.load() ? bulwark::admin::HttpResponse{200, "text/plain", "ok\n"}
                        : bulwark::admin::HttpResponse{503, "text/plain", "policies not loaded yet\n"};
  });
  if (std::string err; !http.start(&err)) {
    spdlog::critical("{}", err);
    return 1;
  }

  bulwark::runtime::LastGoodPolicies lastGood;
  bulwark::runtime::PolicyDirectorySource source(policyDir, [&](const std::vector<PolicyDocument>& docs) {
    logDocuments(docs);
    for (const PolicyDocument& d : docs) {
      if (!d.valid()) stats->countLoadError();
    }
    std::vector<std::shared_ptr<const bulwark::runtime::CompiledPolicy>> compiled;
    for (const auto& served : lastGood.update(docs)) {
      if (served.stale) {
        spdlog::warn("Keeping the last valid version of an invalid policy policy={} source={}",
                     served.policy.key(), served.source);
      }
      if (served.policy.spec.target.protocol != bulwark::policy::Protocol::Redis) {
        spdlog::warn("Not serving policy: the NATS proxy is not built yet policy={}", served.policy.key());
        continue;
      }
      compiled.push_back(bulwark::runtime::compilePolicy(served.policy));
    }
    for (const std::string& e : registry->apply(compiled))
      spdlog::error("Cannot serve policy error=\"{}\"", e);
    ready.store(true);
  });
  source.start();
  spdlog::info("Agent started workers={} policies={} metrics={}", pool.size(), registry->size(), metricsAddr);

  int sig = signals.wait();
  spdlog::info("Shutting down signal={} drainSeconds={}", sig, drainSeconds);
  ready.store(false);
  source.stop();
  registry->closeAll();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(drainSeconds);
  while (registry->connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (size_t left = registry->connections(); left > 0)
    spdlog::warn("Closing connections after drain timeout count={}", left);
  pool.stop();
  http.stop();
  spdlog::info("Agent stopped");
  return 0;
}
