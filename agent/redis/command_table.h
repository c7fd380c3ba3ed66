#pragma once

// The Redis 7.0 command table: every command and subcommand redis-server 7.0 knows, with its arity,
// flags, ACL categories, key specs and Bulwark's classification. The data is generated from a real
// server by agent/redis/tools/gen_command_table.py (command_ids.inc, command_table_data.inc); a test
// regenerates it and fails when the committed copy differs. Lookups are case-insensitive and allocate
// nothing; unknown commands are not an error, they classify as Other and pass through.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace bulwark::redis {

enum class CommandId : std::uint16_t {
  Unknown = 0,
#include "agent/redis/command_ids.inc"
};

// COMMAND INFO flags.
namespace command_flag {
inline constexpr std::uint32_t kWrite = 1u << 0;
inline constexpr std::uint32_t kReadonly = 1u << 1;
inline constexpr std::uint32_t kDenyoom = 1u << 2;
inline constexpr std::uint32_t kAdmin = 1u << 3;
inline constexpr std::uint32_t kPubsub = 1u << 4;
inline constexpr std::uint32_t kNoscript = 1u << 5;
inline constexpr std::uint32_t kBlocking = 1u << 6;
inline constexpr std::uint32_t kLoading = 1u << 7;
inline constexpr std::uint32_t kStale = 1u << 8;
inline constexpr std::uint32_t kSkipMonitor = 1u << 9;
inline constexpr std::uint32_t kSkipSlowlog = 1u << 10;
inline constexpr std::uint32_t kAsking = 1u << 11;
inline constexpr std::uint32_t kFast = 1u << 12;
inline constexpr std::uint32_t kNoAuth = 1u << 13;
inline constexpr std::uint32_t kNoMandatoryKeys = 1u << 14;
inline constexpr std::uint32_t kNoMulti = 1u << 15;
inline constexpr std::uint32_t kMovablekeys = 1u << 16;
inline constexpr std::uint32_t kAllowBusy = 1u << 17;
inline constexpr std::uint32_t kNoAsyncLoading = 1u << 18;
}  // namespace command_flag

// ACL categories (@read, @write, ...).
namespace acl_category {
inline constexpr std::uint32_t kKeyspace = 1u << 0;
inline constexpr std::uint32_t kRead = 1u << 1;
inline constexpr std::uint32_t kWrite = 1u << 2;
inline constexpr std::uint32_t kSet = 1u << 3;
inline constexpr std::uint32_t kSortedset = 1u << 4;
inline constexpr std::uint32_t kList = 1u << 5;
inline constexpr std::uint32_t kHash = 1u << 6;
inline constexpr std::uint32_t kString = 1u << 7;
inline constexpr std::uint32_t kBitmap = 1u << 8;
inline constexpr std::uint32_t kHyperloglog = 1u << 9;
inline constexpr std::uint32_t kGeo = 1u << 10;
inline constexpr std::uint32_t kStream = 1u << 11;
inline constexpr std::uint32_t kPubsub = 1u << 12;
inline constexpr std::uint32_t kAdmin = 1u << 13;
inline constexpr std::uint32_t kFast = 1u << 14;
inline constexpr std::uint32_t kSlow = 1u << 15;
inline constexpr std::uint32_t kBlocking = 1u << 16;
inline constexpr std::uint32_t kDangerous = 1u << 17;
inline constexpr std::uint32_t kConnection = 1u << 18;
inline constexpr std::uint32_t kTransaction = 1u << 19;
inline constexpr std::uint32_t kScripting = 1u << 20;
}  // namespace acl_category

// Key-spec flags (RO, RW, OW, RM and the operations).
namespace key_flag {
inline constexpr std::uint16_t kRO = 1u << 0;
inline constexpr std::uint16_t kRW = 1u << 1;
inline constexpr std::uint16_t kOW = 1u << 2;
inline constexpr std::uint16_t kRM = 1u << 3;
inline constexpr std::uint16_t kAccess = 1u << 4;
inline constexpr std::uint16_t kUpdate = 1u << 5;
inline constexpr std::uint16_t kInsert = 1u << 6;
inline constexpr std::uint16_t kDelete = 1u << 7;
inline constexpr std::uint16_t kNotKey = 1u << 8;
inline constexpr std::uint16_t kIncomplete = 1u << 9;
inline constexpr std::uint16_t kVariableFlags = 1u << 10;
}  // namespace key_flag

// What a command does, as far as the policy's decision chain cares. A command can be several (BLPOP is
// Write and Blocking); CommandInfo::primary names the one that decides which limit applies, in the
// order Transaction, PubSub, Blocking, Admin, Write, Read, Other. EVAL, EVALSHA and FCALL count as
// Write (a script may write), their _RO forms as Read.
enum class CommandClass : std::uint8_t {
  Other = 0,
  Read = 1u << 0,
  Write = 1u << 1,
  Admin = 1u << 2,
  Blocking = 1u << 3,
  PubSub = 1u << 4,
  Transaction = 1u << 5,
  Scripting = 1u << 6,
};
using ClassMask = std::uint8_t;
constexpr bool hasClass(ClassMask mask, CommandClass c) {
  return (mask & static_cast<ClassMask>(c)) != 0;
}
std::string_view className(CommandClass c);

// Bulwark's own facts about a command, beyond what COMMAND INFO says.
namespace command_trait {
inline constexpr std::uint8_t kSubscribe =
    1u << 0;  // enters subscriber mode (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE)
inline constexpr std::uint8_t kUnsubscribe = 1u << 1;  // may leave it again
inline constexpr std::uint8_t kBlockOption = 1u
                                             << 2;   // blocks only with a BLOCK argument (XREAD, XREADGROUP)
inline constexpr std::uint8_t kContainer = 1u << 3;  // has subcommands (CLIENT, CONFIG, ...)
}  // namespace command_trait

struct KeySpec {
  enum class Begin : std::uint8_t { Unknown, Index, Keyword };
  enum class Find : std::uint8_t { Unknown, Range, Keynum };
  std::uint16_t flags;  // key_flag::
  Begin begin;
  std::int16_t index;        // Begin::Index: argument position of the search start
  std::string_view keyword;  // Begin::Keyword: upper case, matched case-insensitively
  std::int16_t startFrom;    // Begin::Keyword: where the search starts; negative counts from the end
  Find find;
  std::int16_t lastKey;    // Find::Range: relative to the first key; negative counts from the end
  std::int16_t keyStep;    // both kinds
  std::int16_t limit;      // Find::Range with lastKey -1: keys are 1/limit of the remaining arguments
  std::int16_t keyNumIdx;  // Find::Keynum: numkeys position relative to the search start
  std::int16_t firstKey;   // Find::Keynum: first key relative to the search start
};

struct CommandInfo {
  std::string_view name;  // lower case; "config|get" for a subcommand, as COMMAND INFO names it
  CommandId id;
  std::int16_t arity;   // as redis: N exact, -N at least N (the command name counts)
  std::uint32_t flags;  // command_flag::
  std::uint32_t acl;    // acl_category::
  ClassMask classes;
  CommandClass primary;
  std::uint8_t traits;    // command_trait::
  std::int16_t firstKey;  // the legacy (first, last, step) triple of COMMAND INFO
  std::int16_t lastKey;
  std::int16_t keyStep;
  std::uint16_t keySpecBegin;  // into keySpecs()
  std::uint16_t keySpecCount;
  std::uint16_t subBegin;  // subcommands: table positions [subBegin, subBegin + subCount)
  std::uint16_t subCount;
  std::uint16_t parent;    // table position of the container; 0 for a top-level command
  std::string_view group;  // COMMAND DOCS group: "string", "server", "sorted-set", ...

  bool isSubcommand() const { return parent != 0; }
  bool is(CommandClass c) const { return hasClass(classes, c); }
  std::span<const KeySpec> specs() const;
};

// The whole table; position 0 is the Unknown entry, and commandInfo(id) is position id.
std::span<const CommandInfo> commandTable();
std::span<const KeySpec> keySpecs();
const CommandInfo& commandInfo(CommandId id);
std::string_view redisVersionOfTable();  // the server version the table was generated from

// Case-insensitive lookups; nullptr when redis 7.0 has no such command.
const CommandInfo* findCommand(std::string_view name);
const CommandInfo* findSubcommand(const CommandInfo& container, std::string_view subcommand);

// The most specific entry for a command line: the subcommand's when args[0] is a container and args[1]
// one of its subcommands, otherwise the command's own (also for a container with an unknown or missing
// subcommand). nullptr for an unknown command.
const CommandInfo* resolveCommand(std::span<const std::string_view> args);

// One command as the decision chain sees it. `args` are the leading arguments the parser captured and
// `argc` the command's full argument count (it can be larger).
struct Classification {
  const CommandInfo* info = nullptr;  // nullptr: unknown command, passes through as Other
  ClassMask classes = 0;
  CommandClass primary = CommandClass::Other;
  bool blocking = false;      // may hold the connection: BLPOP & co, WAIT, XREAD/XREADGROUP ... BLOCK
  bool subscribes = false;    // enters subscriber mode
  bool unsubscribes = false;  // UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE
  bool transaction = false;   // MULTI, EXEC, DISCARD, WATCH, UNWATCH
  CommandId id() const { return info ? info->id : CommandId::Unknown; }
};
Classification classify(std::span<const std::string_view> args, std::size_t argc);

// Key positions of a command, as redis finds them (its key specs, plus what SORT and MIGRATE compute
// by hand). Positions index the full argument list; only captured arguments can be searched, so a key
// past them makes the result Incomplete.
struct KeyPositions {
  static constexpr std::size_t kCapacity = 16;
  std::array<std::uint32_t, kCapacity> positions{};
  std::size_t count = 0;
  std::span<const std::uint32_t> view() const { return {positions.data(), count}; }
};

enum class KeyStatus : std::uint8_t {
  Ok,          // every key position is in `positions` (possibly none)
  Incomplete,  // `positions` holds the leading keys; the rest lie past the captured arguments (or past
               // kCapacity), so the first position, when there is one, is the command's first key
  Invalid,     // the arguments do not fit the command's syntax (bad numkeys, too few arguments):
               // redis will reject the command itself
};

KeyStatus findKeys(const CommandInfo& info, std::span<const std::string_view> args, std::size_t argc,
                   KeyPositions& out);

// The first key's position, or 0 when it is unknown (no keys, or not among the captured arguments).
std::uint32_t firstKeyPosition(const CommandInfo& info, std::span<const std::string_view> args,
                               std::size_t argc);

}  // namespace bulwark::redis
