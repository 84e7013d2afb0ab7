#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace flowsync {

/// The counters of one reconcile cycle. Workers send deltas; the stats actor
/// adds them up and prints the summary. The first twelve are the ones the
/// original service reported.
struct cycle_counters {
  /// Wallets this cycle took care of (skipped users excluded).
  uint64_t total = 0;
  /// Wallets that ended the cycle fully in step.
  uint64_t synced = 0;
  /// Rows refused as corrupt or hostile; nothing was sent for them.
  uint64_t corrupted = 0;
  uint64_t created = 0;
  uint64_t creation_errors = 0;
  uint64_t vaults_created = 0;
  uint64_t vaults_present = 0;
  uint64_t vault_errors = 0;
  uint64_t balance_checks = 0;
  uint64_t funding_needed = 0;
  uint64_t funding_sealed = 0;
  uint64_t funding_errors = 0;
  /// Users not served: soft-deleted, anonymous (unless enabled).
  uint64_t skipped = 0;
  /// Wallets waiting on a transaction that is not final yet.
  uint64_t pending = 0;
  /// Auth user records that could not be read.
  uint64_t bad_records = 0;
  /// Requests sent to the access node.
  uint64_t scripts = 0;
  uint64_t transactions = 0;
  /// What a dry run (`flowsync plan`) would have done.
  uint64_t planned_creations = 0;
  uint64_t planned_top_ups = 0;
  uint64_t planned_repairs = 0;

  cycle_counters& operator+=(const cycle_counters& other);
};

/// Calls `f(name, value)` for every counter, in the order declared.
template <class F>
void for_each_counter(const cycle_counters& x, F f) {
  f("total", x.total);
  f("synced", x.synced);
  f("corrupted", x.corrupted);
  f("created", x.created);
  f("creation_errors", x.creation_errors);
  f("vaults_created", x.vaults_created);
  f("vaults_present", x.vaults_present);
  f("vault_errors", x.vault_errors);
  f("balance_checks", x.balance_checks);
  f("funding_needed", x.funding_needed);
  f("funding_sealed", x.funding_sealed);
  f("funding_errors", x.funding_errors);
  f("skipped", x.skipped);
  f("pending", x.pending);
  f("bad_records", x.bad_records);
  f("scripts", x.scripts);
  f("transactions", x.transactions);
  f("planned_creations", x.planned_creations);
  f("planned_top_ups", x.planned_top_ups);
  f("planned_repairs", x.planned_repairs);
}

/// The counters as one line of `name=value` pairs, for logs.
std::string to_string(const cycle_counters& x);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cycle_counters& x) {
  return f(caf::meta::type_name("cycle_counters"), x.total, x.synced,
           x.corrupted, x.created, x.creation_errors, x.vaults_created,
           x.vaults_present, x.vault_errors, x.balance_checks, x.funding_needed,
           x.funding_sealed, x.funding_errors, x.skipped, x.pending,
           x.bad_records, x.scripts, x.transactions, x.planned_creations,
           x.planned_top_ups, x.planned_repairs);
}

/// What one cycle ended with.
struct cycle_summary {
  uint64_t cycle = 0;
  /// False when the cycle could not read its users or was cut short.
  bool complete = false;
  double seconds = 0;
  cycle_counters counters;

  /// Every wallet ended in step and nothing was left out.
  bool all_synced() const noexcept {
    return complete && counters.synced == counters.total;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cycle_summary& x) {
  return f(caf::meta::type_name("cycle_summary"), x.cycle, x.complete,
           x.seconds, x.counters);
}

} // namespace flowsync
