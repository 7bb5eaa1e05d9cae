// Logging set-up: spdlog to stderr, as text or one JSON object per line.
#pragma once

#include <string>

#include "core/status.h"

namespace chainaccel::server {

// REQUIRES: level and format validated (server/config.h ValidateConfig).
void SetUpLogging(const std::string& level, const std::string& format);

}  // namespace chainaccel::server
