#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bulwark::policy {

// Kubernetes quantities used for byte sizes: "64Mi", "1Gi", "500M", "1048576". Strict: a decimal
// mantissa and at most one suffix (Ki Mi Gi Ti Pi Ei, k M G T P E); the result must be whole bytes.
std::optional<int64_t> parseByteQuantity(std::string_view text, std::string* error = nullptr);

// Canonical form: the largest binary suffix that divides exactly, else decimal, else plain bytes.
std::string formatByteQuantity(int64_t bytes);

}  // namespace bulwark::policy
