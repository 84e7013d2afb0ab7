#pragma once

#include "adapters/address.hpp"
#include "adapters/flow_access.hpp"
#include "adapters/ufix64.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

/// The verdict of the crash test: what the chain and the database say after
/// the daemon was killed many times, compared without the daemon's help.
/// Pure: the observations are gathered elsewhere (observe.hpp), so the rules
/// can be tested on made-up evidence.
namespace flowsync::crash {

/// A user as the database holds it, with what their sealed key opened to.
struct user_record {
  std::string auth_id;
  bool has_row = false;
  /// The wallet row's address, 16 hex digits, or empty.
  std::string address;
  /// The stored public key, 128 hex digits, or empty.
  std::string public_key;
  bool has_sealed_key = false;
  /// The sealed key opened with the master key for this user.
  bool key_opens = false;
  /// The public key of the opened private key; empty when it did not open.
  std::string opened_public_key;
};

/// An account that a `flow.AccountCreated` event announced.
struct chain_account {
  address addr;
  /// The transaction that created it and the block it is in.
  std::string tx_id;
  uint64_t height = 0;
  /// Its unrevoked full-weight public keys, 128 hex digits each.
  std::vector<std::string> keys;
};

/// A FLOW deposit (`FlowToken.TokensDeposited`) into some account.
struct deposit {
  std::string tx_id;
  address to;
  ufix64 amount;
};

/// One row of the daemon's ledger.
struct ledger_record {
  std::string tx_id;
  /// create_account, top_up or setup_vault.
  std::string kind;
  std::string auth_id;
  std::string status;
};

/// What the chain says about a transaction the ledger names.
enum class chain_outcome { unknown, pending, sealed, failed, expired };

/// A short name of an outcome: "sealed", "unknown", ...
const char* to_string(chain_outcome outcome) noexcept;

/// The outcome of a transaction result as the access node reported it.
chain_outcome outcome_of(const tx_result& result) noexcept;

/// Everything the verdict looks at.
struct evidence {
  std::vector<user_record> users;
  /// Every account created on chain, in chain order.
  std::vector<chain_account> accounts;
  /// Accounts created below this height are the sandbox's own.
  uint64_t daemon_from_height = 0;
  std::vector<deposit> deposits;
  std::vector<ledger_record> ledger;
  /// The chain's outcome of every transaction id in the ledger.
  std::map<std::string, chain_outcome> outcomes;
  /// How often the test drained each address.
  std::map<address, int> drains;
  /// The first public key seen in each user's row, from the snapshots
  /// taken between kills.
  std::map<std::string, std::string> first_keys;
};

/// One thing found wrong, for people.
struct finding {
  /// duplicate, loss or ledger.
  std::string category;
  std::string text;
};

/// The counts the crash test prints and the findings behind them.
struct verdict {
  size_t users = 0;
  size_t accounts_created = 0;
  size_t creation_txs = 0;
  size_t top_up_txs = 0;
  size_t top_ups = 0;
  size_t drains = 0;
  /// Distinct transaction ids of the ledger, by ledger status.
  std::map<std::string, size_t> ledger_txs;
  /// Users whose account creation expired at least once and who now hold
  /// exactly one account with their stored key.
  size_t users_recreated_after_expiry = 0;

  size_t second_accounts = 0;
  size_t second_top_ups = 0;

  size_t users_without_row = 0;
  size_t users_without_key = 0;
  size_t keys_not_opening = 0;
  size_t users_without_account = 0;
  size_t wrong_addresses = 0;
  size_t orphan_accounts = 0;
  size_t missed_top_ups = 0;
  /// Users whose stored key differs from the first one seen: whatever was
  /// created or sealed with the old key is out of reach.
  size_t replaced_keys = 0;

  size_t open_ledger_rows = 0;
  size_t ledger_disagreements = 0;
  size_t unrecorded_txs = 0;

  std::vector<finding> findings;

  /// Accounts or top-ups paid more than once.
  size_t duplicates() const { return second_accounts + second_top_ups; }

  /// Users left without their one working account, keys that cannot be
  /// used, money sent where nobody can reach it, top-ups never paid.
  size_t losses() const {
    return users_without_row + users_without_key + keys_not_opening
           + users_without_account + wrong_addresses + orphan_accounts
           + missed_top_ups + replaced_keys;
  }

  /// Rows not final, rows that contradict the chain, and transactions on
  /// chain that the ledger never recorded (the write-ahead rule broken).
  size_t ledger_problems() const {
    return open_ledger_rows + ledger_disagreements + unrecorded_txs;
  }

  bool passed() const {
    return duplicates() == 0 && losses() == 0 && ledger_problems() == 0;
  }
};

/// Applies the rules of the crash test to the evidence.
verdict judge(const evidence& ev);

/// The verdict as the lines the crash test prints, findings included (at
/// most `max_findings` of them).
std::string describe(const verdict& v, size_t max_findings = 50);

} // namespace flowsync::crash
