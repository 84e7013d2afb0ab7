#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

/// Project log macros. Messages name their subject first, as a plain
/// sentence: "config-writer flushed 1204 accounts in 38 ms". Never pass a
/// key, a token or a raw response body.
#define FLOWSYNC_TRACE(...) ::spdlog::trace(__VA_ARGS__)
#define FLOWSYNC_DEBUG(...) ::spdlog::debug(__VA_ARGS__)
#define FLOWSYNC_INFO(...) ::spdlog::info(__VA_ARGS__)
#define FLOWSYNC_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define FLOWSYNC_ERROR(...) ::spdlog::error(__VA_ARGS__)

namespace flowsync {

/// Sets up the default logger: level from `level` (trace, debug, info, warn,
/// error, off), falling back to FLOWSYNC_LOG_LEVEL and then to info. Output
/// goes to standard error with a timestamp.
void init_logging(std::string_view level);

} // namespace flowsync
