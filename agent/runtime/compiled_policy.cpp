#include "agent/runtime/compiled_policy.h"

#include <algorithm>
#include <cctype>

#include "core/util/ascii.h"

namespace bulwark::runtime {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

uint32_t classBit(policy::CommandClass c) {
  switch (c) {
    case policy::CommandClass::Read:
      return kRead;
    case policy::CommandClass::Write:
      return kWrite;
    case policy::CommandClass::Admin:
      return kAdmin;
    case policy::CommandClass::Blocking:
      return kBlocking;
    case policy::CommandClass::PubSub:
      return kPubSub;
    case policy::CommandClass::Transaction:
      return kTransaction;
  }
  return 0;
}

int64_t nanos(std::chrono::nanoseconds d) {
  return d.count();
}

}  // namespace

bool CompiledRule::matches(const RequestView& r) const {
  if (!commands.empty()) {
    bool any = false;
    for (const std::string& c : commands) {
      auto bar = c.find('|');
      if (bar == std::string::npos) {
        any = equalsIgnoreCase(c, r.command);
      } else {
        any = equalsIgnoreCase(std::string_view(c).substr(0, bar), r.command) &&
              equalsIgnoreCase(std::string_view(c).substr(bar + 1), r.subcommand);
      }
      if (any) break;
    }
    if (!any) return false;
  }
  if (!keyPrefixes.empty()) {
    bool any = false;
    for (const std::string& p : keyPrefixes) {
      if (r.firstKey.substr(0, p.size()) == p && !r.firstKey.empty()) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return classes == 0 || (classes & r.classes) != 0;
}

const CompiledRule* CompiledPolicy::match(const RequestView& r) const {
  for (const CompiledRule& rule : rules) {
    if (rule.matches(r)) return &rule;
  }
  return nullptr;
}

std::string CompiledPolicy::deniedError(std::string_view command) const {
  std::string name(command);
  for (char& c : name)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "-ERR bulwark: command " + name + " denied by " + key + "\r\n";
}

std::shared_ptr<const CompiledPolicy> compilePolicy(const policy::ResiliencePolicy& p, double nodeShare) {
  auto c = std::make_shared<CompiledPolicy>();
  const policy::PolicySpec& s = p.spec;
  c->key = p.key();
  c->protocol = s.target.protocol;
  c->upstreamHost = s.target.upstream.host;
  c->upstreamPort = static_cast<uint16_t>(s.target.upstream.port);
  c->listenPort = static_cast<uint16_t>(s.target.listenPort);
  c->connectTimeoutNs = nanos(s.timeouts.connect);
  if (s.timeouts.request) c->requestTimeoutNs = nanos(*s.timeouts.request);

  auto share = [&](double perSecond, std::optional<int64_t> burst) {
    double rate = perSecond * nodeShare;
    // The burst scales with the share too, but never below one request.
    int64_t b = std::max<int64_t>(
        1, static_cast<int64_t>(static_cast<double>(policy::effectiveBurst(burst, perSecond)) * nodeShare));
    return RateSpec{rate, b};
  };
  if (s.rateLimit) {
    const policy::RateLimit& r = *s.rateLimit;
    if (r.requestsPerSecond) c->budget = share(*r.requestsPerSecond, r.burst);
    c->pace = r.onLimit == policy::OnLimit::Wait;
    c->maxWaitNs = nanos(r.maxWait);
    if (r.perClient) {
      c->perClient = RateSpec{r.perClient->requestsPerSecond,
                              policy::effectiveBurst(r.perClient->burst, r.perClient->requestsPerSecond)};
    }
    for (const policy::RateLimitRule& rule : r.rules) {
      CompiledRule cr;
      cr.name = rule.name;
      cr.deny = rule.action == policy::RuleAction::Deny;
      if (rule.match.commands) {
        for (const auto& cmd : *rule.match.commands)
          cr.commands.push_back(lower(cmd));
      }
      if (rule.match.keyPrefixes) {
        cr.keyPrefixes = *rule.match.keyPrefixes;
        c->rulesNeedKey = true;
      }
      if (rule.match.classes) {
        for (auto cls : *rule.match.classes)
          cr.classes |= classBit(cls);
      }
      if (!cr.deny && rule.requestsPerSecond) {
        RateSpec rs = share(*rule.requestsPerSecond, rule.burst);
        cr.perSecond = rs.perSecond;
        cr.burst = rs.burst;
      }
      c->rules.push_back(std::move(cr));
    }
  }
  if (s.concurrency) c->maxInFlight = s.concurrency->maxInFlight;
  if (s.circuitBreaker) {
    const policy::CircuitBreaker& b = *s.circuitBreaker;
    guard::CircuitBreaker::Config cfg;
    cfg.failureRatio = b.failureRatio;
    cfg.slowCallNs = nanos(b.slowCallDuration);
    cfg.slowCallRatio = b.slowCallRatio;
    cfg.minimumCalls = b.minimumCalls;
    cfg.windowNs = nanos(b.window);
    cfg.openNs = nanos(b.openDuration);
    cfg.halfOpenCalls = b.halfOpenCalls;
    c->breaker = cfg;
  }
  if (s.override_) c->mode = s.override_->mode;

  c->rateLimitedError = "-BUSY bulwark: rate limited by " + c->key + " (retry later)\r\n";
  c->breakerOpenError = "-BUSY bulwark: circuit open for " + c->key + "\r\n";
  c->bulkheadFullError = "-BUSY bulwark: too many requests in flight for " + c->key + "\r\n";
  c->timeoutError = "-ERR bulwark: upstream timed out for " + c->key + "\r\n";
  c->upstreamDownError = "-ERR bulwark: upstream unavailable for " + c->key + "\r\n";
  return c;
}

}  // namespace bulwark::runtime
