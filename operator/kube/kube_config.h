#pragma once

#include <map>
#include <optional>
#include <string>

#include "operator/kube/expected.h"

namespace bulwark::kube {

// Where and how to reach the API server.
struct KubeConfig {
  std::string server;         // https://host:port
  std::string caPem;          // trusted CA certificates; empty means the system's
  std::string clientCertPem;  // client certificate authentication, with clientKeyPem
  std::string clientKeyPem;
  std::string token;      // a static bearer token
  std::string tokenFile;  // a bearer token read from this file, re-read when it changes (rotation)
  bool insecureSkipTlsVerify = false;  // only when the kubeconfig says so explicitly
  std::string ns;                      // the context's namespace, or the service account's
  std::string source;                  // "kubeconfig FILE (context NAME)" or "in-cluster service account"
};

// A configuration that cannot be used, naming the file and the field: "kubeconfig /x:
// users[0].user.token-file: cannot read /y: No such file or directory".
struct ConfigError {
  std::string file;
  std::string field;
  std::string message;
  std::string str() const;
};

using ConfigResult = Expected<KubeConfig, ConfigError>;

// A kubeconfig file: its current context (or `context`), that context's cluster (server,
// certificate-authority or -data, insecure-skip-tls-verify) and user (token, tokenFile, client-certificate
// and -key or their -data). Relative file paths are relative to the kubeconfig's directory. Exec and
// auth-provider plugins and basic auth are refused with an error naming the field.
ConfigResult loadKubeconfig(const std::string& path, const std::string& context = "");

// The pod's service account: KUBERNETES_SERVICE_HOST/PORT from `env`, token, ca.crt and namespace from
// `accountDir`. The token is read now (to fail early) and again whenever the file changes.
ConfigResult loadInClusterConfig(
    const std::map<std::string, std::string>& env,
    const std::string& accountDir = "/var/run/secrets/kubernetes.io/serviceaccount");

// The operator's rule, as controller-runtime's: --kubeconfig if given, else $KUBECONFIG (its first file),
// else the in-cluster service account when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config.
ConfigResult resolveConfig(const std::string& kubeconfigFlag, const std::map<std::string, std::string>& env);

// The process environment as a map, for the functions above.
std::map<std::string, std::string> processEnvironment();

}  // namespace bulwark::kube
