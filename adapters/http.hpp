#pragma once

#include "adapters/result.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowsync {

/// Default time a single HTTP exchange may take before it counts as failed.
constexpr std::chrono::milliseconds default_http_timeout{15000};

/// Default time to establish a connection.
constexpr std::chrono::milliseconds default_connect_timeout{5000};

using http_headers = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method = "GET";
  std::string url;
  http_headers headers;
  std::string body;
  std::chrono::milliseconds timeout = default_http_timeout;
};

struct http_response {
  long status = 0;
  /// Header names as the server sent them; look them up with `header()`.
  http_headers headers;
  std::string body;

  /// The value of the first header called `name` (case-insensitive), or an
  /// empty string.
  std::string header(std::string_view name) const;
};

/// A blocking HTTP client over one libcurl easy handle, reused so that the
/// connection stays open between requests. Not thread-safe: one per actor.
class http_client {
 public:
  http_client();
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Performs one exchange. Any answer with an HTTP status is a response,
  /// whatever the status; only a failed exchange (connection refused or
  /// dropped, timeout, truncated transfer) is a failure.
  result<http_response> perform(const http_request& request);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Turns an unsuccessful HTTP answer into a failure: 429 is `rate_limited`
/// with its Retry-After, 5xx `server_error`, 401/403 `unauthorized`, 404
/// `not_found`, other 4xx `request_rejected`. `what` names the request in the
/// message. The body is never copied into the message: it may hold secrets.
failure failure_from_status(const http_response& response,
                            std::string_view what);

/// Percent-encodes `text` for use in a URL query value.
std::string url_encode(std::string_view text);

} // namespace flowsync
