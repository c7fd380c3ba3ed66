// What the Redis protocol library costs the proxy per command: parsing a request up to its header,
// scanning a reply, finding and classifying the command and its key. Items are commands or replies,
// so ns/item is the number to quote.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "agent/redis/command_table.h"
#include "agent/redis/resp_reply_parser.h"
#include "agent/redis/resp_request_parser.h"

namespace {

using namespace bulwark::redis;

std::string multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args)
    out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += s;
  return out;
}

// Feeds `input` until it is consumed; every command counts as an item.
void parseRequests(benchmark::State& state, const std::string& input, int commandsPerInput) {
  RespRequestParser parser;
  for (auto _ : state) {
    std::size_t off = 0;
    while (off < input.size()) {
      RequestResult r = parser.feed(input.data() + off, input.size() - off);
      benchmark::DoNotOptimize(parser.args().data());
      off += r.consumed;
    }
  }
  state.SetItemsProcessed(state.iterations() * commandsPerInput);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
}

void BM_RequestGet(benchmark::State& state) {
  parseRequests(state, multibulk({"GET", "user:1000:profile"}), 1);
}
BENCHMARK(BM_RequestGet);

void BM_RequestSet(benchmark::State& state) {
  parseRequests(state, multibulk({"SET", "user:1000:profile", std::string(64, 'v')}), 1);
}
BENCHMARK(BM_RequestSet);

void BM_RequestGetPipelined16(benchmark::State& state) {
  parseRequests(state, repeat(multibulk({"GET", "user:1000:profile"}), 16), 16);
}
BENCHMARK(BM_RequestGetPipelined16);

void BM_RequestSetPipelined16(benchmark::State& state) {
  parseRequests(state, repeat(multibulk({"SET", "user:1000:profile", std::string(64, 'v')}), 16), 16);
}
BENCHMARK(BM_RequestSetPipelined16);

void BM_RequestInlinePing(benchmark::State& state) {
  parseRequests(state, "PING\r\n", 1);
}
BENCHMARK(BM_RequestInlinePing);

// A 1 MiB value in 16 KiB reads: the header is parsed, the body only counted.
void BM_RequestStreamedValue(benchmark::State& state) {
  const std::string input = multibulk({"SET", "big", std::string(1 << 20, 'v')});
  RespRequestParser parser;
  for (auto _ : state) {
    for (std::size_t off = 0; off < input.size();) {
      const std::size_t n = std::min<std::size_t>(16384, input.size() - off);
      std::size_t used = 0;
      while (used < n)
        used += parser.feed(input.data() + off + used, n - used).consumed;
      off += n;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
}
BENCHMARK(BM_RequestStreamedValue);

void scanReplies(benchmark::State& state, const std::string& input, int repliesPerInput) {
  RespReplyParser parser;
  for (auto _ : state) {
    std::size_t off = 0;
    while (off < input.size()) {
      ReplyResult r = parser.feed(input.data() + off, input.size() - off);
      benchmark::DoNotOptimize(parser.frame().value.type);
      off += r.consumed;
    }
  }
  state.SetItemsProcessed(state.iterations() * repliesPerInput);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
}

void BM_ReplyOk(benchmark::State& state) {
  scanReplies(state, "+OK\r\n", 1);
}
BENCHMARK(BM_ReplyOk);

void BM_ReplyBulk64(benchmark::State& state) {
  scanReplies(state, "$64\r\n" + std::string(64, 'v') + "\r\n", 1);
}
BENCHMARK(BM_ReplyBulk64);

void BM_ReplyBulkPipelined16(benchmark::State& state) {
  scanReplies(state, repeat("$64\r\n" + std::string(64, 'v') + "\r\n", 16), 16);
}
BENCHMARK(BM_ReplyBulkPipelined16);

void BM_ReplyPubSubMessage(benchmark::State& state) {
  scanReplies(state, "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$32\r\n" + std::string(32, 'm') + "\r\n", 1);
}
BENCHMARK(BM_ReplyPubSubMessage);

void BM_ReplyResp3Map(benchmark::State& state) {
  scanReplies(state, "%3\r\n+server\r\n+redis\r\n+version\r\n+7.0.15\r\n+proto\r\n:3\r\n", 1);
}
BENCHMARK(BM_ReplyResp3Map);

void BM_LookupGet(benchmark::State& state) {
  const std::string name = "GET";
  for (auto _ : state)
    benchmark::DoNotOptimize(findCommand(name));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LookupGet);

void BM_LookupLongName(benchmark::State& state) {
  const std::string name = "zRangeByScore";
  for (auto _ : state)
    benchmark::DoNotOptimize(findCommand(name));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LookupLongName);

void BM_LookupUnknown(benchmark::State& state) {
  const std::string name = "NOSUCHCMD";
  for (auto _ : state)
    benchmark::DoNotOptimize(findCommand(name));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LookupUnknown);

void BM_ResolveSubcommand(benchmark::State& state) {
  const std::vector<std::string_view> args = {"CONFIG", "GET", "maxmemory"};
  for (auto _ : state)
    benchmark::DoNotOptimize(resolveCommand(args));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResolveSubcommand);

// What the proxy does per command after parsing: classify it and find its first key.
void BM_ClassifyAndFirstKey(benchmark::State& state) {
  const std::vector<std::string_view> args = {"SET", "user:1000:profile", "value", "EX", "60"};
  for (auto _ : state) {
    Classification c = classify(args, args.size());
    benchmark::DoNotOptimize(c);
    benchmark::DoNotOptimize(firstKeyPosition(*c.info, args, args.size()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifyAndFirstKey);

}  // namespace

BENCHMARK_MAIN();
