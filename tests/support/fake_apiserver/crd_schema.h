#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::fakeapi {

// One field error as the API server reports it in a Status's details.causes
// (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/#StatusCause).
struct FieldCause {
  std::string reason;   // FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, ...
  std::string message;  // "Required value", "Invalid value: 0: spec.x in body should be ..."
  std::string field;    // spec.rateLimit.burst, spec.clients[1]

  nlohmann::json toJson() const { return {{"reason", reason}, {"message", message}, {"field", field}}; }
};

// Removes the fields the schema does not declare (structural pruning), returning their paths as the
// server names them in "unknown field" warnings and strict-decoding errors. metadata is checked against
// ObjectMeta; apiVersion and kind are always known.
std::vector<std::string> pruneUnknownFields(const nlohmann::json& schema, nlohmann::json& object);

// Sets every default of the schema that is absent (or null where the schema is not nullable), recursing
// into the defaulted values, as the server does on every write.
void applySchemaDefaults(const nlohmann::json& schema, nlohmann::json& value);

// Validates a custom resource against its CRD's openAPIV3Schema: types, required, enum, minimum/maximum
// (exclusive too), minLength/maxLength, pattern, minItems/maxItems, min/maxProperties, date-time format,
// int-or-string, nullable, and x-kubernetes-list-type set/map uniqueness. Messages follow
// apiextensions-apiserver's wording.
std::vector<FieldCause> validateSchema(const nlohmann::json& schema, const nlohmann::json& object);

// The CRD's x-kubernetes-validations (CEL) rules, approximated: the project's C++ validator
// (core/policy checkPolicy) enforces the same rules, so its errors that land exactly where a CEL rule of
// the schema reports (the rule's object path plus its fieldPath) are returned with that rule's message.
// Only ResiliencePolicy has such a mirror; other kinds get no CEL check.
std::vector<FieldCause> approximateCelRules(const nlohmann::json& schema, const nlohmann::json& object);

}  // namespace bulwark::fakeapi
