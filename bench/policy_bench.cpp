// How long reading and validating a policy takes: the operator does it on every reconcile and the agent
// on every bundle, so it bounds how fast a changed policy can reach the data plane.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "core/policy/policy_encoder.h"
#include "core/policy/policy_loader.h"
#include "core/policy/yaml_documents.h"

namespace {

std::string fixture() {
  std::ifstream in(BULWARK_SOURCE_DIR "/tests/data/conformance/full-redis.yaml");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void BM_CheckPolicyJson(benchmark::State& state) {
  nlohmann::json doc = bulwark::policy::readYamlDocuments(fixture())[0].value;
  for (auto _ : state)
    benchmark::DoNotOptimize(bulwark::policy::checkPolicy(doc));
}
BENCHMARK(BM_CheckPolicyJson);

void BM_LoadPolicyYaml(benchmark::State& state) {
  std::string text = fixture();
  for (auto _ : state)
    benchmark::DoNotOptimize(bulwark::policy::loadPolicyText(text, "bench.yaml"));
}
BENCHMARK(BM_LoadPolicyYaml);

void BM_EncodePolicy(benchmark::State& state) {
  auto checked = bulwark::policy::checkPolicy(bulwark::policy::readYamlDocuments(fixture())[0].value);
  for (auto _ : state)
    benchmark::DoNotOptimize(bulwark::policy::encodePolicy(checked.policy).dump());
}
BENCHMARK(BM_EncodePolicy);

}  // namespace

BENCHMARK_MAIN();
