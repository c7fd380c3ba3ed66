#pragma once

#include <string>

namespace bulwark::fakeapi {

// PEM-encoded keys and certificates the fake API server makes at start: its own CA, a serving
// certificate for 127.0.0.1 and localhost, and a client certificate (CN=bulwark-test-client) for tests of
// certificate authentication. Nothing is written to disk but the kubeconfig.
struct TlsMaterial {
  std::string caCert;
  std::string serverCert;
  std::string serverKey;
  std::string clientCert;
  std::string clientKey;
};

// Throws std::runtime_error when OpenSSL fails.
TlsMaterial generateTlsMaterial();

}  // namespace bulwark::fakeapi
