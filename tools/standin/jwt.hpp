#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowsync::standin {

/// Base64url without padding, as JWTs use it.
std::string base64url_encode(std::string_view data);

/// Decodes base64url (padding optional); nullopt on a foreign character.
std::optional<std::string> base64url_decode(std::string_view text);

/// Why a token was refused.
enum class jwt_problem {
  none,
  malformed,
  bad_algorithm,
  bad_signature,
  expired
};

/// What a verified token says about its bearer.
struct jwt_claims {
  /// The payload exactly as sent, handed to PostgreSQL as the claims.
  std::string json;
  std::string role;
  std::string sub;
  bool is_anonymous = false;
};

struct jwt_check {
  jwt_problem problem = jwt_problem::none;
  jwt_claims claims;
};

/// Checks an HS256 token against `secret` and its `exp` against `now`
/// (seconds since the epoch).
jwt_check verify_jwt(std::string_view token, const std::string& secret,
                     int64_t now);

/// Signs `payload_json` with HS256.
std::string sign_jwt(std::string_view payload_json, const std::string& secret);

/// The API key of `role` ("anon" or "service_role"). Deterministic, like a
/// project's keys: the same secret always yields the same keys.
std::string make_api_key(std::string_view role, const std::string& secret);

/// Reads a JWT secret from a file, without trailing whitespace. Returns an
/// empty string and sets `error` when the file is unreadable or the secret
/// shorter than 32 characters (Supabase's minimum).
std::string read_jwt_secret(const std::string& path, std::string& error);

} // namespace flowsync::standin
