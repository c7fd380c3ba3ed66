#include "core/policy/policy_validator.h"

#include <arpa/inet.h>

#include <cmath>
#include <cstdio>
#include <regex>
#include <set>

#include "core/policy/duration.h"
#include "core/policy/quantity.h"

namespace bulwark::policy {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kMaxRate = 1e9;
constexpr int64_t kMaxCount = 1'000'000'000;

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  // Shortest form that reads back the same.
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

const std::regex& re(const char* pattern) {
  // One compiled regex per pattern literal; the validator is not on a hot path.
  static thread_local std::vector<std::pair<const char*, std::regex>> cache;
  for (auto& [p, r] : cache) {
    if (p == pattern) return r;
  }
  cache.emplace_back(pattern, std::regex(pattern, std::regex::ECMAScript));
  return cache.back().second;
}

constexpr const char* kNamePattern = "^[a-z]([-a-z0-9]*[a-z0-9])?$";
constexpr const char* kDnsLabelPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
constexpr const char* kHostPattern = "^[A-Za-z0-9:]([-A-Za-z0-9.:]*[A-Za-z0-9])?$";
constexpr const char* kLabelValuePattern = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
constexpr const char* kLabelNamePattern = "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$";
constexpr const char* kDnsSubdomainPattern =
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
constexpr const char* kCommandPattern = "^[A-Za-z][A-Za-z0-9_.-]*(\\|[A-Za-z][A-Za-z0-9_.-]*)?$";
constexpr const char* kCidrPattern =
    "^([0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/[0-9]{1,3})$";
constexpr const char* kSubjectPattern = "^((\\*|[^.*>\\s]+)\\.)*(\\*|>|[^.*>\\s]+)$";

// Characters, not bytes: the CRD's maxLength counts Unicode code points.
size_t codePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

class Validator {
 public:
  explicit Validator(const ValidationOptions& options) : options_(options) {}

  FieldErrors errors;

  void report(const FieldPath& p, std::string message, std::string got = {}) {
    for (const auto& skip : options_.skip) {
      if (pathWithin(p.str(), skip)) return;
    }
    errors.push_back({p.str(), std::move(message), std::move(got)});
  }

  void intRange(const FieldPath& p, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo) report(p, "must be >= " + std::to_string(lo), std::to_string(v));
    if (v > hi) report(p, "must be <= " + std::to_string(hi), std::to_string(v));
  }
  void intRange(const FieldPath& p, const std::optional<int64_t>& v, int64_t lo, int64_t hi) {
    if (v) intRange(p, *v, lo, hi);
  }

  // (0, hi]
  void positive(const FieldPath& p, double v, double hi) {
    if (!(v > 0)) report(p, "must be > 0", number(v));
    if (v > hi) report(p, "must be <= " + number(hi), number(v));
  }
  void positive(const FieldPath& p, const std::optional<double>& v, double hi) {
    if (v) positive(p, *v, hi);
  }

  void durationRange(const FieldPath& p, Duration d, Duration lo, Duration hi) {
    if (d < lo || d > hi) {
      report(p, "must be between " + formatDuration(lo) + " and " + formatDuration(hi),
             quote(formatDuration(d)));
    }
  }
  void durationRange(const FieldPath& p, const std::optional<Duration>& d, Duration lo, Duration hi) {
    if (d) durationRange(p, *d, lo, hi);
  }

  void bytesRange(const FieldPath& p, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
      report(p, "must be between " + formatByteQuantity(lo) + " and " + formatByteQuantity(hi),
             quote(formatByteQuantity(v)));
    }
  }

  bool matches(const FieldPath& p, const std::string& s, const char* pattern, const std::string& what) {
    if (std::regex_search(s, re(pattern))) return true;
    report(p, "must be " + what, quote(s));
    return false;
  }

  void maxLength(const FieldPath& p, const std::string& s, size_t max) {
    if (codePoints(s) > max) report(p, "must be at most " + std::to_string(max) + " characters", quote(s));
  }

  void minLength(const FieldPath& p, const std::string& s, size_t min) {
    if (codePoints(s) < min) report(p, "must be at least " + std::to_string(min) + " characters", quote(s));
  }

  template <typename T>
  void itemCount(const FieldPath& p, const std::vector<T>& items, size_t min, size_t max) {
    if (items.size() < min) report(p, "must have at least " + std::to_string(min) + " item(s)");
    if (items.size() > max) {
      report(p, "must have at most " + std::to_string(max) + " items", std::to_string(items.size()));
    }
  }

  template <typename T, typename Key>
  void unique(const FieldPath& p, const std::vector<T>& items, Key key, const char* field) {
    std::set<std::string> seen;
    for (size_t i = 0; i < items.size(); ++i) {
      std::optional<std::string> k = key(items[i]);
      if (!k) continue;
      if (!seen.insert(*k).second) {
        FieldPath at = field ? p.index(i).field(field) : p.index(i);
        report(at, "must be unique", quote(*k));
      }
    }
  }

  void uniqueStrings(const FieldPath& p, const std::vector<std::string>& items) {
    unique(
        p, items, [](const std::string& s) { return std::optional<std::string>(s); }, nullptr);
  }

  void dnsLabelName(const FieldPath& p, const std::string& name) {
    if (name.empty()) {
      report(p, "must not be empty");
      return;
    }
    maxLength(p, name, 63);
    matches(p, name, kDnsLabelPattern, "lowercase letters, digits and '-', starting and ending alphanumeric");
  }

  void qualifiedName(const FieldPath& p, const std::string& key) {
    std::string prefix, name = key;
    if (auto slash = key.find('/'); slash != std::string::npos) {
      prefix = key.substr(0, slash);
      name = key.substr(slash + 1);
      if (prefix.empty() || prefix.size() > 253 || !std::regex_search(prefix, re(kDnsSubdomainPattern))) {
        report(p, "must have a DNS subdomain as prefix before '/'", quote(key));
        return;
      }
    }
    if (name.empty() || name.size() > 63 || !std::regex_search(name, re(kLabelNamePattern))) {
      report(p,
             "must be a qualified name: at most 63 letters, digits, '-', '_' or '.', starting and ending "
             "alphanumeric, with an optional DNS prefix and '/'",
             quote(key));
    }
  }

  void labelValue(const FieldPath& p, const std::string& value) {
    maxLength(p, value, 63);
    matches(p, value, kLabelValuePattern,
            "a label value: letters, digits, '-', '_' or '.', starting and ending alphanumeric");
  }

  void labelMap(const FieldPath& p, const std::map<std::string, std::string>& labels, bool checkValues) {
    for (const auto& [k, v] : labels) {
      qualifiedName(p.key(k), k);
      if (checkValues) labelValue(p.key(k), v);
    }
  }

  void selector(const FieldPath& p, const LabelSelector& s) {
    if (s.matchLabels.size() > 32) {
      report(p.field("matchLabels"), "must have at most 32 labels", std::to_string(s.matchLabels.size()));
    }
    labelMap(p.field("matchLabels"), s.matchLabels, true);
    FieldPath exprs = p.field("matchExpressions");
    itemCount(exprs, s.matchExpressions, 0, 16);
    for (size_t i = 0; i < s.matchExpressions.size(); ++i) {
      const SelectorRequirement& r = s.matchExpressions[i];
      FieldPath ep = exprs.index(i);
      if (r.key.empty()) {
        report(ep.field("key"), "must not be empty");
      } else {
        maxLength(ep.field("key"), r.key, 317);
        qualifiedName(ep.field("key"), r.key);
      }
      bool needsValues = r.op == SelectorOperator::In || r.op == SelectorOperator::NotIn;
      if (needsValues && r.values.empty()) report(ep.field("values"), "must be non-empty for In and NotIn");
      if (!needsValues && !r.values.empty()) {
        report(ep.field("values"), "must be empty for Exists and DoesNotExist");
      }
      itemCount(ep.field("values"), r.values, 0, 64);
      for (size_t j = 0; j < r.values.size(); ++j)
        maxLength(ep.field("values").index(j), r.values[j], 63);
    }
  }

  void host(const FieldPath& p, const std::string& h) {
    if (h.empty()) {
      report(p, "must not be empty");
      return;
    }
    maxLength(p, h, 253);
    if (!matches(p, h, kHostPattern, "a DNS name or an IP address")) return;
    if (h.find(':') != std::string::npos) {
      in6_addr a6;
      if (inet_pton(AF_INET6, h.c_str(), &a6) != 1) report(p, "must be a valid IPv6 address", quote(h));
      return;
    }
    if (std::regex_search(h, re("^[0-9.]+$"))) {
      in_addr a4;
      if (inet_pton(AF_INET, h.c_str(), &a4) != 1) report(p, "must be a valid IPv4 address", quote(h));
      return;
    }
    std::string lower;
    for (char c : h)
      lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (!lower.empty() && lower.back() == '.') lower.pop_back();
    bool labelsOk = std::regex_search(lower, re(kDnsSubdomainPattern));
    size_t start = 0;
    while (labelsOk && start <= lower.size()) {
      size_t dot = lower.find('.', start);
      size_t len = (dot == std::string::npos ? lower.size() : dot) - start;
      if (len > 63) labelsOk = false;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (!labelsOk) report(p, "must be a DNS name (labels of at most 63 letters, digits and '-')", quote(h));
  }

  void cidr(const FieldPath& p, const std::string& c) {
    maxLength(p, c, 49);
    if (!matches(p, c, kCidrPattern, "a CIDR such as 10.0.0.0/8 or fd00::/8")) return;
    auto slash = c.find('/');
    std::string addr = c.substr(0, slash);
    int prefix = std::atoi(c.c_str() + slash + 1);
    bool v6 = addr.find(':') != std::string::npos;
    unsigned char bytes[16] = {};
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), bytes) != 1) {
      report(p, v6 ? "must hold a valid IPv6 address" : "must hold a valid IPv4 address", quote(c));
      return;
    }
    int bits = v6 ? 128 : 32;
    if (prefix > bits) {
      report(p, "must have a prefix length of at most " + std::to_string(bits), quote(c));
      return;
    }
    for (int bit = prefix; bit < bits; ++bit) {
      if (bytes[bit / 8] & (0x80 >> (bit % 8))) {
        report(p, "must have no address bits set beyond the prefix length", quote(c));
        return;
      }
    }
  }

  void subject(const FieldPath& p, const std::string& s) {
    if (s.empty()) {
      report(p, "must not be empty");
      return;
    }
    maxLength(p, s, 256);
    matches(p, s, kSubjectPattern,
            "a NATS subject: dot-separated tokens, * for one token, > as the last token");
  }

  void subjects(const FieldPath& p, const std::vector<std::string>& list, size_t min) {
    itemCount(p, list, min, 64);
    uniqueStrings(p, list);
    for (size_t i = 0; i < list.size(); ++i)
      subject(p.index(i), list[i]);
  }

  void metadata(const FieldPath& p, const ObjectMeta& m) {
    FieldPath name = p.field("name");
    if (m.name.empty()) {
      report(name, "required");
    } else {
      maxLength(name, m.name, 63);
      matches(name, m.name, kNamePattern,
              "lowercase letters, digits and '-', starting with a letter and ending alphanumeric (it names "
              "the policy's Service)");
    }
    if (m.namespace_.empty()) {
      report(p.field("namespace"), "must not be empty");
    } else {
      dnsLabelName(p.field("namespace"), m.namespace_);
    }
    labelMap(p.field("labels"), m.labels, true);
    labelMap(p.field("annotations"), m.annotations, false);
  }

  void target(const FieldPath& p, const Target& t) {
    host(p.field("upstream").field("host"), t.upstream.host);
    intRange(p.field("upstream").field("port"), t.upstream.port, 1, 65535);
    intRange(p.field("listenPort"), t.listenPort, 1024, 65535);
  }

  void clients(const FieldPath& p, const std::vector<ClientClass>& list) {
    itemCount(p, list, 0, 32);
    unique(
        p, list, [](const ClientClass& c) { return std::optional<std::string>(c.name); }, "name");
    for (size_t i = 0; i < list.size(); ++i) {
      const ClientClass& c = list[i];
      FieldPath cp = p.index(i);
      dnsLabelName(cp.field("name"), c.name);
      if (!c.podSelector && !c.namespaceSelector && !c.sourceCIDRs) {
        report(cp, "a client class needs podSelector, namespaceSelector or sourceCIDRs");
      }
      if (c.podSelector) selector(cp.field("podSelector"), *c.podSelector);
      if (c.namespaceSelector) selector(cp.field("namespaceSelector"), *c.namespaceSelector);
      if (c.sourceCIDRs) {
        FieldPath cidrs = cp.field("sourceCIDRs");
        itemCount(cidrs, *c.sourceCIDRs, 1, 32);
        uniqueStrings(cidrs, *c.sourceCIDRs);
        for (size_t j = 0; j < c.sourceCIDRs->size(); ++j)
          cidr(cidrs.index(j), (*c.sourceCIDRs)[j]);
      }
    }
  }

  void rule(const FieldPath& p, const RateLimitRule& r) {
    dnsLabelName(p.field("name"), r.name);
    FieldPath mp = p.field("match");
    const RuleMatch& m = r.match;
    if (!m.commands && !m.keyPrefixes && !m.classes)
      report(mp, "match needs commands, keyPrefixes or classes");
    if (m.commands) {
      FieldPath cp = mp.field("commands");
      itemCount(cp, *m.commands, 1, 64);
      uniqueStrings(cp, *m.commands);
      for (size_t i = 0; i < m.commands->size(); ++i) {
        maxLength(cp.index(i), (*m.commands)[i], 64);
        matches(cp.index(i), (*m.commands)[i], kCommandPattern,
                "a Redis command name such as GET or client|kill");
      }
    }
    if (m.keyPrefixes) {
      FieldPath kp = mp.field("keyPrefixes");
      itemCount(kp, *m.keyPrefixes, 1, 64);
      uniqueStrings(kp, *m.keyPrefixes);
      for (size_t i = 0; i < m.keyPrefixes->size(); ++i) {
        minLength(kp.index(i), (*m.keyPrefixes)[i], 1);
        maxLength(kp.index(i), (*m.keyPrefixes)[i], 256);
      }
    }
    if (m.classes) {
      FieldPath cl = mp.field("classes");
      itemCount(cl, *m.classes, 1, 6);
      std::set<CommandClass> seen;
      for (size_t i = 0; i < m.classes->size(); ++i) {
        if (!seen.insert((*m.classes)[i]).second) report(cl.index(i), "must be unique");
      }
    }
    if (r.action == RuleAction::Deny) {
      if (r.requestsPerSecond || r.burst) {
        report(p.field("requestsPerSecond"), "a deny rule takes no requestsPerSecond or burst");
      }
    } else if (!r.requestsPerSecond) {
      report(p.field("requestsPerSecond"), "a limit rule needs requestsPerSecond");
    }
    positive(p.field("requestsPerSecond"), r.requestsPerSecond, kMaxRate);
    intRange(p.field("burst"), r.burst, 1, kMaxCount);
  }

  void rateLimit(const FieldPath& p, const RateLimit& r, Protocol protocol) {
    positive(p.field("requestsPerSecond"), r.requestsPerSecond, kMaxRate);
    intRange(p.field("burst"), r.burst, 1, kMaxCount);
    durationRange(p.field("maxWait"), r.maxWait, milliseconds(1), seconds(10));
    if (r.perClient) {
      positive(p.field("perClient").field("requestsPerSecond"), r.perClient->requestsPerSecond, kMaxRate);
      intRange(p.field("perClient").field("burst"), r.perClient->burst, 1, kMaxCount);
    }
    FieldPath rules = p.field("rules");
    if (!r.rules.empty() && protocol != Protocol::Redis) {
      report(rules, "rateLimit.rules match Redis commands and keys; use messaging.publish.rules for nats");
    }
    itemCount(rules, r.rules, 0, 64);
    unique(
        rules, r.rules, [](const RateLimitRule& x) { return std::optional<std::string>(x.name); }, "name");
    for (size_t i = 0; i < r.rules.size(); ++i)
      rule(rules.index(i), r.rules[i]);
  }

  void concurrency(const FieldPath& p, const Concurrency& c) {
    intRange(p.field("maxInFlight"), c.maxInFlight, 1, 1'000'000);
    if (!c.adaptive) return;
    FieldPath ap = p.field("adaptive");
    intRange(ap.field("minLimit"), c.adaptive->minLimit, 1, 1'000'000);
    intRange(ap.field("maxLimit"), c.adaptive->maxLimit, 1, 1'000'000);
    if (c.adaptive->minLimit > c.adaptive->maxLimit) {
      report(ap.field("minLimit"), "must be <= maxLimit (" + std::to_string(c.adaptive->maxLimit) + ")",
             std::to_string(c.adaptive->minLimit));
    }
    if (c.adaptive->enabled && c.adaptive->minLimit > c.maxInFlight) {
      report(ap.field("minLimit"), "must be <= maxInFlight (" + std::to_string(c.maxInFlight) + ")",
             std::to_string(c.adaptive->minLimit));
    }
  }

  void circuitBreaker(const FieldPath& p, const CircuitBreaker& b) {
    positive(p.field("failureRatio"), b.failureRatio, 1);
    durationRange(p.field("slowCallDuration"), b.slowCallDuration, milliseconds(1), hours(1));
    positive(p.field("slowCallRatio"), b.slowCallRatio, 1);
    intRange(p.field("minimumCalls"), b.minimumCalls, 1, 1'000'000);
    durationRange(p.field("window"), b.window, seconds(1), hours(1));
    durationRange(p.field("openDuration"), b.openDuration, milliseconds(100), hours(1));
    intRange(p.field("halfOpenCalls"), b.halfOpenCalls, 1, 1000);
  }

  void degradation(const FieldPath& p, const Degradation& d, Protocol protocol) {
    bool redis = protocol == Protocol::Redis;
    if (d.staleReads) {
      FieldPath sp = p.field("staleReads");
      if (d.staleReads->enabled && !redis) report(sp, "staleReads is only supported for protocol redis");
      durationRange(sp.field("maxStaleness"), d.staleReads->maxStaleness, seconds(1), hours(24));
      bytesRange(sp.field("maxBytes"), d.staleReads->maxBytes, int64_t{1} << 20, int64_t{64} << 30);
    }
    if (d.coalesceReads && !redis) {
      report(p.field("coalesceReads"), "coalesceReads is only supported for protocol redis");
    }
    if (d.negativeCache) {
      FieldPath np = p.field("negativeCache");
      if (d.negativeCache->enabled && !redis)
        report(np, "negativeCache is only supported for protocol redis");
      durationRange(np.field("ttl"), d.negativeCache->ttl, seconds(1), hours(24));
      intRange(np.field("expectedKeys"), d.negativeCache->expectedKeys, 1, kMaxCount);
      positive(np.field("falsePositiveRate"), d.negativeCache->falsePositiveRate, 0.5);
    }
    if (d.hotKeys) {
      FieldPath hp = p.field("hotKeys");
      if (d.hotKeys->enabled && !redis) report(hp, "hotKeys is only supported for protocol redis");
      intRange(hp.field("topK"), d.hotKeys->topK, 1, 10'000);
      positive(hp.field("minRate"), d.hotKeys->minRate, kMaxRate);
      durationRange(hp.field("localTTL"), d.hotKeys->localTTL, milliseconds(1), seconds(60));
    }
    if (d.failMode == FailMode::StaleOrFail && !(d.staleReads && d.staleReads->enabled)) {
      report(p.field("failMode"), "failMode staleOrFail needs staleReads.enabled", quote("staleOrFail"));
    }
  }

  void messaging(const FieldPath& p, const Messaging& m, Protocol protocol) {
    if (protocol != Protocol::Nats) report(p, "messaging is only supported for protocol nats");
    if (m.publish) {
      FieldPath rules = p.field("publish").field("rules");
      itemCount(rules, m.publish->rules, 0, 64);
      unique(
          rules, m.publish->rules, [](const PublishRule& r) { return r.name; }, "name");
      for (size_t i = 0; i < m.publish->rules.size(); ++i) {
        const PublishRule& r = m.publish->rules[i];
        FieldPath rp = rules.index(i);
        if (r.name) dnsLabelName(rp.field("name"), *r.name);
        subjects(rp.field("subjects"), r.subjects, 1);
        positive(rp.field("messagesPerSecond"), r.messagesPerSecond, kMaxRate);
        intRange(rp.field("burst"), r.burst, 1, kMaxCount);
      }
    }
    if (m.deliver) {
      positive(p.field("deliver").field("messagesPerSecond"), m.deliver->messagesPerSecond, kMaxRate);
      intRange(p.field("deliver").field("burst"), m.deliver->burst, 1, kMaxCount);
    }
    if (m.spool) {
      bytesRange(p.field("spool").field("maxBytes"), m.spool->maxBytes, int64_t{1} << 20, int64_t{1} << 40);
    }
    durationRange(p.field("dedupWindow"), m.dedupWindow, seconds(1), hours(24));
    if (m.backlog) {
      intRange(p.field("backlog").field("threshold"), m.backlog->threshold, 1, kMaxCount);
      subjects(p.field("backlog").field("shedSubjects"), m.backlog->shedSubjects, 0);
    }
  }

  void autoTighten(const FieldPath& p, const PolicySpec& spec) {
    const AutoTighten& a = *spec.autoTighten;
    if (a.enabled) {
      bool anySignal = a.signals && (a.signals->latencyP99 || a.signals->errorRatio ||
                                     a.signals->inFlightUtilization || a.signals->backlog);
      if (!anySignal) report(p.field("signals"), "autoTighten.enabled needs at least one signal");
      if (!spec.rateLimit || !spec.rateLimit->requestsPerSecond) {
        report(FieldPath("spec.rateLimit.requestsPerSecond"),
               "autoTighten needs rateLimit.requestsPerSecond, the budget it tightens");
      }
    }
    if (a.signals) {
      FieldPath sp = p.field("signals");
      durationRange(sp.field("latencyP99"), a.signals->latencyP99, milliseconds(1), minutes(1));
      positive(sp.field("errorRatio"), a.signals->errorRatio, 1);
      positive(sp.field("inFlightUtilization"), a.signals->inFlightUtilization, 1);
      intRange(sp.field("backlog"), a.signals->backlog, 1, kMaxCount);
      if (a.signals->backlog && spec.target.protocol != Protocol::Nats) {
        report(sp.field("backlog"), "the backlog signal is only supported for protocol nats");
      }
      if (a.signals->inFlightUtilization && !spec.concurrency) {
        report(sp.field("inFlightUtilization"),
               "the inFlightUtilization signal needs concurrency.maxInFlight");
      }
    }
    if (!(a.decreaseFactor > 0 && a.decreaseFactor < 1)) {
      report(p.field("decreaseFactor"), "must be > 0 and < 1", number(a.decreaseFactor));
    }
    positive(p.field("floorRatio"), a.floorRatio, 1);
    positive(p.field("increaseStep"), a.increaseStep, 1);
    durationRange(p.field("cooldown"), a.cooldown, seconds(1), hours(1));
    intRange(p.field("consecutiveWindows"), a.consecutiveWindows, 1, 60);
  }

  void override_(const FieldPath& p, const Override& o) {
    if (o.reason) maxLength(p.field("reason"), *o.reason, 256);
    if (!o.expires) return;
    if (o.mode == OverrideMode::Auto) {
      report(p.field("expires"), "only applies to a pinned mode (mode is Auto)",
             quote(formatTimestamp(*o.expires)));
    }
    if (options_.now && *o.expires <= *options_.now) {
      report(p.field("expires"), "must be in the future", quote(formatTimestamp(*o.expires)));
    }
  }

  void spec(const FieldPath& p, const PolicySpec& s) {
    target(p.field("target"), s.target);
    if (s.nodeSelector) selector(p.field("nodeSelector"), *s.nodeSelector);
    clients(p.field("clients"), s.clients);
    if (s.rateLimit) rateLimit(p.field("rateLimit"), *s.rateLimit, s.target.protocol);
    if (s.concurrency) concurrency(p.field("concurrency"), *s.concurrency);
    durationRange(p.field("timeouts").field("connect"), s.timeouts.connect, milliseconds(1), seconds(60));
    durationRange(p.field("timeouts").field("request"), s.timeouts.request, milliseconds(1), minutes(10));
    if (s.circuitBreaker) circuitBreaker(p.field("circuitBreaker"), *s.circuitBreaker);
    if (s.degradation) degradation(p.field("degradation"), *s.degradation, s.target.protocol);
    if (s.messaging) messaging(p.field("messaging"), *s.messaging, s.target.protocol);
    if (s.autoTighten) autoTighten(p.field("autoTighten"), s);
    if (s.override_) override_(p.field("override"), *s.override_);
  }

  void status(const FieldPath& p, const PolicyStatus& s) {
    FieldPath cp = p.field("conditions");
    itemCount(cp, s.conditions, 0, 16);
    unique(
        cp, s.conditions, [](const Condition& c) { return std::optional<std::string>(c.type); }, "type");
    for (size_t i = 0; i < s.conditions.size(); ++i) {
      maxLength(cp.index(i).field("type"), s.conditions[i].type, 316);
      maxLength(cp.index(i).field("reason"), s.conditions[i].reason, 1024);
      maxLength(cp.index(i).field("message"), s.conditions[i].message, 32768);
    }
    FieldPath hp = p.field("history");
    itemCount(hp, s.history, 0, 10);
    for (size_t i = 0; i < s.history.size(); ++i) {
      if (s.history[i].reason) maxLength(hp.index(i).field("reason"), *s.history[i].reason, 1024);
    }
  }

 private:
  const ValidationOptions& options_;
};

}  // namespace

FieldErrors validatePolicy(const ResiliencePolicy& policy, const ValidationOptions& options) {
  Validator v(options);
  v.metadata(FieldPath("metadata"), policy.metadata);
  v.spec(FieldPath("spec"), policy.spec);
  if (policy.status) v.status(FieldPath("status"), *policy.status);
  return std::move(v.errors);
}

}  // namespace bulwark::policy
