#include "agent/redis/command_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bulwark::redis {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    std::string_view word = line.substr(i, j - i);
    out.push_back(word == "\"\"" ? std::string_view() : word);
    i = j + 1;
  }
  return out;
}

struct Keys {
  KeyStatus status;
  std::vector<std::uint32_t> positions;
};

Keys keysOf(std::string_view line, std::size_t captured = 1000) {
  auto args = split(line);
  const CommandInfo* info = resolveCommand(args);
  EXPECT_NE(info, nullptr) << line;
  if (info == nullptr) return {KeyStatus::Invalid, {}};
  KeyPositions out;
  const std::size_t argc = args.size();
  std::span<const std::string_view> view(args.data(), std::min(captured, args.size()));
  KeyStatus status = findKeys(*info, view, argc, out);
  return {status, {out.view().begin(), out.view().end()}};
}

TEST(CommandTableTest, HoldsEveryRedis70Command) {
  EXPECT_EQ(redisVersionOfTable().substr(0, 4), "7.0.");
  std::size_t top = 0;
  std::size_t subs = 0;
  for (std::size_t i = 1; i < commandTable().size(); ++i) {
    const CommandInfo& c = commandTable()[i];
    EXPECT_EQ(static_cast<std::size_t>(c.id), i);
    EXPECT_EQ(&commandInfo(c.id), &c);
    (c.isSubcommand() ? subs : top) += 1;
  }
  EXPECT_EQ(top, 240u);  // COMMAND COUNT of redis-server 7.0.15
  EXPECT_EQ(subs, 126u);
  EXPECT_EQ(commandTable()[0].id, CommandId::Unknown);
  for (const char* container :
       {"client", "config", "xinfo", "function", "object", "memory", "script", "cluster", "acl", "command",
        "module", "slowlog", "latency", "pubsub", "xgroup"}) {
    const CommandInfo* c = findCommand(container);
    ASSERT_NE(c, nullptr) << container;
    EXPECT_GT(c->subCount, 0u) << container;
    EXPECT_TRUE(c->traits & command_trait::kContainer);
  }
}

TEST(CommandTableTest, FindsEveryCommandByNameInAnyCase) {
  for (const CommandInfo& c : commandTable().subspan(1)) {
    if (c.isSubcommand()) {
      const CommandInfo& parent = commandTable()[c.parent];
      std::string sub(c.name.substr(parent.name.size() + 1));
      EXPECT_EQ(findSubcommand(parent, sub), &c) << c.name;
      for (char& ch : sub)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      EXPECT_EQ(findSubcommand(parent, sub), &c) << c.name;
      EXPECT_EQ(findCommand(c.name), nullptr) << "a subcommand is not a command: " << c.name;
    } else {
      EXPECT_EQ(findCommand(c.name), &c) << c.name;
      std::string upper(c.name);
      for (char& ch : upper)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      EXPECT_EQ(findCommand(upper), &c) << c.name;
    }
  }
  EXPECT_EQ(findCommand("gEt")->id, CommandId::Get);
  EXPECT_EQ(findCommand("FOO"), nullptr);
  EXPECT_EQ(findCommand(""), nullptr);
  EXPECT_EQ(findCommand(std::string(1000, 'a')), nullptr);
  EXPECT_EQ(findCommand(std::string_view("get\0", 4)), nullptr);
  EXPECT_EQ(findSubcommand(*findCommand("get"), "x"), nullptr);
  EXPECT_EQ(findSubcommand(*findCommand("config"), "nope"), nullptr);
  EXPECT_EQ(findSubcommand(*findCommand("config"), ""), nullptr);
}

TEST(CommandTableTest, ResolvesSubcommands) {
  auto resolve = [](std::string_view line) {
    auto args = split(line);
    const CommandInfo* c = resolveCommand(args);
    return c ? c->id : CommandId::Unknown;
  };
  EXPECT_EQ(resolve("CONFIG GET maxmemory"), CommandId::ConfigGet);
  EXPECT_EQ(resolve("client kill ID 5"), CommandId::ClientKill);
  EXPECT_EQ(resolve("CLIENT NOPE"), CommandId::Client);
  EXPECT_EQ(resolve("CLIENT"), CommandId::Client);
  EXPECT_EQ(resolve("XINFO STREAM s"), CommandId::XinfoStream);
  EXPECT_EQ(resolve("OBJECT ENCODING k"), CommandId::ObjectEncoding);
  EXPECT_EQ(resolve("get k"), CommandId::Get);
  EXPECT_EQ(resolve("get config"), CommandId::Get);
  EXPECT_EQ(resolve("NOSUCH x"), CommandId::Unknown);
  EXPECT_EQ(resolveCommand({}), nullptr);
}

TEST(CommandTableTest, KnowsArityFlagsAndGroups) {
  const CommandInfo& get = commandInfo(CommandId::Get);
  EXPECT_EQ(get.name, "get");
  EXPECT_EQ(get.arity, 2);
  EXPECT_TRUE(get.flags & command_flag::kReadonly);
  EXPECT_TRUE(get.flags & command_flag::kFast);
  EXPECT_TRUE(get.acl & acl_category::kString);
  EXPECT_EQ(get.group, "string");
  EXPECT_EQ(get.firstKey, 1);
  const CommandInfo& set = commandInfo(CommandId::Set);
  EXPECT_EQ(set.arity, -3);
  EXPECT_TRUE(set.flags & command_flag::kDenyoom);
  EXPECT_EQ(commandInfo(CommandId::ConfigGet).group, "server");
  EXPECT_EQ(commandInfo(CommandId::ConfigGet).parent, static_cast<std::uint16_t>(CommandId::Config));
  EXPECT_EQ(commandInfo(CommandId::Zadd).group, "sorted-set");
  EXPECT_EQ(commandInfo(static_cast<CommandId>(60000)).id, CommandId::Unknown);
}

TEST(CommandTableTest, ClassifiesCommandsForTheDecisionChain) {
  struct Case {
    const char* line;
    CommandClass primary;
    std::vector<CommandClass> classes;
    bool blocking = false;
  };
  using C = CommandClass;
  const std::vector<Case> cases = {
      {"GET k", C::Read, {C::Read}},
      {"SET k v", C::Write, {C::Write}},
      {"BLPOP a b 0", C::Blocking, {C::Write, C::Blocking}, true},
      {"BRPOP a 0", C::Blocking, {C::Write, C::Blocking}, true},
      {"BLMOVE a b LEFT RIGHT 0", C::Blocking, {C::Write, C::Blocking}, true},
      {"BZPOPMIN z 0", C::Blocking, {C::Write, C::Blocking}, true},
      {"BZPOPMAX z 0", C::Blocking, {C::Write, C::Blocking}, true},
      {"BLMPOP 0 1 a LEFT", C::Blocking, {C::Write, C::Blocking}, true},
      {"BZMPOP 0 1 a MIN", C::Blocking, {C::Write, C::Blocking}, true},
      {"BRPOPLPUSH a b 0", C::Blocking, {C::Write, C::Blocking}, true},
      {"WAIT 1 100", C::Blocking, {C::Blocking}, true},
      {"XREAD COUNT 1 STREAMS s 0", C::Read, {C::Read}},
      {"XREAD COUNT 1 BLOCK 100 STREAMS s $", C::Blocking, {C::Read, C::Blocking}, true},
      {"xread block 0 streams s $", C::Blocking, {C::Read, C::Blocking}, true},
      {"XREAD STREAMS block 0", C::Read, {C::Read}},  // a stream named "block"
      {"XREADGROUP GROUP g c STREAMS s >", C::Write, {C::Write}},
      {"XREADGROUP GROUP block c BLOCK 10 NOACK STREAMS s >", C::Blocking, {C::Write, C::Blocking}, true},
      {"CLIENT KILL ID 1", C::Admin, {C::Admin}},
      {"CONFIG GET maxmemory", C::Admin, {C::Admin}},
      {"CONFIG SET maxmemory 1", C::Admin, {C::Admin}},
      {"FLUSHALL", C::Write, {C::Write}},
      {"SUBSCRIBE a b", C::PubSub, {C::PubSub}},
      {"PUBLISH a m", C::PubSub, {C::PubSub}},
      {"MULTI", C::Transaction, {C::Transaction}},
      {"EXEC", C::Transaction, {C::Transaction}},
      {"DISCARD", C::Transaction, {C::Transaction}},
      {"WATCH a", C::Transaction, {C::Transaction}},
      {"UNWATCH", C::Transaction, {C::Transaction}},
      {"EVAL s 0", C::Write, {C::Write, C::Scripting}},
      {"EVALSHA s 0", C::Write, {C::Write, C::Scripting}},
      {"FCALL f 0", C::Write, {C::Write, C::Scripting}},
      {"EVAL_RO s 0", C::Read, {C::Read, C::Scripting}},
      {"FCALL_RO f 0", C::Read, {C::Read, C::Scripting}},
      {"SCRIPT LOAD s", C::Scripting, {C::Scripting}},
      {"PING", C::Other, {}},
      {"HELLO 3", C::Other, {}},
      {"CLIENT", C::Other, {}},
  };
  for (const Case& c : cases) {
    auto args = split(c.line);
    Classification k = classify(args, args.size());
    ASSERT_NE(k.info, nullptr) << c.line;
    EXPECT_EQ(k.primary, c.primary) << c.line << ": " << className(k.primary);
    ClassMask expected = 0;
    for (CommandClass cc : c.classes)
      expected |= static_cast<ClassMask>(cc);
    EXPECT_EQ(k.classes, expected) << c.line;
    EXPECT_EQ(k.blocking, c.blocking) << c.line;
  }
  auto line = split("SUBSCRIBE a");
  EXPECT_TRUE(classify(line, 2).subscribes);
  for (const char* s : {"PSUBSCRIBE p*", "SSUBSCRIBE s"}) {
    auto a = split(s);
    EXPECT_TRUE(classify(a, 2).subscribes) << s;
  }
  for (const char* s : {"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"}) {
    auto a = split(s);
    Classification k = classify(a, 1);
    EXPECT_TRUE(k.unsubscribes) << s;
    EXPECT_FALSE(k.subscribes) << s;
  }
  auto multi = split("MULTI");
  EXPECT_TRUE(classify(multi, 1).transaction);
  auto unknown = split("NOSUCHCOMMAND a b");
  Classification u = classify(unknown, 3);
  EXPECT_EQ(u.info, nullptr);
  EXPECT_EQ(u.primary, CommandClass::Other);
  EXPECT_EQ(u.id(), CommandId::Unknown);
  EXPECT_EQ(classify({}, 0).info, nullptr);

  // XREAD whose options were not captured may block: the bulkhead counts it.
  auto partial = split("XREAD COUNT");
  EXPECT_TRUE(classify(partial, 7).blocking);
}

TEST(CommandTableTest, FindsKeysAsRedisDoes) {
  EXPECT_THAT(keysOf("GET k").positions, ElementsAre(1u));
  EXPECT_THAT(keysOf("SET k v EX 10").positions, ElementsAre(1u));
  EXPECT_THAT(keysOf("MSET a 1 b 2 c 3").positions, ElementsAre(1u, 3u, 5u));
  EXPECT_THAT(keysOf("MGET a b c").positions, ElementsAre(1u, 2u, 3u));
  EXPECT_THAT(keysOf("DEL a b").positions, ElementsAre(1u, 2u));
  EXPECT_THAT(keysOf("EVAL script 2 k1 k2 arg").positions, ElementsAre(3u, 4u));
  EXPECT_THAT(keysOf("EVALSHA sha 1 k1 arg").positions, ElementsAre(3u));
  EXPECT_THAT(keysOf("FCALL f 1 k1").positions, ElementsAre(3u));
  EXPECT_EQ(keysOf("EVAL s 0").status, KeyStatus::Ok);
  EXPECT_THAT(keysOf("EVAL s 0").positions, IsEmpty());
  EXPECT_EQ(keysOf("EVAL s x k").status, KeyStatus::Invalid);
  EXPECT_EQ(keysOf("EVAL s -1 k").status, KeyStatus::Invalid);
  EXPECT_EQ(keysOf("EVAL s 3 k").status, KeyStatus::Invalid);
  EXPECT_THAT(keysOf("XREAD COUNT 2 STREAMS s1 s2 0 0").positions, ElementsAre(4u, 5u));
  EXPECT_THAT(keysOf("XREAD BLOCK 0 STREAMS s $").positions, ElementsAre(4u));
  EXPECT_THAT(keysOf("XREADGROUP GROUP g c STREAMS s1 >").positions, ElementsAre(5u));
  EXPECT_THAT(keysOf("ZUNIONSTORE dest 2 a b WEIGHTS 1 2").positions, ElementsAre(1u, 3u, 4u));
  EXPECT_THAT(keysOf("ZUNION 2 a b").positions, ElementsAre(2u, 3u));
  EXPECT_THAT(keysOf("BLPOP a b 0").positions, ElementsAre(1u, 2u));
  EXPECT_THAT(keysOf("BLMPOP 0 2 a b LEFT").positions, ElementsAre(3u, 4u));
  EXPECT_THAT(keysOf("LMOVE a b LEFT RIGHT").positions, ElementsAre(1u, 2u));
  EXPECT_THAT(keysOf("BITOP AND dest a b").positions, ElementsAre(2u, 3u, 4u));
  EXPECT_THAT(keysOf("OBJECT ENCODING k").positions, ElementsAre(2u));
  EXPECT_THAT(keysOf("XINFO STREAM s").positions, ElementsAre(2u));
  EXPECT_THAT(keysOf("MEMORY USAGE k").positions, ElementsAre(2u));
  EXPECT_THAT(keysOf("XGROUP CREATE s g $").positions, ElementsAre(2u));
  EXPECT_THAT(keysOf("SORT k BY w GET # STORE dst").positions, ElementsAre(1u, 7u));
  EXPECT_THAT(keysOf("SORT k LIMIT 0 1 STORE d STORE e").positions, ElementsAre(1u, 8u));
  EXPECT_THAT(keysOf("SORT_RO k BY w").positions, ElementsAre(1u));
  EXPECT_THAT(keysOf("MIGRATE h 6379 k 0 5000").positions, ElementsAre(3u));
  EXPECT_THAT(keysOf("MIGRATE h 6379 \"\" 0 5000 COPY AUTH pw KEYS a b").positions, ElementsAre(10u, 11u));
  EXPECT_EQ(keysOf("MIGRATE h 6379 k 0 5000 KEYS a").status, KeyStatus::Invalid);
  EXPECT_THAT(keysOf("GEORADIUS k 0 0 1 km STORE d").positions, ElementsAre(1u, 7u));
  EXPECT_THAT(keysOf("WATCH a b").positions, ElementsAre(1u, 2u));
  EXPECT_THAT(keysOf("RENAME a b").positions, ElementsAre(1u, 2u));
  for (const char* none : {"CLIENT KILL ID 1", "CONFIG GET maxmemory", "SUBSCRIBE a b", "MULTI", "PING",
                           "SPUBLISH ch m", "PUBLISH ch m"}) {
    Keys k = keysOf(none);
    EXPECT_EQ(k.status, KeyStatus::Ok) << none;
    EXPECT_THAT(k.positions, IsEmpty()) << none;
  }
}

TEST(CommandTableTest, FindsOnlyTheKeysAmongTheCapturedArguments) {
  // MSET with 8 of its 201 arguments captured: the first four keys, and more to come.
  std::string line = "MSET";
  for (int i = 0; i < 100; ++i)
    line += " k" + std::to_string(i) + " v";
  Keys k = keysOf(line, 8);
  EXPECT_EQ(k.status, KeyStatus::Incomplete);
  EXPECT_THAT(k.positions, ElementsAre(1u, 3u, 5u, 7u));
  auto args = split(line);
  EXPECT_EQ(firstKeyPosition(*findCommand("mset"), std::span(args.data(), 8), args.size()), 1u);

  // All captured, but more keys than KeyPositions holds.
  std::string del = "DEL";
  for (int i = 0; i < 20; ++i)
    del += " k" + std::to_string(i);
  Keys d = keysOf(del);
  EXPECT_EQ(d.status, KeyStatus::Incomplete);
  EXPECT_EQ(d.positions.size(), KeyPositions::kCapacity);

  // The STREAMS keyword not among the captured arguments: the keys are unknown.
  EXPECT_EQ(keysOf("XREAD COUNT 1 BLOCK 0 STREAMS a b", 4).status, KeyStatus::Incomplete);
  EXPECT_THAT(keysOf("XREAD COUNT 1 BLOCK 0 STREAMS a b", 4).positions, IsEmpty());
  // numkeys not captured.
  EXPECT_EQ(keysOf("EVAL s 1 k", 2).status, KeyStatus::Incomplete);
  EXPECT_EQ(keysOf("ZUNIONSTORE d 2 a b", 2).status, KeyStatus::Incomplete);
  EXPECT_THAT(keysOf("ZUNIONSTORE d 2 a b", 2).positions, ElementsAre(1u));
  EXPECT_EQ(keysOf("SORT k STORE d", 3).status, KeyStatus::Incomplete);
  EXPECT_EQ(keysOf("MIGRATE h p \"\" 0 5 KEYS a", 6).status, KeyStatus::Incomplete);
  auto eval = split("EVAL s 1 k");
  EXPECT_EQ(firstKeyPosition(*findCommand("eval"), std::span(eval.data(), 2), 4), 0u);
  EXPECT_EQ(firstKeyPosition(*findCommand("eval"), eval, 4), 3u);
}

TEST(CommandTableTest, NamesEachClass) {
  EXPECT_EQ(className(CommandClass::Other), "other");
  EXPECT_EQ(className(CommandClass::Read), "read");
  EXPECT_EQ(className(CommandClass::Write), "write");
  EXPECT_EQ(className(CommandClass::Admin), "admin");
  EXPECT_EQ(className(CommandClass::Blocking), "blocking");
  EXPECT_EQ(className(CommandClass::PubSub), "pubsub");
  EXPECT_EQ(className(CommandClass::Transaction), "transaction");
  EXPECT_EQ(className(CommandClass::Scripting), "scripting");
}

}  // namespace
}  // namespace bulwark::redis
