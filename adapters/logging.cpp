#include "adapters/logging.hpp"

#include <cstdlib>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>

namespace flowsync {

void init_logging(std::string_view level) {
  std::string name{level};
  if (name.empty()) {
    if (auto env = std::getenv("FLOWSYNC_LOG_LEVEL"))
      name = env;
  }
  auto logger = spdlog::stderr_logger_mt("flowsync");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  auto lvl = name.empty() ? spdlog::level::info : spdlog::level::from_str(name);
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

} // namespace flowsync
