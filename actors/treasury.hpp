#pragma once

#include "adapters/settings.hpp"
#include "adapters/ufix64.hpp"

#include <string>

namespace flowsync {

/// What the service account may still spend. Pure bookkeeping, owned by the
/// supervisor: workers ask before every creation or top-up.
///
/// Two limits apply. Nothing is spent that would take the service account
/// below the floor (creations and top-ups alike), and top-ups together stay
/// within the daily budget.
class treasury {
 public:
  explicit treasury(const policy_settings& policy);

  /// Starts a cycle with the service account's balance as read from chain
  /// and the top-ups already made today according to the ledger.
  void start_cycle(ufix64 service_balance, ufix64 topped_up_today);

  /// Takes a fresh reading of the balance between cycles: what was spent
  /// so far is in it already.
  void refresh_balance(ufix64 service_balance);

  /// True when the balance is at or below the floor: nothing is spent.
  bool below_floor() const noexcept;

  /// Grants up to `amount` for account creations; 0 when the floor does not
  /// allow all of it (a creation is all or nothing).
  ufix64 grant_creation(ufix64 amount);

  /// Grants a whole number of top-ups of `each`, at most `count`, within
  /// the floor and the daily budget. Returns how many.
  uint64_t grant_top_ups(ufix64 each, uint64_t count);

  /// Gives back what was granted but not spent (a transaction that failed
  /// before it was sent).
  void refund(ufix64 amount, bool top_up);

  /// FLOW that may still be spent this cycle above the floor.
  ufix64 spendable() const noexcept;

  /// FLOW left of today's top-up budget.
  ufix64 budget_left() const noexcept;

 private:
  policy_settings policy_;
  ufix64 balance_;
  ufix64 spent_;
  ufix64 topped_up_today_;
};

} // namespace flowsync
