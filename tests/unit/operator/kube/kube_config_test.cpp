#include "operator/kube/kube_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/source_tree.h"

namespace bulwark::kube {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::writeFile;

const char* kCa = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
// base64 of kCa
const char* kCaData = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

std::string kubeconfig(const std::string& cluster, const std::string& user, const std::string& extra = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: main\n"
         "contexts:\n- name: other\n  context: {cluster: c, user: u}\n"
         "- name: main\n  context: {cluster: c, user: u, namespace: shop}\n"
         "clusters:\n- name: c\n  cluster:\n" +
         cluster + "users:\n- name: u\n  user:\n" + user + extra;
}

TEST(Kubeconfig, ReadsTheCurrentContextsClusterAndUser) {
  TempDir dir;
  writeFile(dir.file("config"),
            kubeconfig("    server: https://10.0.0.1:6443/\n    certificate-authority-data: " +
                           std::string(kCaData) + "\n",
                       "    token: abc\n"));
  auto c = loadKubeconfig(dir.file("config"));
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->token, "abc");
  EXPECT_EQ(c->ns, "shop");
  EXPECT_FALSE(c->insecureSkipTlsVerify);
  EXPECT_THAT(c->source, HasSubstr("context main"));
}

TEST(Kubeconfig, ReadsFilesRelativeToItsDirectoryAndHonoursInsecureOnlyWhenSet) {
  TempDir dir;
  writeFile(dir.file("ca.pem"), kCa);
  writeFile(dir.file("client.pem"), kCa);
  writeFile(dir.file("client.key"), "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
  writeFile(dir.file("token"), "from-file\n");
  writeFile(
      dir.file("config"),
      kubeconfig(
          "    server: https://h:1\n    certificate-authority: ca.pem\n    insecure-skip-tls-verify: true\n",
          "    client-certificate: client.pem\n    client-key: " + dir.file("client.key") +
              "\n    tokenFile: token\n"));
  auto c = loadKubeconfig(dir.file("config"));
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->clientCertPem, kCa);
  EXPECT_THAT(c->clientKeyPem, HasSubstr("PRIVATE KEY"));
  EXPECT_EQ(c->tokenFile, dir.file("token"));
  EXPECT_TRUE(c->insecureSkipTlsVerify);
}

TEST(Kubeconfig, ChoosesAContextByName) {
  TempDir dir;
  writeFile(dir.file("config"), kubeconfig("    server: https://h:1\n", "    token: t\n"));
  auto c = loadKubeconfig(dir.file("config"), "other");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ns, "");
}

struct BadCase {
  const char* name;
  std::string config;
  const char* field;
  const char* message;
};

TEST(Kubeconfig, ErrorsNameTheFileAndField) {
  std::vector<BadCase> cases = {
      {"not yaml", "clusters: [unclosed", "", "not valid YAML"},
      {"no context", "apiVersion: v1\nkind: Config\n", "current-context", "not set"},
      {"unknown cluster",
       "current-context: main\ncontexts:\n- name: main\n  context: {cluster: c, user: u}\n"
       "clusters:\n- name: d\n  cluster: {server: https://h:1}\n",
       "contexts[0].context.cluster", "no cluster named \"c\""},
      {"no server", kubeconfig("    insecure-skip-tls-verify: false\n", "    token: t\n"),
       "clusters[0].cluster.server", "not set"},
      {"plain host", kubeconfig("    server: h:1\n", "    token: t\n"), "clusters[0].cluster.server", "URL"},
      {"bad base64", kubeconfig("    server: https://h:1\n    certificate-authority-data: '%%%'\n", ""),
       "clusters[0].cluster.certificate-authority-data", "not valid base64"},
      {"missing ca file",
       kubeconfig("    server: https://h:1\n    certificate-authority: /nonexistent/ca\n", ""),
       "clusters[0].cluster.certificate-authority", "cannot read /nonexistent/ca"},
      {"insecure not bool", kubeconfig("    server: https://h:1\n    insecure-skip-tls-verify: maybe\n", ""),
       "clusters[0].cluster.insecure-skip-tls-verify", "true or false"},
      {"unreadable token", kubeconfig("    server: https://h:1\n", "    tokenFile: /nonexistent/token\n"),
       "users[0].user.tokenFile", "cannot read /nonexistent/token"},
      {"exec plugin", kubeconfig("    server: https://h:1\n", "    exec: {command: aws}\n"),
       "users[0].user.exec", "not supported"},
      {"cert without key",
       kubeconfig("    server: https://h:1\n", "    client-certificate-data: " + std::string(kCaData) + "\n"),
       "users[0].user.client-key", "both"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    writeFile(dir.file("config"), c.config);
    auto r = loadKubeconfig(dir.file("config"));
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().file, dir.file("config")) << c.name;
    EXPECT_EQ(r.error().field, c.field) << c.name;
    EXPECT_THAT(r.error().message, HasSubstr(c.message)) << c.name;
    EXPECT_THAT(r.error().str(), HasSubstr(dir.file("config"))) << c.name;
  }
  auto missing = loadKubeconfig("/nonexistent/kubeconfig");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().str(), HasSubstr("cannot read /nonexistent/kubeconfig"));
}

TEST(InClusterConfig, ReadsTheServiceAccount) {
  TempDir dir;
  writeFile(dir.file("token"), "sa-token\n");
  writeFile(dir.file("ca.crt"), kCa);
  writeFile(dir.file("namespace"), "bulwark-system\n");
  auto c = loadInClusterConfig({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}},
                               dir.path());
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->tokenFile, dir.file("token"));
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->ns, "bulwark-system");
  auto v6 = loadInClusterConfig({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}},
                                dir.path());
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->server, "https://[fd00::1]:443");
}

TEST(InClusterConfig, ErrorsNameTheFile) {
  TempDir dir;
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "h"},
                                            {"KUBERNETES_SERVICE_PORT", "1"}};
  auto noToken = loadInClusterConfig(env, dir.path());
  ASSERT_FALSE(noToken);
  EXPECT_EQ(noToken.error().file, dir.file("token"));
  EXPECT_EQ(noToken.error().field, "token");
  writeFile(dir.file("token"), "\n");
  EXPECT_THAT(loadInClusterConfig(env, dir.path()).error().message, HasSubstr("empty"));
  writeFile(dir.file("token"), "t");
  auto noCa = loadInClusterConfig(env, dir.path());
  ASSERT_FALSE(noCa);
  EXPECT_EQ(noCa.error().file, dir.file("ca.crt"));
  EXPECT_THAT(loadInClusterConfig({}, dir.path()).error().message, HasSubstr("not running in a pod"));
}

TEST(ResolveConfig, FlagThenKubeconfigVariableThenHome) {
  TempDir dir;
  writeFile(dir.file("a"), kubeconfig("    server: https://a:1\n", "    token: t\n"));
  writeFile(dir.file("b"), kubeconfig("    server: https://b:1\n", "    token: t\n"));
  std::filesystem::create_directories(dir.file(".kube"));
  writeFile(dir.file(".kube/config"), kubeconfig("    server: https://home:1\n", "    token: t\n"));
  EXPECT_EQ(resolveConfig(dir.file("a"), {{"KUBECONFIG", dir.file("b")}})->server, "https://a:1");
  EXPECT_EQ(resolveConfig("", {{"KUBECONFIG", "/nonexistent:" + dir.file("b")}})->server, "https://b:1");
  EXPECT_EQ(resolveConfig("", {{"HOME", dir.path()}})->server, "https://home:1");
  auto none = resolveConfig("", {{"KUBECONFIG", "/nonexistent"}});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().field, "KUBECONFIG");
}

}  // namespace
}  // namespace bulwark::kube
