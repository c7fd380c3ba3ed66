#include "core/policy/policy_encoder.h"

#include "core/policy/duration.h"
#include "core/policy/policy_enums.h"
#include "core/policy/quantity.h"

namespace bulwark::policy {
namespace {

using nlohmann::json;

template <typename T, typename F>
void putOptional(json& out, const char* name, const std::optional<T>& value, F encode) {
  if (value) out[name] = encode(*value);
}

template <typename T>
void putOptional(json& out, const char* name, const std::optional<T>& value) {
  if (value) out[name] = *value;
}

template <typename T, typename F>
json encodeList(const std::vector<T>& items, F encode) {
  json out = json::array();
  for (const auto& item : items)
    out.push_back(encode(item));
  return out;
}

template <typename E>
json enumValue(E e) {
  return std::string(toString(e));
}

json duration(Duration d) {
  return formatDuration(d);
}

json selector(const LabelSelector& s) {
  json out = json::object();
  if (!s.matchLabels.empty()) out["matchLabels"] = s.matchLabels;
  if (!s.matchExpressions.empty()) {
    out["matchExpressions"] = encodeList(s.matchExpressions, [](const SelectorRequirement& r) {
      json e = {{"key", r.key}, {"operator", enumValue(r.op)}};
      if (!r.values.empty()) e["values"] = r.values;
      return e;
    });
  }
  return out;
}

json clientClass(const ClientClass& c) {
  json out = {{"name", c.name}, {"priority", enumValue(c.priority)}};
  putOptional(out, "podSelector", c.podSelector, selector);
  putOptional(out, "namespaceSelector", c.namespaceSelector, selector);
  putOptional(out, "sourceCIDRs", c.sourceCIDRs);
  return out;
}

json rateLimitRule(const RateLimitRule& r) {
  json match = json::object();
  putOptional(match, "commands", r.match.commands);
  putOptional(match, "keyPrefixes", r.match.keyPrefixes);
  putOptional(match, "classes", r.match.classes,
              [](const std::vector<CommandClass>& cs) { return encodeList(cs, enumValue<CommandClass>); });
  json out = {{"name", r.name}, {"match", match}, {"action", enumValue(r.action)}};
  putOptional(out, "requestsPerSecond", r.requestsPerSecond);
  putOptional(out, "burst", r.burst);
  return out;
}

json rateLimit(const RateLimit& r) {
  json out = {{"onLimit", enumValue(r.onLimit)}, {"maxWait", duration(r.maxWait)}};
  putOptional(out, "requestsPerSecond", r.requestsPerSecond);
  putOptional(out, "burst", r.burst);
  putOptional(out, "perClient", r.perClient, [](const PerClientLimit& pc) {
    json o = {{"requestsPerSecond", pc.requestsPerSecond}};
    putOptional(o, "burst", pc.burst);
    return o;
  });
  if (!r.rules.empty()) out["rules"] = encodeList(r.rules, rateLimitRule);
  return out;
}

json concurrency(const Concurrency& c) {
  json out = {{"maxInFlight", c.maxInFlight}};
  putOptional(out, "adaptive", c.adaptive, [](const AdaptiveConcurrency& a) {
    return json{{"enabled", a.enabled}, {"minLimit", a.minLimit}, {"maxLimit", a.maxLimit}};
  });
  return out;
}

json timeouts(const Timeouts& t) {
  json out = {{"connect", duration(t.connect)}};
  putOptional(out, "request", t.request, duration);
  return out;
}

json circuitBreaker(const CircuitBreaker& b) {
  return {{"failureRatio", b.failureRatio},   {"slowCallDuration", duration(b.slowCallDuration)},
          {"slowCallRatio", b.slowCallRatio}, {"minimumCalls", b.minimumCalls},
          {"window", duration(b.window)},     {"openDuration", duration(b.openDuration)},
          {"halfOpenCalls", b.halfOpenCalls}};
}

json degradation(const Degradation& d) {
  json out = {{"coalesceReads", d.coalesceReads}, {"failMode", enumValue(d.failMode)}};
  putOptional(out, "staleReads", d.staleReads, [](const StaleReads& s) {
    return json{{"enabled", s.enabled},
                {"maxStaleness", duration(s.maxStaleness)},
                {"maxBytes", formatByteQuantity(s.maxBytes)}};
  });
  putOptional(out, "negativeCache", d.negativeCache, [](const NegativeCache& n) {
    return json{{"enabled", n.enabled},
                {"ttl", duration(n.ttl)},
                {"expectedKeys", n.expectedKeys},
                {"falsePositiveRate", n.falsePositiveRate}};
  });
  putOptional(out, "hotKeys", d.hotKeys, [](const HotKeys& h) {
    return json{
        {"enabled", h.enabled}, {"topK", h.topK}, {"minRate", h.minRate}, {"localTTL", duration(h.localTTL)}};
  });
  return out;
}

json messaging(const Messaging& m) {
  json out = {{"dedupWindow", duration(m.dedupWindow)}};
  putOptional(out, "publish", m.publish, [](const Publish& p) {
    json o = json::object();
    if (!p.rules.empty()) {
      o["rules"] = encodeList(p.rules, [](const PublishRule& r) {
        json rule = {{"subjects", r.subjects},
                     {"messagesPerSecond", r.messagesPerSecond},
                     {"action", enumValue(r.action)}};
        putOptional(rule, "name", r.name);
        putOptional(rule, "burst", r.burst);
        return rule;
      });
    }
    return o;
  });
  putOptional(out, "deliver", m.deliver, [](const Deliver& d) {
    json o = {{"messagesPerSecond", d.messagesPerSecond}};
    putOptional(o, "burst", d.burst);
    return o;
  });
  putOptional(out, "spool", m.spool, [](const Spool& s) {
    return json{
        {"enabled", s.enabled}, {"maxBytes", formatByteQuantity(s.maxBytes)}, {"fsync", enumValue(s.fsync)}};
  });
  putOptional(out, "backlog", m.backlog, [](const Backlog& b) {
    json o = {{"threshold", b.threshold}};
    if (!b.shedSubjects.empty()) o["shedSubjects"] = b.shedSubjects;
    return o;
  });
  return out;
}

json autoTighten(const AutoTighten& a) {
  json out = {{"enabled", a.enabled},
              {"decreaseFactor", a.decreaseFactor},
              {"floorRatio", a.floorRatio},
              {"increaseStep", a.increaseStep},
              {"cooldown", duration(a.cooldown)},
              {"consecutiveWindows", a.consecutiveWindows}};
  putOptional(out, "signals", a.signals, [](const Signals& s) {
    json o = json::object();
    putOptional(o, "latencyP99", s.latencyP99, duration);
    putOptional(o, "errorRatio", s.errorRatio);
    putOptional(o, "inFlightUtilization", s.inFlightUtilization);
    putOptional(o, "backlog", s.backlog);
    return o;
  });
  return out;
}

json override_(const Override& o) {
  json out = {{"mode", enumValue(o.mode)}};
  putOptional(out, "reason", o.reason);
  putOptional(out, "expires", o.expires, formatTimestamp);
  return out;
}

json metadata(const ObjectMeta& m) {
  json out = {{"name", m.name}, {"namespace", m.namespace_}};
  putOptional(out, "uid", m.uid);
  putOptional(out, "resourceVersion", m.resourceVersion);
  putOptional(out, "generation", m.generation);
  putOptional(out, "creationTimestamp", m.creationTimestamp, formatTimestamp);
  putOptional(out, "deletionTimestamp", m.deletionTimestamp, formatTimestamp);
  if (!m.labels.empty()) out["labels"] = m.labels;
  if (!m.annotations.empty()) out["annotations"] = m.annotations;
  if (!m.finalizers.empty()) out["finalizers"] = m.finalizers;
  return out;
}

}  // namespace

json encodeSpec(const PolicySpec& s) {
  json out = {{"target",
               {{"protocol", enumValue(s.target.protocol)},
                {"upstream", {{"host", s.target.upstream.host}, {"port", s.target.upstream.port}}},
                {"listenPort", s.target.listenPort}}},
              {"timeouts", timeouts(s.timeouts)}};
  putOptional(out, "nodeSelector", s.nodeSelector, selector);
  if (!s.clients.empty()) out["clients"] = encodeList(s.clients, clientClass);
  putOptional(out, "rateLimit", s.rateLimit, rateLimit);
  putOptional(out, "concurrency", s.concurrency, concurrency);
  putOptional(out, "circuitBreaker", s.circuitBreaker, circuitBreaker);
  putOptional(out, "degradation", s.degradation, degradation);
  putOptional(out, "messaging", s.messaging, messaging);
  putOptional(out, "autoTighten", s.autoTighten, autoTighten);
  putOptional(out, "override", s.override_, override_);
  return out;
}

json encodeStatus(const PolicyStatus& s) {
  json out = json::object();
  putOptional(out, "observedGeneration", s.observedGeneration);
  putOptional(out, "mode", s.mode, enumValue<Mode>);
  putOptional(out, "effectiveRequestsPerSecond", s.effectiveRequestsPerSecond);
  putOptional(out, "nodes", s.nodes, [](const NodeCounts& n) {
    json o = json::object();
    putOptional(o, "desired", n.desired);
    putOptional(o, "applied", n.applied);
    putOptional(o, "summary", n.summary);
    return o;
  });
  putOptional(out, "endpoint", s.endpoint);
  putOptional(out, "bundle", s.bundle, [](const BundleRef& b) {
    json o = json::object();
    putOptional(o, "generation", b.generation);
    putOptional(o, "hash", b.hash);
    return o;
  });
  if (!s.conditions.empty()) {
    out["conditions"] = encodeList(s.conditions, [](const Condition& c) {
      json o = {{"type", c.type},
                {"status", enumValue(c.status)},
                {"reason", c.reason},
                {"message", c.message},
                {"lastTransitionTime", formatTimestamp(c.lastTransitionTime)}};
      putOptional(o, "observedGeneration", c.observedGeneration);
      return o;
    });
  }
  if (!s.history.empty()) {
    out["history"] = encodeList(s.history, [](const ModeTransition& t) {
      json o = {{"time", formatTimestamp(t.time)}, {"from", t.from}, {"to", t.to}};
      putOptional(o, "reason", t.reason);
      return o;
    });
  }
  return out;
}

json encodePolicy(const ResiliencePolicy& p) {
  json out = {{"apiVersion", kApiVersion},
              {"kind", kKind},
              {"metadata", metadata(p.metadata)},
              {"spec", encodeSpec(p.spec)}};
  putOptional(out, "status", p.status, encodeStatus);
  return out;
}

}  // namespace bulwark::policy
