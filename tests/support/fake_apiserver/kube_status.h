#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bulwark::fakeapi {

// A meta.k8s.io/v1 Status object with status Failure, as the API server sends with every error response
// (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/).
inline nlohmann::json failureStatus(int code, const std::string& reason, const std::string& message,
                                    nlohmann::json details = nullptr) {
  nlohmann::json s = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                      {"status", "Failure"}, {"message", message}, {"reason", reason},
                      {"code", code}};
  if (!details.is_null()) s["details"] = std::move(details);
  return s;
}

inline nlohmann::json statusDetails(const std::string& name, const std::string& group,
                                    const std::string& kind) {
  nlohmann::json d = nlohmann::json::object();
  if (!name.empty()) d["name"] = name;
  if (!group.empty()) d["group"] = group;
  d["kind"] = kind;
  return d;
}

}  // namespace bulwark::fakeapi
