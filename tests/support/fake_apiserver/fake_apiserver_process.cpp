#include "tests/support/fake_apiserver/fake_apiserver_process.h"

#include <filesystem>
#include <stdexcept>

namespace bulwark::testing {

FakeApiServer::FakeApiServer(const std::vector<std::string>& extraArgs) {
  port_ = freeTcpPort();
  kubeconfig_ = dir_.file("kubeconfig");
  std::vector<std::string> argv = {
      BULWARK_FAKE_APISERVER, "--listen", "127.0.0.1:" + std::to_string(port_), "--crds", sourcePath("crds"),
      "--kubeconfig-out",     kubeconfig_};
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  process_ = Process::start(argv);
  bool up = eventually([&] { return std::filesystem::exists(kubeconfig_) || !process_->running(); },
                       std::chrono::seconds(30));
  if (!up || !std::filesystem::exists(kubeconfig_)) {
    throw std::runtime_error("bulwark-fake-apiserver did not start: " + process_->log());
  }
  url_ = "https://127.0.0.1:" + std::to_string(port_);
  std::string config = readFile(kubeconfig_);
  auto at = config.find("token: ");
  token_ = config.substr(at + 7, config.find('\n', at) - at - 7);
}

nlohmann::json FakeApiServer::control(const std::string& what, const nlohmann::json& body,
                                      const std::string& method) {
  auto result =
      runCommand({"curl", "-sS", "--insecure", "-X", method, "-H", "Authorization: Bearer " + token_, "-H",
                  "Content-Type: application/json", "--data-binary", body.dump(), url_ + "/_fake/" + what},
                 std::chrono::seconds(10));
  auto answer = nlohmann::json::parse(result.output, nullptr, false);
  if (result.exitCode != 0 || answer.is_discarded()) {
    throw std::runtime_error("control " + what + " failed: " + result.output);
  }
  return answer;
}

FakeApiServer::Answer FakeApiServer::request(const std::string& method, const std::string& pathAndQuery,
                                             const nlohmann::json& body, const std::string& contentType) {
  std::vector<std::string> argv = {"curl",
                                   "-sS",
                                   "--insecure",
                                   "-X",
                                   method,
                                   "-H",
                                   "Authorization: Bearer " + token_,
                                   "-H",
                                   "Content-Type: " + contentType,
                                   "-w",
                                   "\n%{http_code}"};
  if (!body.is_null()) {
    argv.push_back("--data-binary");
    argv.push_back(body.dump());
  }
  argv.push_back(url_ + pathAndQuery);
  auto result = runCommand(argv, std::chrono::seconds(10));
  auto cut = result.output.rfind('\n');
  if (result.exitCode != 0 || cut == std::string::npos)
    throw std::runtime_error("curl failed: " + result.output);
  Answer answer;
  answer.status = std::atoi(result.output.c_str() + cut + 1);
  answer.body = nlohmann::json::parse(result.output.substr(0, cut), nullptr, false);
  if (answer.body.is_discarded()) answer.body = nullptr;
  return answer;
}

CommandResult FakeApiServer::kubectl(const std::vector<std::string>& args, const std::string& input,
                                     std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {"kubectl", "--kubeconfig", kubeconfig_, "--cache-dir",
                                   dir_.file("kubectl-cache")};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, timeout, input, {{"HOME", dir_.path()}, {"KUBECTL_INTERACTIVE_DELETE", "false"}});
}

}  // namespace bulwark::testing
