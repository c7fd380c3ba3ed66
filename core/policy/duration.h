#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bulwark::policy {

// Kubernetes (Go) duration strings such as "250ms", "5s", "1m30s", "1.5h". Parsing is strict: every
// component needs a unit, no sign, no spaces, no bare "0" — exactly the CRD's pattern.
std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text, std::string* error = nullptr);

// The shortest string parseDuration maps back to the same value: "1m30s", "250ms", "1h".
std::string formatDuration(std::chrono::nanoseconds d);

}  // namespace bulwark::policy
