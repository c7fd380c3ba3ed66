#include "agent/redis/command_table.h"

#include <cstring>
#include <iterator>

namespace bulwark::redis {

namespace {

#define C(x) static_cast<ClassMask>(CommandClass::x)
#include "agent/redis/command_table_data.inc"
#undef C

constexpr std::size_t kCommandCount = std::size(kCommands);
static_assert(kCommandCount < 0xffff, "table positions are 16 bits");

consteval bool idsArePositions() {
  for (std::size_t i = 0; i < kCommandCount; ++i) {
    if (static_cast<std::size_t>(kCommands[i].id) != i) return false;
  }
  return true;
}
static_assert(idsArePositions(), "CommandId values must be table positions");

consteval std::size_t longestName() {
  std::size_t n = 0;
  for (const auto& c : kCommands)
    n = c.name.size() > n ? c.name.size() : n;
  return n;
}
constexpr std::size_t kLongestName = longestName();

constexpr unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

// FNV-1a over the lower-cased name: simple enough to run at compile time to build the table, and the
// subcommand key "parent|sub" can continue from the parent's hash without a buffer.
constexpr std::uint32_t kFnvOffset = 2166136261u;
constexpr std::uint32_t kFnvPrime = 16777619u;
constexpr std::uint32_t hashStep(std::uint32_t h, unsigned char c) {
  return (h ^ lower(c)) * kFnvPrime;
}
constexpr std::uint32_t hashOf(std::string_view s, std::uint32_t h = kFnvOffset) {
  for (char c : s)
    h = hashStep(h, static_cast<unsigned char>(c));
  return h;
}

// Open addressing, linear probing, at most a third full; slot value 0 is empty (position 0 is the
// Unknown entry, which is never looked up).
constexpr std::size_t kSlots = 2048;
static_assert(kSlots >= 3 * kCommandCount, "keep the hash table sparse");

struct HashTable {
  std::array<std::uint16_t, kSlots> slots{};
  std::size_t longestProbe = 0;
};

consteval HashTable buildHashTable() {
  HashTable t{};
  for (std::size_t i = 1; i < kCommandCount; ++i) {
    std::size_t s = hashOf(kCommands[i].name) & (kSlots - 1);
    std::size_t probe = 1;
    while (t.slots[s] != 0) {
      s = (s + 1) & (kSlots - 1);
      ++probe;
    }
    t.slots[s] = static_cast<std::uint16_t>(i);
    if (probe > t.longestProbe) t.longestProbe = probe;
  }
  return t;
}
constexpr HashTable kHash = buildHashTable();

bool equalsLower(std::string_view lowerName, const char* input, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (lower(static_cast<unsigned char>(input[i])) != static_cast<unsigned char>(lowerName[i])) return false;
  }
  return true;
}

bool equalsIgnoreCase(std::string_view a, std::string_view upperOrLower) {
  if (a.size() != upperOrLower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(upperOrLower[i]))) {
      return false;
    }
  }
  return true;
}

CommandClass primaryOf(ClassMask mask) {
  static constexpr CommandClass kOrder[] = {
      CommandClass::Transaction, CommandClass::PubSub, CommandClass::Blocking, CommandClass::Admin,
      CommandClass::Write,       CommandClass::Read,   CommandClass::Scripting};
  for (CommandClass c : kOrder) {
    if (hasClass(mask, c)) return c;
  }
  return CommandClass::Other;
}

// redis' string2ll for numkeys: optional '-', no leading zeros, no '+', no spaces.
bool parseInteger(std::string_view s, long long& out) {
  if (s.empty() || s.size() > 20) return false;
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (s.size() == 1) return false;
    i = 1;
  }
  if (s[i] == '0') {
    if (s.size() != i + 1 || negative) return false;
    out = 0;
    return true;
  }
  unsigned long long v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = static_cast<unsigned>(s[i] - '0');
    if (v > (~0ull - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > 9223372036854775808ull) return false;
    out = v == 9223372036854775808ull ? (-9223372036854775807ll - 1) : -static_cast<long long>(v);
  } else {
    if (v > 9223372036854775807ull) return false;
    out = static_cast<long long>(v);
  }
  return true;
}

// Adds a key position; false when `out` is full.
bool addKey(KeyPositions& out, long long position) {
  if (out.count == KeyPositions::kCapacity) return false;
  out.positions[out.count++] = static_cast<std::uint32_t>(position);
  return true;
}

// SORT and SORT_RO: the sorted key, and for SORT the last STORE target (redis' sortGetKeys, which
// skips the arguments of LIMIT, GET and BY).
KeyStatus sortKeys(bool withStore, std::span<const std::string_view> args, long long argc,
                   KeyPositions& out) {
  if (argc < 2) return KeyStatus::Invalid;
  if (args.size() < 2) return KeyStatus::Incomplete;
  addKey(out, 1);
  if (!withStore) return KeyStatus::Ok;
  long long store = 0;
  for (long long i = 2; i < argc; ++i) {
    if (i >= static_cast<long long>(args.size())) return KeyStatus::Incomplete;
    std::string_view a = args[static_cast<std::size_t>(i)];
    if (equalsIgnoreCase(a, "limit")) {
      i += 2;
    } else if (equalsIgnoreCase(a, "store") && i + 1 < argc) {
      store = i + 1;
    } else if (equalsIgnoreCase(a, "get") || equalsIgnoreCase(a, "by")) {
      i += 1;
    }
  }
  if (store) addKey(out, store);
  return KeyStatus::Ok;
}

// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS key...]
// (redis' migrateGetKeys).
KeyStatus migrateKeys(std::span<const std::string_view> args, long long argc, KeyPositions& out) {
  if (argc < 6) return KeyStatus::Invalid;
  long long first = 3;
  long long num = 1;
  const auto captured = static_cast<long long>(args.size());
  for (long long i = 6; i < argc; ++i) {
    if (i >= captured) return KeyStatus::Incomplete;
    std::string_view a = args[static_cast<std::size_t>(i)];
    if (equalsIgnoreCase(a, "auth")) {
      i += 1;
    } else if (equalsIgnoreCase(a, "auth2")) {
      i += 2;
    } else if (equalsIgnoreCase(a, "keys")) {
      if (captured <= 3) return KeyStatus::Incomplete;
      if (!args[3].empty()) return KeyStatus::Invalid;
      first = i + 1;
      num = argc - first;
      break;
    }
  }
  for (long long k = first; k < first + num; ++k) {
    if (k >= captured || !addKey(out, k)) return KeyStatus::Incomplete;
  }
  return KeyStatus::Ok;
}

}  // namespace

std::string_view className(CommandClass c) {
  switch (c) {
    case CommandClass::Other:
      return "other";
    case CommandClass::Read:
      return "read";
    case CommandClass::Write:
      return "write";
    case CommandClass::Admin:
      return "admin";
    case CommandClass::Blocking:
      return "blocking";
    case CommandClass::PubSub:
      return "pubsub";
    case CommandClass::Transaction:
      return "transaction";
    case CommandClass::Scripting:
      return "scripting";
  }
  return "other";
}

std::span<const KeySpec> CommandInfo::specs() const {
  return keySpecs().subspan(keySpecBegin, keySpecCount);
}

std::span<const CommandInfo> commandTable() {
  return {kCommands, kCommandCount};
}
std::span<const KeySpec> keySpecs() {
  return {kKeySpecs, std::size(kKeySpecs)};
}
std::string_view redisVersionOfTable() {
  return kTableRedisVersion;
}

const CommandInfo& commandInfo(CommandId id) {
  auto i = static_cast<std::size_t>(id);
  return i < kCommandCount ? kCommands[i] : kCommands[0];
}

const CommandInfo* findCommand(std::string_view name) {
  const std::size_t n = name.size();
  if (n == 0 || n > kLongestName) return nullptr;
  std::uint32_t h = hashOf(name);
  for (std::size_t s = h & (kSlots - 1);; s = (s + 1) & (kSlots - 1)) {
    std::uint16_t i = kHash.slots[s];
    if (i == 0) return nullptr;
    const CommandInfo& c = kCommands[i];
    if (c.parent == 0 && c.name.size() == n && equalsLower(c.name, name.data(), n)) return &c;
  }
}

const CommandInfo* findSubcommand(const CommandInfo& container, std::string_view subcommand) {
  if (container.subCount == 0) return nullptr;
  const std::size_t prefix = container.name.size() + 1;
  const std::size_t n = prefix + subcommand.size();
  if (subcommand.empty() || n > kLongestName) return nullptr;
  std::uint32_t h = hashOf(subcommand, hashStep(hashOf(container.name), '|'));
  const auto parent = static_cast<std::uint16_t>(container.id);
  for (std::size_t s = h & (kSlots - 1);; s = (s + 1) & (kSlots - 1)) {
    std::uint16_t i = kHash.slots[s];
    if (i == 0) return nullptr;
    const CommandInfo& c = kCommands[i];
    if (c.parent == parent && c.name.size() == n &&
        equalsLower(c.name.substr(prefix), subcommand.data(), subcommand.size())) {
      return &c;
    }
  }
}

const CommandInfo* resolveCommand(std::span<const std::string_view> args) {
  if (args.empty()) return nullptr;
  const CommandInfo* c = findCommand(args[0]);
  if (c && c->subCount != 0 && args.size() > 1) {
    if (const CommandInfo* sub = findSubcommand(*c, args[1])) return sub;
  }
  return c;
}

namespace {

// XREAD [COUNT n] [BLOCK ms] STREAMS ...; XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS ...
// Without the options in the captured arguments the command is assumed to block: the bulkhead would
// rather count a read as blocking than let blocking calls pass as reads.
bool hasBlockArgument(std::span<const std::string_view> args, std::size_t argc) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (equalsIgnoreCase(a, "block")) return true;
    if (equalsIgnoreCase(a, "streams")) return false;
    if (equalsIgnoreCase(a, "count")) {
      i += 1;
    } else if (equalsIgnoreCase(a, "group")) {
      i += 2;
    }
  }
  return args.size() < argc;
}

}  // namespace

Classification classify(std::span<const std::string_view> args, std::size_t argc) {
  Classification c;
  const CommandInfo* info = resolveCommand(args);
  if (info == nullptr) return c;
  c.info = info;
  c.classes = info->classes;
  c.primary = info->primary;
  if ((info->traits & command_trait::kBlockOption) && !hasBlockArgument(args, argc)) {
    c.classes = static_cast<ClassMask>(c.classes & ~static_cast<ClassMask>(CommandClass::Blocking));
    c.primary = primaryOf(c.classes);
  }
  c.blocking = hasClass(c.classes, CommandClass::Blocking);
  c.subscribes = (info->traits & command_trait::kSubscribe) != 0;
  c.unsubscribes = (info->traits & command_trait::kUnsubscribe) != 0;
  c.transaction = hasClass(c.classes, CommandClass::Transaction);
  return c;
}

KeyStatus findKeys(const CommandInfo& info, std::span<const std::string_view> args, std::size_t argcSize,
                   KeyPositions& out) {
  out.count = 0;
  const auto argc = static_cast<long long>(argcSize);
  const auto captured = static_cast<long long>(args.size() < argcSize ? args.size() : argcSize);
  args = args.first(static_cast<std::size_t>(captured));
  switch (info.id) {
    case CommandId::Sort:
      return sortKeys(true, args, argc, out);
    case CommandId::SortRo:
      return sortKeys(false, args, argc, out);
    case CommandId::Migrate:
      return migrateKeys(args, argc, out);
    default:
      break;
  }

  // redis' getKeysUsingKeySpecs, over the captured arguments only. Keys come in spec order, so on the
  // first position that is not captured the search stops: what was found is a prefix of the keys.
  for (const KeySpec& spec : info.specs()) {
    if (spec.flags & key_flag::kNotKey) continue;
    if (spec.begin == KeySpec::Begin::Unknown || spec.find == KeySpec::Find::Unknown) continue;
    long long first = 0;
    if (spec.begin == KeySpec::Begin::Index) {
      first = spec.index;
    } else {
      const long long start = spec.startFrom > 0 ? spec.startFrom : argc + spec.startFrom;
      const long long end = spec.startFrom > 0 ? argc - 1 : 1;
      bool unknown = false;
      for (long long i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (i >= captured) {
          unknown = true;
          break;
        }
        if (equalsIgnoreCase(args[static_cast<std::size_t>(i)], spec.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (unknown) return KeyStatus::Incomplete;
      if (first == 0) continue;  // the keyword is not there: this form has no such keys
    }

    long long last = 0;
    long long step = spec.keyStep > 0 ? spec.keyStep : 1;
    if (spec.find == KeySpec::Find::Range) {
      if (spec.lastKey >= 0) {
        last = first + spec.lastKey;
      } else if (spec.limit == 0) {
        last = argc + spec.lastKey;
      } else {
        last = first + ((argc - first) / spec.limit + spec.lastKey);
      }
    } else {
      const long long numkeysAt = first + spec.keyNumIdx;
      if (numkeysAt >= argc) return KeyStatus::Invalid;
      if (numkeysAt >= captured) return KeyStatus::Incomplete;
      long long numkeys = 0;
      if (!parseInteger(args[static_cast<std::size_t>(numkeysAt)], numkeys) || numkeys < 0) {
        return KeyStatus::Invalid;
      }
      first += spec.firstKey;
      if (numkeys == 0) continue;  // EVAL with no keys, FCALL with none
      if (numkeys > argc) return KeyStatus::Invalid;
      last = first + numkeys - 1;
    }
    if (last >= argc || last < first || first >= argc) return KeyStatus::Invalid;
    for (long long i = first; i <= last; i += step) {
      if (i >= captured || !addKey(out, i)) return KeyStatus::Incomplete;
    }
  }
  return KeyStatus::Ok;
}

std::uint32_t firstKeyPosition(const CommandInfo& info, std::span<const std::string_view> args,
                               std::size_t argc) {
  KeyPositions keys;
  if (findKeys(info, args, argc, keys) == KeyStatus::Invalid || keys.count == 0) return 0;
  return keys.positions[0];
}

}  // namespace bulwark::redis
