#pragma once

#include <cstdint>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace flowsync {

/// The three budgets of the access node. Every request to it belongs to one.
enum class request_class : uint8_t {
  /// ExecuteScript (5/s on public mainnet nodes).
  script,
  /// SendTransaction (50/s).
  transaction,
  /// Accounts, blocks, transaction results (100/s).
  access,
};

const char* to_string(request_class x) noexcept;

/// The rate limiter's own record of the grants of one class: when each was
/// made, in nanoseconds of the actor clock, oldest first.
struct grant_log {
  request_class cls = request_class::script;
  /// The limit in force, per second.
  uint32_t limit = 0;
  std::vector<int64_t> granted_at;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grant_log& x) {
  return f(caf::meta::type_name("grant_log"), x.cls, x.limit, x.granted_at);
}

} // namespace flowsync
