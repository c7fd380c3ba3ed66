#pragma once

// The document the operator sends to each agent (PUT /v1/bundle): every policy that node enforces, with
// the node's share of each cluster-wide budget, and who the client pods are. One JSON object; the same
// bytes are persisted by the agent so it can enforce them again after a restart (fail-static).
//
//   {"generation": 17,
//    "hash": "sha256:…",                      // of everything below, computed by bundleHash()
//    "policies": [{"policy": {ResiliencePolicy as Kubernetes JSON, without status},
//                  "share": 0.333}],           // (0, 1]: this node's fraction of every budget
//    "identities": {"10.1.2.3": {"namespace": "shop", "labels": {"app": "checkout"}}}}

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/policy/field_error.h"
#include "core/policy/resilience_policy.h"

namespace bulwark::bundle {

struct PolicyEntry {
  policy::ResiliencePolicy policy;
  double share = 1.0;
  bool operator==(const PolicyEntry&) const = default;
};

// A client pod, by its IP: what client classes (podSelector, namespaceSelector) match against.
struct Identity {
  std::string namespace_;
  std::map<std::string, std::string> labels;
  bool operator==(const Identity&) const = default;
};

struct Bundle {
  int64_t generation = 0;
  std::vector<PolicyEntry> policies;
  std::map<std::string, Identity> identities;
  bool operator==(const Bundle&) const = default;
};

// "sha256:<hex>" of the canonical JSON of the policies and identities (not the generation): two bundles
// with the same content have the same hash, so an agent can tell a repeat from a change.
std::string bundleHash(const Bundle& bundle);

// With "hash" filled in.
nlohmann::json encodeBundle(const Bundle& bundle);

struct DecodedBundle {
  Bundle bundle;
  std::string hash;            // as sent (equal to bundleHash when valid)
  policy::FieldErrors errors;  // empty when the bundle can be applied
  bool valid() const { return errors.empty(); }
};

// Validates fully: structure, every policy (the validator's rules, paths prefixed with
// policies[i].policy), shares, duplicate policies and listenPorts, and that the hash matches the content.
// Never throws.
DecodedBundle decodeBundle(const nlohmann::json& document);

}  // namespace bulwark::bundle
