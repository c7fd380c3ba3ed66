#include "agent/stats/agent_stats.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <algorithm>

namespace bulwark::stats {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

const char* decisionName(Decision d) {
  switch (d) {
    case Decision::Allowed:
      return "allowed";
    case Decision::Limited:
      return "limited";
    case Decision::Denied:
      return "denied";
    case Decision::Shed:
      return "shed";
    case Decision::Stale:
      return "stale";
    case Decision::Coalesced:
      return "coalesced";
    case Decision::BreakerOpen:
      return "breaker_open";
    case Decision::Timeout:
      return "timeout";
    case Decision::kCount:
      break;
  }
  return "unknown";
}

void LatencyHistogram::observe(int64_t nanos) {
  const double seconds = static_cast<double>(nanos) / 1e9;
  size_t i = 0;
  while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i])
    ++i;
  buckets[i].add();
  count.add();
  sumNanos.add(static_cast<uint64_t>(std::max<int64_t>(0, nanos)));
}

PolicyStats::PolicyStats(std::string policy, std::string protocol, size_t workers)
    : policy_(std::move(policy)), protocol_(std::move(protocol)) {
  for (size_t i = 0; i < workers; ++i)
    workers_.push_back(std::make_unique<WorkerPolicyStats>());
}

void PolicyStats::setGauges(PolicyGauges g) {
  std::lock_guard lock(gaugesMutex_);
  gauges_ = std::move(g);
}

uint64_t PolicyStats::decisions(Decision d) const {
  uint64_t total = 0;
  for (const auto& w : workers_)
    total += w->decisions[static_cast<size_t>(d)].get();
  return total;
}

namespace {

MetricFamily& family(std::vector<MetricFamily>& families, const std::string& name, const std::string& help,
                     MetricType type) {
  for (auto& f : families) {
    if (f.name == name) return f;
  }
  families.push_back(MetricFamily{name, help, type, {}});
  return families.back();
}

ClientMetric labelled(const std::vector<std::pair<std::string, std::string>>& labels) {
  ClientMetric m;
  for (const auto& [k, v] : labels)
    m.label.push_back({k, v});
  return m;
}

}  // namespace

void PolicyStats::collect(std::vector<MetricFamily>& families) const {
  const std::vector<std::pair<std::string, std::string>> base = {{"policy", policy_},
                                                                 {"protocol", protocol_}};
  auto& requests = family(families, "bulwark_requests_total",
                          "Requests seen by the agent, by the decision taken on them.", MetricType::Counter);
  for (size_t d = 0; d < static_cast<size_t>(Decision::kCount); ++d) {
    auto labels = base;
    labels.emplace_back("decision", decisionName(static_cast<Decision>(d)));
    ClientMetric m = labelled(labels);
    m.counter.value = static_cast<double>(decisions(static_cast<Decision>(d)));
    requests.metric.push_back(std::move(m));
  }

  uint64_t upstreamErrors = 0, protocolErrors = 0, opened = 0, closed = 0, count = 0, sumNanos = 0;
  std::array<uint64_t, kLatencyBuckets.size() + 1> buckets{};
  for (const auto& w : workers_) {
    upstreamErrors += w->upstreamErrors.get();
    protocolErrors += w->protocolErrors.get();
    opened += w->connectionsOpened.get();
    closed += w->connectionsClosed.get();
    count += w->upstreamLatency.count.get();
    sumNanos += w->upstreamLatency.sumNanos.get();
    for (size_t i = 0; i < buckets.size(); ++i)
      buckets[i] += w->upstreamLatency.buckets[i].get();
  }
  ClientMetric hist = labelled(base);
  hist.histogram.sample_count = count;
  hist.histogram.sample_sum = static_cast<double>(sumNanos) / 1e9;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    cumulative += buckets[i];
    hist.histogram.bucket.push_back({cumulative, kLatencyBuckets[i]});
  }
  cumulative += buckets.back();
  hist.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  family(families, "bulwark_upstream_latency_seconds", "Time from forwarding a request to its reply.",
         MetricType::Histogram)
      .metric.push_back(std::move(hist));

  auto counter = [&](const char* name, const char* help, uint64_t v) {
    ClientMetric m = labelled(base);
    m.counter.value = static_cast<double>(v);
    family(families, name, help, MetricType::Counter).metric.push_back(std::move(m));
  };
  counter("bulwark_upstream_errors_total",
          "Upstream failures the breaker counts: error replies, timeouts, lost connections.", upstreamErrors);
  counter("bulwark_protocol_errors_total", "Client connections closed for malformed protocol input.",
          protocolErrors);
  counter("bulwark_connections_opened_total", "Client connections accepted.", opened);
  ClientMetric active = labelled(base);
  active.gauge.value = static_cast<double>(opened - std::min(opened, closed));
  family(families, "bulwark_connections", "Client connections open now.", MetricType::Gauge)
      .metric.push_back(std::move(active));

  std::lock_guard lock(gaugesMutex_);
  auto gauge = [&](const char* name, const char* help, const auto& fn) {
    if (!fn) return;
    ClientMetric m = labelled(base);
    m.gauge.value = static_cast<double>(fn());
    family(families, name, help, MetricType::Gauge).metric.push_back(std::move(m));
  };
  gauge("bulwark_inflight", "Requests awaiting their upstream reply.", gauges_.inFlight);
  gauge("bulwark_inflight_limit", "Most requests allowed in flight (bulkhead or adaptive limit).",
        gauges_.inFlightLimit);
  gauge("bulwark_breaker_state", "Circuit breaker state: 0 closed, 1 open, 2 half-open.",
        gauges_.breakerState);
  gauge("bulwark_spool_bytes", "Bytes held in the publish spool.", gauges_.spoolBytes);
}

void AgentStats::add(std::shared_ptr<PolicyStats> policy) {
  std::lock_guard lock(mutex_);
  policies_.push_back(std::move(policy));
}

void AgentStats::remove(const std::string& policy) {
  std::lock_guard lock(mutex_);
  policies_.erase(std::remove_if(policies_.begin(), policies_.end(),
                                 [&](const auto& p) { return p->policy() == policy; }),
                  policies_.end());
}

std::vector<MetricFamily> AgentStats::Collect() const {
  std::vector<MetricFamily> families;
  std::lock_guard lock(mutex_);
  for (const auto& p : policies_)
    p->collect(families);
  ClientMetric errors;
  errors.counter.value = static_cast<double>(loadErrors_.load(std::memory_order_relaxed));
  family(families, "bulwark_policy_load_errors_total", "Policies refused when loaded (files or bundles).",
         MetricType::Counter)
      .metric.push_back(std::move(errors));
  ClientMetric count;
  count.gauge.value = static_cast<double>(policies_.size());
  family(families, "bulwark_policies", "Valid policies being served.", MetricType::Gauge)
      .metric.push_back(std::move(count));
  return families;
}

}  // namespace bulwark::stats
