#include "core/bundle/bundle.h"

#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <set>

#include "core/policy/policy_encoder.h"
#include "core/policy/policy_loader.h"

namespace bulwark::bundle {
namespace {

using nlohmann::json;
using policy::FieldError;

json policyJson(const policy::ResiliencePolicy& p) {
  policy::ResiliencePolicy copy = p;
  copy.status.reset();  // status is the operator's business, not the agent's
  return policy::encodePolicy(copy);
}

json content(const Bundle& b) {
  json policies = json::array();
  for (const PolicyEntry& e : b.policies)
    policies.push_back({{"policy", policyJson(e.policy)}, {"share", e.share}});
  json identities = json::object();
  for (const auto& [ip, id] : b.identities)
    identities[ip] = {{"namespace", id.namespace_}, {"labels", id.labels}};
  return {{"policies", policies}, {"identities", identities}};
}

std::string sha256Hex(const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

std::string shortDump(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace

std::string bundleHash(const Bundle& bundle) {
  // nlohmann::json keeps object keys sorted: the dump is canonical.
  return "sha256:" + sha256Hex(content(bundle).dump(-1, ' ', false, json::error_handler_t::replace));
}

json encodeBundle(const Bundle& bundle) {
  json out = content(bundle);
  out["generation"] = bundle.generation;
  out["hash"] = bundleHash(bundle);
  return out;
}

DecodedBundle decodeBundle(const json& doc) {
  DecodedBundle out;
  auto error = [&](std::string path, std::string message, const json* got = nullptr) {
    out.errors.push_back({std::move(path), std::move(message), got ? shortDump(*got) : std::string()});
  };
  if (!doc.is_object()) {
    error("", "a bundle must be a JSON object", &doc);
    return out;
  }
  for (const auto& [key, value] : doc.items()) {
    if (key != "generation" && key != "hash" && key != "policies" && key != "identities") {
      error(key, "unknown field");
    }
  }
  if (!doc.contains("generation") || !doc["generation"].is_number_integer() ||
      doc["generation"].get<int64_t>() < 0) {
    error("generation", "required, an integer >= 0",
          doc.contains("generation") ? &doc["generation"] : nullptr);
  } else {
    out.bundle.generation = doc["generation"].get<int64_t>();
  }
  if (!doc.contains("hash") || !doc["hash"].is_string()) {
    error("hash", "required, a string", doc.contains("hash") ? &doc["hash"] : nullptr);
  } else {
    out.hash = doc["hash"].get<std::string>();
  }

  std::set<std::string> keys;
  std::set<int64_t> ports;
  const json* policies = doc.contains("policies") ? &doc["policies"] : nullptr;
  if (policies == nullptr || !policies->is_array()) {
    error("policies", "required, a list", policies);
  } else {
    for (size_t i = 0; i < policies->size(); ++i) {
      const json& entry = (*policies)[i];
      const std::string at = "policies[" + std::to_string(i) + "]";
      if (!entry.is_object() || !entry.contains("policy")) {
        error(at, "must be an object with a policy and a share", &entry);
        continue;
      }
      for (const auto& [key, value] : entry.items()) {
        if (key != "policy" && key != "share") error(at + "." + key, "unknown field");
      }
      PolicyEntry e;
      if (entry.contains("share")) {
        const json& s = entry["share"];
        if (!s.is_number() || !std::isfinite(s.get<double>()) || s.get<double>() <= 0 ||
            s.get<double>() > 1) {
          error(at + ".share", "must be a number in (0, 1]", &s);
        } else {
          e.share = s.get<double>();
        }
      }
      policy::CheckedPolicy checked = policy::checkPolicy(entry["policy"]);
      for (const FieldError& fe : checked.errors) {
        error(at + ".policy" + (fe.path.empty() ? "" : "." + fe.path), fe.message);
        out.errors.back().got = fe.got;
      }
      if (!checked.valid()) continue;
      e.policy = std::move(checked.policy);
      if (!keys.insert(e.policy.key()).second) {
        error(at + ".policy.metadata.name", "policy " + e.policy.key() + " appears twice");
        continue;
      }
      if (!ports.insert(e.policy.spec.target.listenPort).second) {
        error(at + ".policy.spec.target.listenPort", "port is used by another policy of the bundle",
              &entry["policy"]["spec"]["target"]["listenPort"]);
        continue;
      }
      out.bundle.policies.push_back(std::move(e));
    }
  }

  if (doc.contains("identities")) {
    const json& ids = doc["identities"];
    if (!ids.is_object()) {
      error("identities", "must be an object keyed by pod IP", &ids);
    } else {
      for (const auto& [ip, id] : ids.items()) {
        const std::string at = "identities[" + ip + "]";
        if (!id.is_object() || !id.contains("namespace") || !id["namespace"].is_string()) {
          error(at, "must be an object with a namespace and labels", &id);
          continue;
        }
        Identity identity;
        identity.namespace_ = id["namespace"].get<std::string>();
        if (id.contains("labels")) {
          if (!id["labels"].is_object()) {
            error(at + ".labels", "must be an object of strings", &id["labels"]);
            continue;
          }
          for (const auto& [k, v] : id["labels"].items()) {
            if (v.is_string()) {
              identity.labels[k] = v.get<std::string>();
            } else {
              error(at + ".labels[" + k + "]", "must be a string", &v);
            }
          }
        }
        out.bundle.identities[ip] = std::move(identity);
      }
    }
  }

  if (out.errors.empty() && out.hash != bundleHash(out.bundle)) {
    error("hash", "does not match the content (expected " + bundleHash(out.bundle) + ")", &doc["hash"]);
  }
  return out;
}

}  // namespace bulwark::bundle
