#include "adapters/result.hpp"

namespace flowsync {

const char* to_string(ec code) noexcept {
  switch (code) {
  case ec::none:
    return "none";
  case ec::invalid_input:
    return "invalid_input";
  case ec::parse_error:
    return "parse_error";
  case ec::transport:
    return "transport";
  case ec::timeout:
    return "timeout";
  case ec::rate_limited:
    return "rate_limited";
  case ec::server_error:
    return "server_error";
  case ec::request_rejected:
    return "request_rejected";
  case ec::unauthorized:
    return "unauthorized";
  case ec::not_found:
    return "not_found";
  case ec::compute_limit:
    return "compute_limit";
  case ec::execution_failed:
    return "execution_failed";
  case ec::sequence_mismatch:
    return "sequence_mismatch";
  case ec::expired:
    return "expired";
  case ec::crypto:
    return "crypto";
  case ec::storage:
    return "storage";
  case ec::config:
    return "config";
  case ec::refused:
    return "refused";
  case ec::shutting_down:
    return "shutting_down";
  }
  return "unknown";
}

bool is_retryable(const failure& f) noexcept {
  switch (f.code) {
  case ec::parse_error:
  case ec::transport:
  case ec::timeout:
  case ec::rate_limited:
  case ec::server_error:
    return true;
  default:
    return false;
  }
}

} // namespace flowsync
