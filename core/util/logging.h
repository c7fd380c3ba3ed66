#pragma once

#include <string>

namespace bulwark {

// Sets spdlog's default logger for a binary: `format` is "text" or "json" (one JSON object per line with
// time, level, logger and msg), `level` a spdlog level name. Returns an error message, empty on success.
std::string configureLogging(const std::string& name, const std::string& format, const std::string& level);

}  // namespace bulwark
