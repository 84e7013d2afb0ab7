#pragma once

#include "tools/standin/pg.hpp"
#include "tools/standin/reply.hpp"

#include <string>
#include <utility>
#include <vector>

namespace flowsync::standin {

/// The Auth service's admin users API and anonymous sign-up, shaped as
/// GoTrue shapes them. Callers have already checked the caller's role.
class auth_api {
 public:
  auth_api(pg_pool& pool, std::string jwt_secret)
      : pool_(pool), jwt_secret_(std::move(jwt_secret)) {
    // nop
  }

  /// `GET /admin/users`: one page, newest first, with the paging headers.
  /// `params` are the decoded query parameters in their original order.
  reply
  list_users(const std::vector<std::pair<std::string, std::string>>& params,
             bool dated_api);

  /// `GET /admin/users/{id}`.
  reply get_user(const std::string& id, bool dated_api);

  /// `POST /admin/users`.
  reply create_user(const std::string& body, bool dated_api);

  /// `PUT /admin/users/{id}`.
  reply update_user(const std::string& id, const std::string& body,
                    bool dated_api);

  /// `DELETE /admin/users/{id}`, soft when the body asks for it.
  reply delete_user(const std::string& id, const std::string& body,
                    bool dated_api);

  /// `POST /signup` without email or phone: a new anonymous user and its
  /// session.
  reply signup(const std::string& body, bool dated_api);

 private:
  pg_pool& pool_;
  std::string jwt_secret_;
};

/// Parses a Go duration ("876000h", "1h30m", "-1.5s") into microseconds.
/// Returns false and sets `error` to Go's message otherwise.
bool parse_go_duration(const std::string& text, long long& microseconds,
                       std::string& error);

} // namespace flowsync::standin
