#include "core/policy/policy_decoder.h"

#include <cmath>
#include <limits>
#include <set>

#include "core/policy/duration.h"
#include "core/policy/policy_enums.h"
#include "core/policy/quantity.h"

namespace bulwark::policy {
namespace {

using nlohmann::json;

std::string shortDump(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

class Decoder;
template <typename T>
using Reader = bool (Decoder::*)(const json&, const FieldPath&, T&);

// Reads the fields of one JSON object; what is left unread at finish() is an unknown field.
class Fields {
 public:
  Fields(Decoder& d, const json& v, const FieldPath& path);
  explicit operator bool() const { return ok_; }

  template <typename T>
  void required(const char* name, T& out, Reader<T> reader);
  template <typename T>
  void defaulted(const char* name, T& out, Reader<T> reader);
  template <typename T>
  void optional(const char* name, std::optional<T>& out, Reader<T> reader);
  // A field of ObjectMeta that Bulwark does not keep: accepted as it is.
  void ignored(const char* name) { known_.insert(name); }
  void finish();

 private:
  const json* find(const char* name);

  Decoder& d_;
  const json& v_;
  FieldPath path_;
  bool ok_;
  std::set<std::string> known_;
};

class Decoder {
 public:
  DecodeResult result;

  void error(const FieldPath& p, std::string message, const json* got, bool unreadable = true) {
    result.errors.push_back({p.str(), std::move(message), got ? shortDump(*got) : std::string()});
    if (unreadable) result.unreadable.push_back(p.str());
  }

  bool object(const json& v, const FieldPath& p) {
    if (v.is_object()) return true;
    error(p, "must be an object", &v);
    return false;
  }

  bool string(const json& v, const FieldPath& p, std::string& out) {
    if (!v.is_string()) {
      error(p, "must be a string", &v);
      return false;
    }
    out = v.get<std::string>();
    return true;
  }

  bool integer(const json& v, const FieldPath& p, int64_t& out) {
    if (v.is_number_integer() && !v.is_number_unsigned()) {
      out = v.get<int64_t>();
      return true;
    }
    if (v.is_number_unsigned()) {
      uint64_t u = v.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        out = static_cast<int64_t>(u);
        return true;
      }
      error(p, "is too large", &v);
      return false;
    }
    error(p, "must be an integer", &v);
    return false;
  }

  bool number(const json& v, const FieldPath& p, double& out) {
    if (!v.is_number()) {
      error(p, "must be a number", &v);
      return false;
    }
    out = v.get<double>();
    if (!std::isfinite(out)) {
      error(p, "must be a finite number", &v);
      return false;
    }
    return true;
  }

  bool boolean(const json& v, const FieldPath& p, bool& out) {
    if (!v.is_boolean()) {
      error(p, "must be a boolean", &v);
      return false;
    }
    out = v.get<bool>();
    return true;
  }

  bool duration(const json& v, const FieldPath& p, Duration& out) {
    std::string s;
    if (!string(v, p, s)) return false;
    std::string why;
    auto d = parseDuration(s, &why);
    if (!d) {
      error(p, why, &v);
      return false;
    }
    out = *d;
    return true;
  }

  bool byteQuantity(const json& v, const FieldPath& p, int64_t& out) {
    if (v.is_number_integer()) return integer(v, p, out);
    if (!v.is_string()) {
      error(p, "must be a quantity of bytes (an integer or a string such as 64Mi)", &v);
      return false;
    }
    std::string why;
    auto q = parseByteQuantity(v.get<std::string>(), &why);
    if (!q) {
      error(p, why, &v);
      return false;
    }
    out = *q;
    return true;
  }

  bool timestamp(const json& v, const FieldPath& p, Timestamp& out) {
    std::string s;
    if (!string(v, p, s)) return false;
    std::string why;
    auto t = parseTimestamp(s, &why);
    if (!t) {
      error(p, why, &v);
      return false;
    }
    out = *t;
    return true;
  }

  template <typename E>
  bool enumeration(const json& v, const FieldPath& p, E& out) {
    std::string s;
    if (!string(v, p, s)) return false;
    if (auto e = enumFromString<E>(s)) {
      out = *e;
      return true;
    }
    std::string allowed;
    for (const auto& [value, name] : EnumNames<E>::values) {
      allowed += allowed.empty() ? "" : ", ";
      allowed += name;
    }
    error(p, "must be one of " + allowed, &v);
    return false;
  }

  template <typename T, Reader<T> Item>
  bool list(const json& v, const FieldPath& p, std::vector<T>& out) {
    if (!v.is_array()) {
      error(p, "must be a list", &v);
      return false;
    }
    out.clear();
    for (size_t i = 0; i < v.size(); ++i) {
      T item{};
      if ((this->*Item)(v[i], p.index(i), item)) out.push_back(std::move(item));
    }
    return true;
  }

  bool stringList(const json& v, const FieldPath& p, std::vector<std::string>& out) {
    return list<std::string, &Decoder::string>(v, p, out);
  }

  bool stringMap(const json& v, const FieldPath& p, std::map<std::string, std::string>& out) {
    if (!object(v, p)) return false;
    for (const auto& [k, val] : v.items()) {
      std::string s;
      if (string(val, p.key(k), s)) out[k] = std::move(s);
    }
    return true;
  }

  bool selectorRequirement(const json& v, const FieldPath& p, SelectorRequirement& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("key", out.key, &Decoder::string);
    f.required("operator", out.op, &Decoder::enumeration<SelectorOperator>);
    f.defaulted("values", out.values, &Decoder::stringList);
    f.finish();
    return true;
  }

  bool labelSelector(const json& v, const FieldPath& p, LabelSelector& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("matchLabels", out.matchLabels, &Decoder::stringMap);
    f.defaulted("matchExpressions", out.matchExpressions,
                &Decoder::list<SelectorRequirement, &Decoder::selectorRequirement>);
    f.finish();
    return true;
  }

  bool upstream(const json& v, const FieldPath& p, Upstream& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("host", out.host, &Decoder::string);
    f.required("port", out.port, &Decoder::integer);
    f.finish();
    return true;
  }

  bool target(const json& v, const FieldPath& p, Target& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("protocol", out.protocol, &Decoder::enumeration<Protocol>);
    f.required("upstream", out.upstream, &Decoder::upstream);
    f.required("listenPort", out.listenPort, &Decoder::integer);
    f.finish();
    return true;
  }

  bool clientClass(const json& v, const FieldPath& p, ClientClass& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("name", out.name, &Decoder::string);
    f.defaulted("priority", out.priority, &Decoder::enumeration<Priority>);
    f.optional("podSelector", out.podSelector, &Decoder::labelSelector);
    f.optional("namespaceSelector", out.namespaceSelector, &Decoder::labelSelector);
    f.optional("sourceCIDRs", out.sourceCIDRs, &Decoder::stringList);
    f.finish();
    return true;
  }

  bool perClient(const json& v, const FieldPath& p, PerClientLimit& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("requestsPerSecond", out.requestsPerSecond, &Decoder::number);
    f.optional("burst", out.burst, &Decoder::integer);
    f.finish();
    return true;
  }

  bool ruleMatch(const json& v, const FieldPath& p, RuleMatch& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("commands", out.commands, &Decoder::stringList);
    f.optional("keyPrefixes", out.keyPrefixes, &Decoder::stringList);
    f.optional("classes", out.classes, &Decoder::list<CommandClass, &Decoder::enumeration<CommandClass>>);
    f.finish();
    return true;
  }

  bool rateLimitRule(const json& v, const FieldPath& p, RateLimitRule& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("name", out.name, &Decoder::string);
    f.required("match", out.match, &Decoder::ruleMatch);
    f.defaulted("action", out.action, &Decoder::enumeration<RuleAction>);
    f.optional("requestsPerSecond", out.requestsPerSecond, &Decoder::number);
    f.optional("burst", out.burst, &Decoder::integer);
    f.finish();
    return true;
  }

  bool rateLimit(const json& v, const FieldPath& p, RateLimit& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("requestsPerSecond", out.requestsPerSecond, &Decoder::number);
    f.optional("burst", out.burst, &Decoder::integer);
    f.defaulted("onLimit", out.onLimit, &Decoder::enumeration<OnLimit>);
    f.defaulted("maxWait", out.maxWait, &Decoder::duration);
    f.optional("perClient", out.perClient, &Decoder::perClient);
    f.defaulted("rules", out.rules, &Decoder::list<RateLimitRule, &Decoder::rateLimitRule>);
    f.finish();
    return true;
  }

  bool adaptive(const json& v, const FieldPath& p, AdaptiveConcurrency& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("enabled", out.enabled, &Decoder::boolean);
    f.defaulted("minLimit", out.minLimit, &Decoder::integer);
    f.defaulted("maxLimit", out.maxLimit, &Decoder::integer);
    f.finish();
    return true;
  }

  bool concurrency(const json& v, const FieldPath& p, Concurrency& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("maxInFlight", out.maxInFlight, &Decoder::integer);
    f.optional("adaptive", out.adaptive, &Decoder::adaptive);
    f.finish();
    return true;
  }

  bool timeouts(const json& v, const FieldPath& p, Timeouts& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("connect", out.connect, &Decoder::duration);
    f.optional("request", out.request, &Decoder::duration);
    f.finish();
    return true;
  }

  bool circuitBreaker(const json& v, const FieldPath& p, CircuitBreaker& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("failureRatio", out.failureRatio, &Decoder::number);
    f.defaulted("slowCallDuration", out.slowCallDuration, &Decoder::duration);
    f.defaulted("slowCallRatio", out.slowCallRatio, &Decoder::number);
    f.defaulted("minimumCalls", out.minimumCalls, &Decoder::integer);
    f.defaulted("window", out.window, &Decoder::duration);
    f.defaulted("openDuration", out.openDuration, &Decoder::duration);
    f.defaulted("halfOpenCalls", out.halfOpenCalls, &Decoder::integer);
    f.finish();
    return true;
  }

  bool staleReads(const json& v, const FieldPath& p, StaleReads& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("enabled", out.enabled, &Decoder::boolean);
    f.defaulted("maxStaleness", out.maxStaleness, &Decoder::duration);
    f.defaulted("maxBytes", out.maxBytes, &Decoder::byteQuantity);
    f.finish();
    return true;
  }

  bool negativeCache(const json& v, const FieldPath& p, NegativeCache& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("enabled", out.enabled, &Decoder::boolean);
    f.defaulted("ttl", out.ttl, &Decoder::duration);
    f.defaulted("expectedKeys", out.expectedKeys, &Decoder::integer);
    f.defaulted("falsePositiveRate", out.falsePositiveRate, &Decoder::number);
    f.finish();
    return true;
  }

  bool hotKeys(const json& v, const FieldPath& p, HotKeys& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("enabled", out.enabled, &Decoder::boolean);
    f.defaulted("topK", out.topK, &Decoder::integer);
    f.defaulted("minRate", out.minRate, &Decoder::number);
    f.defaulted("localTTL", out.localTTL, &Decoder::duration);
    f.finish();
    return true;
  }

  bool degradation(const json& v, const FieldPath& p, Degradation& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("staleReads", out.staleReads, &Decoder::staleReads);
    f.defaulted("coalesceReads", out.coalesceReads, &Decoder::boolean);
    f.optional("negativeCache", out.negativeCache, &Decoder::negativeCache);
    f.optional("hotKeys", out.hotKeys, &Decoder::hotKeys);
    f.defaulted("failMode", out.failMode, &Decoder::enumeration<FailMode>);
    f.finish();
    return true;
  }

  bool publishRule(const json& v, const FieldPath& p, PublishRule& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("name", out.name, &Decoder::string);
    f.required("subjects", out.subjects, &Decoder::stringList);
    f.required("messagesPerSecond", out.messagesPerSecond, &Decoder::number);
    f.optional("burst", out.burst, &Decoder::integer);
    f.defaulted("action", out.action, &Decoder::enumeration<PublishAction>);
    f.finish();
    return true;
  }

  bool publish(const json& v, const FieldPath& p, Publish& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("rules", out.rules, &Decoder::list<PublishRule, &Decoder::publishRule>);
    f.finish();
    return true;
  }

  bool deliver(const json& v, const FieldPath& p, Deliver& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("messagesPerSecond", out.messagesPerSecond, &Decoder::number);
    f.optional("burst", out.burst, &Decoder::integer);
    f.finish();
    return true;
  }

  bool spool(const json& v, const FieldPath& p, Spool& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("enabled", out.enabled, &Decoder::boolean);
    f.defaulted("maxBytes", out.maxBytes, &Decoder::byteQuantity);
    f.defaulted("fsync", out.fsync, &Decoder::enumeration<FsyncMode>);
    f.finish();
    return true;
  }

  bool backlog(const json& v, const FieldPath& p, Backlog& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("threshold", out.threshold, &Decoder::integer);
    f.defaulted("shedSubjects", out.shedSubjects, &Decoder::stringList);
    f.finish();
    return true;
  }

  bool messaging(const json& v, const FieldPath& p, Messaging& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("publish", out.publish, &Decoder::publish);
    f.optional("deliver", out.deliver, &Decoder::deliver);
    f.optional("spool", out.spool, &Decoder::spool);
    f.defaulted("dedupWindow", out.dedupWindow, &Decoder::duration);
    f.optional("backlog", out.backlog, &Decoder::backlog);
    f.finish();
    return true;
  }

  bool signals(const json& v, const FieldPath& p, Signals& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("latencyP99", out.latencyP99, &Decoder::duration);
    f.optional("errorRatio", out.errorRatio, &Decoder::number);
    f.optional("inFlightUtilization", out.inFlightUtilization, &Decoder::number);
    f.optional("backlog", out.backlog, &Decoder::integer);
    f.finish();
    return true;
  }

  bool autoTighten(const json& v, const FieldPath& p, AutoTighten& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("enabled", out.enabled, &Decoder::boolean);
    f.optional("signals", out.signals, &Decoder::signals);
    f.defaulted("decreaseFactor", out.decreaseFactor, &Decoder::number);
    f.defaulted("floorRatio", out.floorRatio, &Decoder::number);
    f.defaulted("increaseStep", out.increaseStep, &Decoder::number);
    f.defaulted("cooldown", out.cooldown, &Decoder::duration);
    f.defaulted("consecutiveWindows", out.consecutiveWindows, &Decoder::integer);
    f.finish();
    return true;
  }

  bool nullableTimestamp(const json& v, const FieldPath& p, std::optional<Timestamp>& out) {
    if (v.is_null()) {
      out.reset();
      return true;
    }
    Timestamp t;
    if (!timestamp(v, p, t)) return false;
    out = t;
    return true;
  }

  bool override_(const json& v, const FieldPath& p, Override& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.defaulted("mode", out.mode, &Decoder::enumeration<OverrideMode>);
    f.optional("reason", out.reason, &Decoder::string);
    f.defaulted("expires", out.expires, &Decoder::nullableTimestamp);
    f.finish();
    return true;
  }

  bool spec(const json& v, const FieldPath& p, PolicySpec& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("target", out.target, &Decoder::target);
    f.optional("nodeSelector", out.nodeSelector, &Decoder::labelSelector);
    f.defaulted("clients", out.clients, &Decoder::list<ClientClass, &Decoder::clientClass>);
    f.optional("rateLimit", out.rateLimit, &Decoder::rateLimit);
    f.optional("concurrency", out.concurrency, &Decoder::concurrency);
    f.defaulted("timeouts", out.timeouts, &Decoder::timeouts);
    f.optional("circuitBreaker", out.circuitBreaker, &Decoder::circuitBreaker);
    f.optional("degradation", out.degradation, &Decoder::degradation);
    f.optional("messaging", out.messaging, &Decoder::messaging);
    f.optional("autoTighten", out.autoTighten, &Decoder::autoTighten);
    f.optional("override", out.override_, &Decoder::override_);
    f.finish();
    return true;
  }

  bool condition(const json& v, const FieldPath& p, Condition& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("type", out.type, &Decoder::string);
    f.required("status", out.status, &Decoder::enumeration<ConditionStatus>);
    f.required("reason", out.reason, &Decoder::string);
    f.required("message", out.message, &Decoder::string);
    f.required("lastTransitionTime", out.lastTransitionTime, &Decoder::timestamp);
    f.optional("observedGeneration", out.observedGeneration, &Decoder::integer);
    f.finish();
    return true;
  }

  bool transition(const json& v, const FieldPath& p, ModeTransition& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("time", out.time, &Decoder::timestamp);
    f.required("from", out.from, &Decoder::string);
    f.required("to", out.to, &Decoder::string);
    f.optional("reason", out.reason, &Decoder::string);
    f.finish();
    return true;
  }

  bool nodeCounts(const json& v, const FieldPath& p, NodeCounts& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("desired", out.desired, &Decoder::integer);
    f.optional("applied", out.applied, &Decoder::integer);
    f.optional("summary", out.summary, &Decoder::string);
    f.finish();
    return true;
  }

  bool bundleRef(const json& v, const FieldPath& p, BundleRef& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("generation", out.generation, &Decoder::integer);
    f.optional("hash", out.hash, &Decoder::string);
    f.finish();
    return true;
  }

  bool status(const json& v, const FieldPath& p, PolicyStatus& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.optional("observedGeneration", out.observedGeneration, &Decoder::integer);
    f.optional("mode", out.mode, &Decoder::enumeration<Mode>);
    f.optional("effectiveRequestsPerSecond", out.effectiveRequestsPerSecond, &Decoder::number);
    f.optional("nodes", out.nodes, &Decoder::nodeCounts);
    f.optional("endpoint", out.endpoint, &Decoder::string);
    f.optional("bundle", out.bundle, &Decoder::bundleRef);
    f.defaulted("conditions", out.conditions, &Decoder::list<Condition, &Decoder::condition>);
    f.defaulted("history", out.history, &Decoder::list<ModeTransition, &Decoder::transition>);
    f.finish();
    return true;
  }

  bool metadata(const json& v, const FieldPath& p, ObjectMeta& out) {
    Fields f(*this, v, p);
    if (!f) return false;
    f.required("name", out.name, &Decoder::string);
    f.defaulted("namespace", out.namespace_, &Decoder::string);
    f.optional("uid", out.uid, &Decoder::string);
    f.optional("resourceVersion", out.resourceVersion, &Decoder::string);
    f.optional("generation", out.generation, &Decoder::integer);
    // kubectl prints "creationTimestamp: null" for objects not yet created.
    f.defaulted("creationTimestamp", out.creationTimestamp, &Decoder::nullableTimestamp);
    f.defaulted("deletionTimestamp", out.deletionTimestamp, &Decoder::nullableTimestamp);
    f.defaulted("labels", out.labels, &Decoder::stringMap);
    f.defaulted("annotations", out.annotations, &Decoder::stringMap);
    f.defaulted("finalizers", out.finalizers, &Decoder::stringList);
    for (const char* other :
         {"generateName", "selfLink", "deletionGracePeriodSeconds", "ownerReferences", "managedFields"}) {
      f.ignored(other);
    }
    f.finish();
    return true;
  }

  bool apiVersion(const json& v, const FieldPath& p, std::string& out) {
    if (!string(v, p, out)) return false;
    if (out != kApiVersion) {
      error(p, std::string("must be ") + kApiVersion, &v);
      return false;
    }
    return true;
  }

  bool kind(const json& v, const FieldPath& p, std::string& out) {
    if (!string(v, p, out)) return false;
    if (out != kKind) {
      error(p, std::string("must be ") + kKind, &v);
      return false;
    }
    return true;
  }

  void policy(const json& v) {
    Fields f(*this, v, FieldPath());
    if (!f) return;
    std::string apiVersionText, kindText;
    f.required("apiVersion", apiVersionText, &Decoder::apiVersion);
    f.required("kind", kindText, &Decoder::kind);
    f.required("metadata", result.policy.metadata, &Decoder::metadata);
    f.required("spec", result.policy.spec, &Decoder::spec);
    f.optional("status", result.policy.status, &Decoder::status);
    f.finish();
  }
};

Fields::Fields(Decoder& d, const json& v, const FieldPath& path) : d_(d), v_(v), path_(path) {
  ok_ = d_.object(v, path);
}

const json* Fields::find(const char* name) {
  known_.insert(name);
  auto it = v_.find(name);
  return it == v_.end() ? nullptr : &*it;
}

template <typename T>
void Fields::required(const char* name, T& out, Reader<T> reader) {
  const json* v = find(name);
  FieldPath p = path_.field(name);
  if (v == nullptr) {
    d_.error(p, "required", nullptr);
    return;
  }
  (d_.*reader)(*v, p, out);
}

template <typename T>
void Fields::defaulted(const char* name, T& out, Reader<T> reader) {
  if (const json* v = find(name)) (d_.*reader)(*v, path_.field(name), out);
}

template <typename T>
void Fields::optional(const char* name, std::optional<T>& out, Reader<T> reader) {
  const json* v = find(name);
  if (v == nullptr) return;
  T value{};
  if ((d_.*reader)(*v, path_.field(name), value)) out = std::move(value);
}

void Fields::finish() {
  if (!ok_) return;
  for (const auto& [key, value] : v_.items()) {
    if (!known_.count(key)) d_.error(path_.field(key), "unknown field", nullptr, false);
  }
}

}  // namespace

DecodeResult decodePolicy(const nlohmann::json& object) {
  Decoder d;
  d.policy(object);
  return std::move(d.result);
}

}  // namespace bulwark::policy
