#pragma once

#include "adapters/supabase.hpp"
#include "messages/counters.hpp"
#include "messages/supabase.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/omittable.hpp>
#include <caf/meta/type_name.hpp>

namespace flowsync {

/// One wallet as the supervisor hands it to a worker: the row as read, what
/// the policy needs to know of its user, and its unfinished transactions.
struct wallet_task {
  std::string auth_id;
  /// As stored in the row; untrusted, checked by the planner and on chain.
  std::string address;
  std::string public_key;
  std::string sealed_key;
  /// The user is banned: never topped up.
  bool banned = false;
  /// Top-ups the ledger records for this address today.
  uint32_t top_ups_today = 0;
  /// Ledger rows of this user that are not final; resolved before anything
  /// else is done for the wallet.
  std::vector<ledger_entry> open_entries;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wallet_task& x) {
  return f(caf::meta::type_name("wallet_task"), x.auth_id, x.address,
           x.public_key, caf::meta::omittable(), x.sealed_key, x.banned,
           x.top_ups_today, x.open_entries);
}

/// A batch of wallets for one worker.
struct wallet_batch {
  uint64_t cycle = 0;
  uint64_t id = 0;
  std::vector<wallet_task> wallets;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wallet_batch& x) {
  return f(caf::meta::type_name("wallet_batch"), x.cycle, x.id, x.wallets);
}

/// A wallet that was refused, and why; reported by user id.
struct refused_wallet {
  std::string auth_id;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, refused_wallet& x) {
  return f(caf::meta::type_name("refused_wallet"), x.auth_id, x.reason);
}

/// What a worker did with a batch.
struct batch_report {
  uint64_t id = 0;
  cycle_counters counters;
  std::vector<refused_wallet> refused;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_report& x) {
  return f(caf::meta::type_name("batch_report"), x.id, x.counters, x.refused);
}

/// An account for the Flow CLI configuration: named by its user's id.
struct account_entry {
  std::string auth_id;
  std::string address;
  /// The sealed private key; the config writer opens it to write the file.
  std::string sealed_key;
  uint32_t key_index = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_entry& x) {
  return f(caf::meta::type_name("account_entry"), x.auth_id, x.address,
           caf::meta::omittable(), x.sealed_key, x.key_index);
}

/// What a flush of the Flow CLI configuration did.
struct flush_report {
  uint64_t accounts = 0;
  uint64_t key_files_written = 0;
  /// Whether `flow-production.json` was rewritten (false: nothing changed).
  bool written = false;
  double milliseconds = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flush_report& x) {
  return f(caf::meta::type_name("flush_report"), x.accounts,
           x.key_files_written, x.written, x.milliseconds);
}

} // namespace flowsync
