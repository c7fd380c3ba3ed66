#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/fake_apiserver/resource_catalog.h"

namespace bulwark::fakeapi {

// A meta.k8s.io/v1 Table of `objects`, what the server answers to
// Accept: application/json;as=Table;v=v1;g=meta.k8s.io
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables).
// Custom resources get Name plus the CRD's additionalPrinterColumns (date columns as ages, like
// apiextensions-apiserver's table convertor); built-in kinds get Name, a Status where the kind has a
// phase, and Age. includeObject: None, Metadata (default) or Object.
nlohmann::json renderTable(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                           const std::string& includeObject, const nlohmann::json& listMetadata,
                           std::chrono::system_clock::time_point now);

// k8s.io/apimachinery's duration.HumanDuration: 45s, 3m20s, 5h, 12d, 2y10d.
std::string humanDuration(std::chrono::seconds d);

}  // namespace bulwark::fakeapi
