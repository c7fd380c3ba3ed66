#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/fake_apiserver/resource_catalog.h"

namespace bulwark::fakeapi {

// OpenAPI v3 discovery (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-v3):
// GET /openapi/v3 lists one document per group-version; GET /openapi/v3/apis/G/V returns it.
// kubectl reads these for two things: whether PATCH accepts the fieldValidation parameter (then it
// leaves validation to the server), and `kubectl explain`. Custom resources get their CRD schema with
// ObjectMeta referenced; built-in kinds an open object schema (explain shows no fields for them).
nlohmann::json openApiIndex(const ResourceCatalog& catalog);
// `groupVersion` is "api/v1" or "apis/G/V"; null when unknown.
nlohmann::json openApiDocument(const ResourceCatalog& catalog, const std::string& groupVersion);

}  // namespace bulwark::fakeapi
