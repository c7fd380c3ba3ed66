#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/policy/policy_encoder.h"
#include "core/policy/policy_loader.h"
#include "core/policy/policy_summary.h"
#include "core/util/logging.h"

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bulwark-agent: the per-node Bulwark daemon that enforces ResiliencePolicies"};
  std::string policyDir, output = "text", logFormat = "text", logLevel = "info";
  bool dryRun = false;
  app.add_option("--policy-dir", policyDir, "Standalone: load ResiliencePolicy YAML files from DIR")
      ->check(CLI::ExistingDirectory);
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
  if (!dryRun) {
    std::cerr << "bulwark-agent: the data plane is not built yet; use --dry-run to load and check policies\n";
    return 2;
  }

  bulwark::policy::LoadOptions options;
  options.now = std::chrono::system_clock::now();
  auto docs = bulwark::policy::loadPolicyDirectory(policyDir, options);
  for (const PolicyDocument& d : docs) {
    if (d.valid()) {
      spdlog::info("Loaded policy policy={} source={}", d.checked.policy.key(), d.source());
    } else {
      for (const std::string& e : d.describeErrors())
        spdlog::warn("Invalid policy error=\"{}\"", e);
    }
  }
  if (docs.empty()) spdlog::warn("No policy files found dir={}", policyDir);
  return printDocuments(docs, output);
}
