#include "core/policy/policy_summary.h"

#include <cmath>
#include <sstream>

#include "core/policy/duration.h"
#include "core/policy/policy_enums.h"
#include "core/policy/quantity.h"

namespace bulwark::policy {

namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string percent(double ratio) {
  return num(std::round(ratio * 10000) / 100) + "%";
}

std::string join(const std::vector<std::string>& items, const char* sep = " ") {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : sep) + i;
  return out;
}

std::string rate(double perSecond, std::optional<int64_t> burst, const char* unit = "rps") {
  return num(perSecond) + " " + unit + " (burst " + std::to_string(effectiveBurst(burst, perSecond)) + ")";
}

std::string selectorText(const LabelSelector& s) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : s.matchLabels)
    parts.push_back(k + "=" + v);
  for (const auto& r : s.matchExpressions) {
    std::string text = r.key + " " + std::string(toString(r.op));
    if (!r.values.empty()) text += " (" + join(r.values, ",") + ")";
    parts.push_back(text);
  }
  return parts.empty() ? "everything" : join(parts, ", ");
}

class Lines {
 public:
  void add(const std::string& label, const std::string& text) {
    out_ << "  " << label << std::string(label.size() < 14 ? 14 - label.size() : 1, ' ') << text << "\n";
  }
  void more(const std::string& text) { out_ << std::string(16, ' ') << text << "\n"; }
  std::string str() const { return out_.str(); }
  std::ostringstream& raw() { return out_; }

 private:
  std::ostringstream out_;
};

void describeRateLimit(Lines& l, const RateLimit& r) {
  std::string budget =
      r.requestsPerSecond ? rate(*r.requestsPerSecond, r.burst) + " cluster-wide" : "no budget";
  budget += r.onLimit == OnLimit::Wait ? ", over it wait up to " + formatDuration(r.maxWait) + " then refuse"
                                       : ", over it refuse";
  l.add("rate limit", budget);
  if (r.perClient) l.more("per client " + rate(r.perClient->requestsPerSecond, r.perClient->burst));
  for (size_t i = 0; i < r.rules.size(); ++i) {
    const RateLimitRule& rule = r.rules[i];
    std::vector<std::string> match;
    if (rule.match.commands) match.push_back("commands " + join(*rule.match.commands));
    if (rule.match.keyPrefixes) match.push_back("keys " + join(*rule.match.keyPrefixes) + "*");
    if (rule.match.classes) {
      std::vector<std::string> names;
      for (CommandClass c : *rule.match.classes)
        names.emplace_back(toString(c));
      match.push_back("classes " + join(names));
    }
    std::string action =
        rule.action == RuleAction::Deny ? "deny" : "limit " + rate(*rule.requestsPerSecond, rule.burst);
    l.add(i == 0 ? "rules" : "", rule.name + ": " + action + " on " + join(match, " and "));
  }
}

void describeBreaker(Lines& l, const CircuitBreaker& b) {
  l.add("breaker", "opens at " + percent(b.failureRatio) + " failures or " + percent(b.slowCallRatio) +
                       " calls slower than " + formatDuration(b.slowCallDuration) + " over " +
                       formatDuration(b.window) + " (at least " + std::to_string(b.minimumCalls) + " calls)");
  l.more("stays open " + formatDuration(b.openDuration) + ", then " + std::to_string(b.halfOpenCalls) +
         " trial calls");
}

void describeDegradation(Lines& l, const Degradation& d) {
  std::vector<std::string> parts;
  if (d.staleReads && d.staleReads->enabled) {
    parts.push_back("stale reads up to " + formatDuration(d.staleReads->maxStaleness) + " old (" +
                    formatByteQuantity(d.staleReads->maxBytes) + ")");
  }
  if (d.coalesceReads) parts.push_back("coalesced reads");
  if (d.negativeCache && d.negativeCache->enabled) {
    parts.push_back("negative cache " + formatDuration(d.negativeCache->ttl) + " (" +
                    std::to_string(d.negativeCache->expectedKeys) + " keys, " +
                    percent(d.negativeCache->falsePositiveRate) + " false positives)");
  }
  if (d.hotKeys && d.hotKeys->enabled) {
    parts.push_back("hot keys: top " + std::to_string(d.hotKeys->topK) + " above " + num(d.hotKeys->minRate) +
                    "/s cached " + formatDuration(d.hotKeys->localTTL));
  }
  l.add("degradation", parts.empty() ? "none" : parts.front());
  for (size_t i = 1; i < parts.size(); ++i)
    l.more(parts[i]);
  l.more(std::string("on failure: ") +
         (d.failMode == FailMode::FastFail ? "fail fast" : "stale reply, else fail"));
}

void describeMessaging(Lines& l, const Messaging& m) {
  if (m.publish) {
    for (size_t i = 0; i < m.publish->rules.size(); ++i) {
      const PublishRule& r = m.publish->rules[i];
      l.add(i == 0 ? "publish" : "", (r.name ? *r.name + ": " : std::string()) + join(r.subjects) + " " +
                                         rate(r.messagesPerSecond, r.burst, "msg/s") +
                                         (r.action == PublishAction::Pace ? ", paced" : ", excess shed"));
    }
  }
  if (m.deliver)
    l.add("deliver", rate(m.deliver->messagesPerSecond, m.deliver->burst, "msg/s") + " per node");
  if (m.spool && m.spool->enabled) {
    l.add("spool",
          formatByteQuantity(m.spool->maxBytes) + " on disk, fsync " + std::string(toString(m.spool->fsync)));
  }
  l.add("dedup window", formatDuration(m.dedupWindow));
  if (m.backlog) {
    l.add("backlog", "above " + std::to_string(m.backlog->threshold) + " pending" +
                         (m.backlog->shedSubjects.empty() ? "" : ", shed " + join(m.backlog->shedSubjects)));
  }
}

void describeAutoTighten(Lines& l, const AutoTighten& a) {
  if (!a.enabled) {
    l.add("auto-tighten", "off");
    return;
  }
  std::vector<std::string> signals;
  if (a.signals) {
    if (a.signals->latencyP99) signals.push_back("p99 > " + formatDuration(*a.signals->latencyP99));
    if (a.signals->errorRatio) signals.push_back("errors > " + percent(*a.signals->errorRatio));
    if (a.signals->inFlightUtilization)
      signals.push_back("in-flight > " + percent(*a.signals->inFlightUtilization));
    if (a.signals->backlog) signals.push_back("backlog > " + std::to_string(*a.signals->backlog));
  }
  l.add("auto-tighten", "overloaded when " + join(signals, " or ") + " for " +
                            std::to_string(a.consecutiveWindows) + " windows");
  l.more("budget x" + num(a.decreaseFactor) + " per window down to " + percent(a.floorRatio) +
         ", then Shed, StaleOnly");
  l.more("healthy for " + formatDuration(a.cooldown) + ": +" + percent(a.increaseStep) + " per window");
}

}  // namespace

std::string describePolicy(const ResiliencePolicy& p) {
  const PolicySpec& s = p.spec;
  Lines l;
  l.raw() << p.key() << "  " << toString(s.target.protocol) << "  listen :" << s.target.listenPort << " -> "
          << s.target.upstream.host << ":" << s.target.upstream.port << "\n";
  l.add("nodes", s.nodeSelector ? selectorText(*s.nodeSelector) : "everything");
  for (size_t i = 0; i < s.clients.size(); ++i) {
    const ClientClass& c = s.clients[i];
    std::vector<std::string> who;
    if (c.podSelector) who.push_back("pods " + selectorText(*c.podSelector));
    if (c.namespaceSelector) who.push_back("namespaces " + selectorText(*c.namespaceSelector));
    if (c.sourceCIDRs) who.push_back("sources " + join(*c.sourceCIDRs, ","));
    l.add(i == 0 ? "clients" : "",
          c.name + " (" + std::string(toString(c.priority)) + "): " + join(who, "; "));
  }
  if (s.rateLimit) describeRateLimit(l, *s.rateLimit);
  if (s.concurrency) {
    std::string text = std::to_string(s.concurrency->maxInFlight) + " in flight per node";
    if (s.concurrency->adaptive && s.concurrency->adaptive->enabled) {
      text += ", adaptive " + std::to_string(s.concurrency->adaptive->minLimit) + ".." +
              std::to_string(std::min(s.concurrency->adaptive->maxLimit, s.concurrency->maxInFlight));
    }
    l.add("bulkhead", text);
  }
  l.add("timeouts",
        "connect " + formatDuration(s.timeouts.connect) + ", request " +
            (s.timeouts.request ? formatDuration(*s.timeouts.request) : std::string("unlimited")));
  if (s.circuitBreaker) describeBreaker(l, *s.circuitBreaker);
  if (s.degradation) describeDegradation(l, *s.degradation);
  if (s.messaging) describeMessaging(l, *s.messaging);
  if (s.autoTighten) describeAutoTighten(l, *s.autoTighten);
  if (s.override_ && s.override_->mode != OverrideMode::Auto) {
    std::string text = "pinned " + std::string(toString(s.override_->mode));
    if (s.override_->reason) text += ": " + *s.override_->reason;
    if (s.override_->expires) text += " (until " + formatTimestamp(*s.override_->expires) + ")";
    l.add("override", text);
  }
  return l.str();
}

}  // namespace bulwark::policy
