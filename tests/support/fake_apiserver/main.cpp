// bulwark-fake-apiserver: a stand-in Kubernetes API server for the operator's tests and real kubectl.
// See README.md in this directory for what it implements.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "core/util/termination_signals.h"
#include "tests/support/fake_apiserver/api_server.h"
#include "tests/support/fake_apiserver/https_server.h"
#include "tests/support/fake_apiserver/resource_catalog.h"
#include "tests/support/fake_apiserver/tls_material.h"

namespace {

using namespace bulwark::fakeapi;

std::string base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string randomToken() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string token = base64(std::string(reinterpret_cast<char*>(bytes), sizeof bytes));
  for (auto& c : token)
    if (c == '+' || c == '/') c = 'x';
  return token;
}

// Two contexts: "fake" authenticates with the bearer token (current), "fake-cert" with a client
// certificate; both trust the generated CA.
std::string kubeconfig(const std::string& server, const TlsMaterial& tls, const std::string& token) {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: fake\n"
         "  cluster:\n"
         "    server: " +
         server +
         "\n"
         "    certificate-authority-data: " +
         base64(tls.caCert) +
         "\n"
         "users:\n"
         "- name: fake-token\n"
         "  user:\n"
         "    token: " +
         token +
         "\n"
         "- name: fake-cert\n"
         "  user:\n"
         "    client-certificate-data: " +
         base64(tls.clientCert) +
         "\n"
         "    client-key-data: " +
         base64(tls.clientKey) +
         "\n"
         "contexts:\n"
         "- name: fake\n"
         "  context:\n"
         "    cluster: fake\n"
         "    user: fake-token\n"
         "    namespace: default\n"
         "- name: fake-cert\n"
         "  context:\n"
         "    cluster: fake\n"
         "    user: fake-cert\n"
         "    namespace: default\n"
         "current-context: fake\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A fake Kubernetes API server for tests (HTTPS, bearer token, CRDs from a directory)"};
  std::string listen, crds, kubeconfigOut, token;
  size_t historySize = 100000;
  int bookmarkMs = 1000;
  app.add_option("--listen", listen, "HOST:PORT to serve on (port 0 picks a free one)")->required();
  app.add_option("--crds", crds, "directory of CustomResourceDefinition YAML files to serve")->required();
  app.add_option("--kubeconfig-out", kubeconfigOut, "where to write a kubeconfig for this server")
      ->required();
  app.add_option("--token", token, "bearer token to require (default: a random one)");
  app.add_option("--history-size", historySize, "watch events kept; resuming from older gets 410 Gone");
  app.add_option("--bookmark-interval-ms", bookmarkMs, "how often watches that allow bookmarks get one");
  CLI11_PARSE(app, argc, argv);

  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "bulwark-fake-apiserver: --listen must be HOST:PORT, got " << listen << "\n";
    return 2;
  }
  std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.c_str() + colon + 1);

  bulwark::TerminationSignals signals;

  try {
    ResourceCatalog catalog;
    catalog.addCrdDirectory(crds);
    TlsMaterial tls = generateTlsMaterial();
    if (token.empty()) token = randomToken();
    ApiServer::Options options;
    options.token = token;
    options.historyLimit = historySize;
    options.bookmarkInterval = std::chrono::milliseconds(bookmarkMs);
    std::unique_ptr<ApiServer> api;
    HttpsServer server(tls, host, port, [&api](const HttpRequest& r) { return api->handle(r); });
    options.serverAddress = host + ":" + std::to_string(server.port());
    api = std::make_unique<ApiServer>(std::move(catalog), options);

    std::string url = "https://" + options.serverAddress;
    std::string temp = kubeconfigOut + ".tmp";
    {
      std::ofstream out(temp, std::ios::trunc);
      out << kubeconfig(url, tls, token);
      if (!out) throw std::runtime_error("cannot write " + temp);
    }
    std::filesystem::rename(temp, kubeconfigOut);  // tests wait for the file: it appears complete

    std::thread signalThread([&] {
      signals.wait();
      api->stop();
      server.stop();
    });
    std::cout << "bulwark-fake-apiserver: serving " << url << ", kubeconfig " << kubeconfigOut << std::endl;
    server.run();
    signalThread.join();
  } catch (const std::exception& e) {
    std::cerr << "bulwark-fake-apiserver: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
