#include "operator/kube/kube_config.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/policy/yaml_documents.h"

extern char** environ;

namespace bulwark::kube {

using nlohmann::json;

namespace {

std::optional<std::string> readWholeFile(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<std::string> decodeBase64(const std::string& text) {
  std::string clean;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  size_t padding = 0;
  if (!clean.empty() && clean.back() == '=') ++padding;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  return s.substr(b);
}

// Finds the entry called `name` in a kubeconfig list (clusters, users, contexts); -1 when absent.
int findNamed(const json& list, const std::string& name) {
  if (!list.is_array()) return -1;
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].is_object() && list[i].value("name", "") == name) return static_cast<int>(i);
  return -1;
}

class KubeconfigReader {
 public:
  explicit KubeconfigReader(std::string path) : path_(std::move(path)) {
    dir_ = std::filesystem::path(path_).parent_path().string();
  }

  ConfigError error(const std::string& field, const std::string& message) const {
    return ConfigError{path_, field, message};
  }

  // A string field; absent and empty are the same. A non-string is an error.
  std::optional<ConfigError> str(const json& obj, const std::string& key, const std::string& field,
                                 std::string& out) const {
    if (!obj.contains(key) || obj[key].is_null()) return std::nullopt;
    if (!obj[key].is_string()) return error(field + "." + key, "must be a string");
    out = obj[key].get<std::string>();
    return std::nullopt;
  }

  // PEM from `key-data` (base64) or from the file `key`.
  std::optional<ConfigError> pem(const json& obj, const std::string& key, const std::string& field,
                                 std::string& out) const {
    std::string data, file;
    if (auto e = str(obj, key + "-data", field, data)) return e;
    if (auto e = str(obj, key, field, file)) return e;
    if (!data.empty()) {
      auto decoded = decodeBase64(data);
      if (!decoded) return error(field + "." + key + "-data", "not valid base64");
      out = *decoded;
    } else if (!file.empty()) {
      std::string full = resolve(file);
      std::string why;
      auto content = readWholeFile(full, why);
      if (!content) return error(field + "." + key, why);
      out = *content;
    } else {
      return std::nullopt;
    }
    if (out.find("-----BEGIN ") == std::string::npos) {
      return error(field + "." + key + (data.empty() ? "" : "-data"), "does not hold PEM data");
    }
    return std::nullopt;
  }

  std::string resolve(const std::string& file) const {
    if (file.empty() || file[0] == '/' || dir_.empty()) return file;
    return dir_ + "/" + file;
  }

 private:
  std::string path_;
  std::string dir_;
};

}  // namespace

std::string ConfigError::str() const {
  std::string out = file;
  if (!field.empty()) out += (out.empty() ? "" : ": ") + field;
  return out + ": " + message;
}

ConfigResult loadKubeconfig(const std::string& path, const std::string& context) {
  KubeconfigReader r(path);
  std::string why;
  auto text = readWholeFile(path, why);
  if (!text) return r.error("", why);
  auto docs = policy::readYamlDocuments(*text);
  if (docs.empty() || !docs[0].value.is_object()) {
    return r.error("", docs.empty() || docs[0].error.empty() ? "not a kubeconfig (expected a YAML mapping)"
                                                             : "not valid YAML: " + docs[0].error);
  }
  const json& doc = docs[0].value;
  std::string contextName = context;
  if (contextName.empty()) {
    if (auto e = r.str(doc, "current-context", "", contextName)) return *e;
    if (contextName.empty()) return r.error("current-context", "not set and no context was given");
  }
  int ci = findNamed(doc.value("contexts", json()), contextName);
  if (ci < 0) return r.error("contexts", "no context named \"" + contextName + "\"");
  std::string cfield = "contexts[" + std::to_string(ci) + "].context";
  const json& ctx = doc["contexts"][static_cast<size_t>(ci)].value("context", json::object());
  if (!ctx.is_object()) return r.error(cfield, "must be a mapping");

  KubeConfig config;
  config.source = "kubeconfig " + path + " (context " + contextName + ")";
  std::string clusterName, userName;
  if (auto e = r.str(ctx, "cluster", cfield, clusterName)) return *e;
  if (auto e = r.str(ctx, "user", cfield, userName)) return *e;
  if (auto e = r.str(ctx, "namespace", cfield, config.ns)) return *e;
  if (clusterName.empty()) return r.error(cfield + ".cluster", "not set");

  int ki = findNamed(doc.value("clusters", json()), clusterName);
  if (ki < 0) return r.error(cfield + ".cluster", "no cluster named \"" + clusterName + "\"");
  std::string kfield = "clusters[" + std::to_string(ki) + "].cluster";
  json cluster = doc["clusters"][static_cast<size_t>(ki)].value("cluster", json::object());
  if (!cluster.is_object()) return r.error(kfield, "must be a mapping");
  if (auto e = r.str(cluster, "server", kfield, config.server)) return *e;
  if (config.server.empty()) return r.error(kfield + ".server", "not set");
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    return r.error(kfield + ".server", "must be an http:// or https:// URL, got \"" + config.server + "\"");
  }
  while (!config.server.empty() && config.server.back() == '/')
    config.server.pop_back();
  if (cluster.contains("insecure-skip-tls-verify")) {
    if (!cluster["insecure-skip-tls-verify"].is_boolean()) {
      return r.error(kfield + ".insecure-skip-tls-verify", "must be true or false");
    }
    config.insecureSkipTlsVerify = cluster["insecure-skip-tls-verify"].get<bool>();
  }
  if (auto e = r.pem(cluster, "certificate-authority", kfield, config.caPem)) return *e;

  if (!userName.empty()) {
    int ui = findNamed(doc.value("users", json()), userName);
    if (ui < 0) return r.error(cfield + ".user", "no user named \"" + userName + "\"");
    std::string ufield = "users[" + std::to_string(ui) + "].user";
    json user = doc["users"][static_cast<size_t>(ui)].value("user", json::object());
    if (!user.is_object()) return r.error(ufield, "must be a mapping");
    for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
      if (user.contains(unsupported))
        return r.error(ufield + "." + unsupported, "is not supported by this client");
    }
    if (auto e = r.str(user, "token", ufield, config.token)) return *e;
    std::string tokenFile;
    if (auto e = r.str(user, "tokenFile", ufield, tokenFile)) return *e;
    if (!tokenFile.empty() && config.token.empty()) {
      config.tokenFile = r.resolve(tokenFile);
      auto token = readWholeFile(config.tokenFile, why);
      if (!token) return r.error(ufield + ".tokenFile", why);
    }
    if (auto e = r.pem(user, "client-certificate", ufield, config.clientCertPem)) return *e;
    if (auto e = r.pem(user, "client-key", ufield, config.clientKeyPem)) return *e;
    if (config.clientCertPem.empty() != config.clientKeyPem.empty()) {
      return r.error(ufield + (config.clientCertPem.empty() ? ".client-certificate" : ".client-key"),
                     "a client certificate needs both client-certificate and client-key");
    }
  }
  return config;
}

ConfigResult loadInClusterConfig(const std::map<std::string, std::string>& env,
                                 const std::string& accountDir) {
  auto host = env.find("KUBERNETES_SERVICE_HOST");
  auto port = env.find("KUBERNETES_SERVICE_PORT");
  if (host == env.end() || host->second.empty() || port == env.end() || port->second.empty()) {
    return ConfigError{"environment", "KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT",
                       "not set: not running in a pod (use --kubeconfig)"};
  }
  KubeConfig config;
  config.source = "in-cluster service account";
  bool ipv6 = host->second.find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + host->second + "]" : host->second) + ":" + port->second;
  std::string why;
  config.tokenFile = accountDir + "/token";
  auto token = readWholeFile(config.tokenFile, why);
  if (!token) return ConfigError{config.tokenFile, "token", why};
  if (trimmed(*token).empty()) return ConfigError{config.tokenFile, "token", "the file is empty"};
  auto ca = readWholeFile(accountDir + "/ca.crt", why);
  if (!ca) return ConfigError{accountDir + "/ca.crt", "ca.crt", why};
  if (ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return ConfigError{accountDir + "/ca.crt", "ca.crt", "does not hold a PEM certificate"};
  }
  config.caPem = *ca;
  auto ns = readWholeFile(accountDir + "/namespace", why);
  if (ns) config.ns = trimmed(*ns);
  return config;
}

ConfigResult resolveConfig(const std::string& kubeconfigFlag, const std::map<std::string, std::string>& env) {
  if (!kubeconfigFlag.empty()) return loadKubeconfig(kubeconfigFlag);
  auto kubeconfigEnv = env.find("KUBECONFIG");
  if (kubeconfigEnv != env.end() && !kubeconfigEnv->second.empty()) {
    std::string list = kubeconfigEnv->second;
    std::string first = list.substr(0, list.find(':'));
    size_t start = 0;
    while (start <= list.size()) {
      size_t colon = list.find(':', start);
      std::string candidate =
          list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!candidate.empty() && std::filesystem::exists(candidate)) return loadKubeconfig(candidate);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    return ConfigError{first, "KUBECONFIG", "no file of $KUBECONFIG exists"};
  }
  if (env.count("KUBERNETES_SERVICE_HOST")) return loadInClusterConfig(env);
  auto home = env.find("HOME");
  std::string fallback = (home == env.end() ? std::string() : home->second) + "/.kube/config";
  return loadKubeconfig(fallback);
}

std::map<std::string, std::string> processEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

}  // namespace bulwark::kube
