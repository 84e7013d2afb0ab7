#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowsync::standin {

/// An HTTP answer built by a handler, before the server sends it (and
/// before fault injection may spoil it).
struct reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string body;
};

/// PostgREST's error body: code, details, hint, message (nulls included).
reply postgrest_error(int status, std::string_view code,
                      std::string_view message,
                      const std::optional<std::string>& details = std::nullopt,
                      const std::optional<std::string>& hint = std::nullopt);

/// The Auth service's error body. Without the API version header it is
/// `{"code":<status>,"error_code":...,"msg":...}`; with
/// `X-Supabase-Api-Version: 2024-01-01` it is `{"code":...,"message":...}`.
reply gotrue_error(int status, std::string_view error_code,
                   std::string_view message, bool dated_api = false);

/// The API gateway's own refusals: `{"message":...,"hint":...}`.
reply gateway_error(int status, std::string_view message,
                    std::string_view hint = {});

/// Escapes <, > and & the way Go's encoder does, so that bodies match the
/// Auth service's byte for byte.
std::string go_html_escape(std::string json);

} // namespace flowsync::standin
