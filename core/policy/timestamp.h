#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bulwark::policy {

using Timestamp = std::chrono::system_clock::time_point;

// RFC 3339 date-time as Kubernetes writes it: "2026-12-03T16:57:08Z", with optional fraction and offset.
std::optional<Timestamp> parseTimestamp(std::string_view text, std::string* error = nullptr);

// UTC with a Z, fraction only when not whole seconds.
std::string formatTimestamp(Timestamp t);

}  // namespace bulwark::policy
