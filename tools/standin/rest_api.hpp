#pragma once

#include "tools/standin/pg.hpp"
#include "tools/standin/reply.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flowsync::standin {

/// One request to `/rest/v1/<table>`, already authenticated.
struct rest_request {
  std::string method;
  std::string table;
  /// Query parameters, decoded, in the order they came.
  std::vector<std::pair<std::string, std::string>> params;
  /// All Prefer headers, comma-joined.
  std::string prefer;
  /// Accept-Profile or Content-Profile, when sent.
  std::string profile;
  std::string body;
  /// The database role the JWT names.
  std::string role;
  /// The JWT payload, stored as `request.jwt.claims`.
  std::string claims;
};

/// The PostgREST subset: reads, inserts and upserts, updates and deletes on
/// the tables of schema `public`, each in a transaction under the caller's
/// role so that row level security applies.
class rest_api {
 public:
  rest_api(pg_pool& pool, int64_t max_rows) : pool_(pool), max_rows_(max_rows) {
    // nop
  }

  reply handle(const rest_request& req);

  /// `POST /rest/v1/rpc/<function>`: calls a function of schema `public`
  /// with the body's members as named arguments, under the caller's role,
  /// and answers its result as JSON (an array for set-returning functions).
  /// `req.table` holds the function's name.
  reply call(const rest_request& req);

 private:
  pg_pool& pool_;
  int64_t max_rows_;
};

} // namespace flowsync::standin
