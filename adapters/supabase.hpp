#pragma once

#include "adapters/http.hpp"
#include "adapters/result.hpp"
#include "adapters/secret.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flowsync {

/// What the daemon needs to know of an Auth user. Never keyed on email.
struct auth_user {
  /// The user's UUID in lower case.
  std::string id;
  std::string created_at;
  /// Soft-deleted: `deleted_at` is set.
  bool deleted = false;
  bool anonymous = false;
  /// `banned_until` lies in the future.
  bool banned = false;
};

/// A user record on a page that could not be used, and why.
struct rejected_record {
  /// Position on the page.
  size_t index = 0;
  /// The record's id when it had a readable one, else empty.
  std::string id;
  std::string reason;
};

/// One page of `GET /auth/v1/admin/users`.
struct user_page {
  std::vector<auth_user> users;
  std::vector<rejected_record> rejected;
  /// `X-Total-Count`, or -1 when the header was missing.
  int64_t total = -1;
  /// The page named by `Link: rel="next"`, or 0 when there is none.
  int next_page = 0;
};

/// A row of `public.wallet`. Empty strings stand for NULL or '' alike.
struct wallet_row {
  std::string id;
  std::string auth_id;
  /// 16 hex digits without 0x when set; untrusted (users may rewrite it).
  std::string flow_address;
  /// 64 raw bytes as hex.
  std::string flow_public_key;
  /// The sealed private key (see adapters/sealing.hpp).
  std::string flow_private_key;
};

/// What a ledger row records.
enum class ledger_kind { create_account, setup_vault, top_up };

/// Where a recorded transaction stands. `signed` and `sent` are not final.
enum class ledger_status { signed_tx, sent, sealed, failed, expired };

const char* to_string(ledger_kind kind) noexcept;
const char* to_string(ledger_status status) noexcept;
result<ledger_kind> parse_ledger_kind(std::string_view text);
result<ledger_status> parse_ledger_status(std::string_view text);

inline bool is_final(ledger_status status) noexcept {
  return status != ledger_status::signed_tx && status != ledger_status::sent;
}

/// A new key pair for a wallet row, stored before its account is created.
struct key_write {
  std::string auth_id;
  std::string public_key;
  /// The private key sealed for this user (adapters/sealing.hpp).
  std::string sealed_key;
};

/// The address of a created account for a wallet row.
struct address_write {
  std::string auth_id;
  /// The key the account was created with; the row must still hold it.
  std::string public_key;
  std::string address;
};

/// A change of status of ledger rows.
struct ledger_update {
  std::string tx_id;
  /// One user's row, or every row of the transaction when empty.
  std::string auth_id;
  ledger_status status = ledger_status::sent;
  int error_code = 0;
  /// Written when not empty (the address of a created account).
  std::string address;
};

/// One row of the ledger table: one user's part in one transaction, written
/// before the transaction is sent.
struct ledger_entry {
  /// Assigned by the database; 0 before insertion.
  int64_t id = 0;
  /// The locally computed transaction id, 64 hex digits.
  std::string tx_id;
  ledger_kind kind = ledger_kind::create_account;
  std::string auth_id;
  /// The account concerned; empty for a creation until it is sealed.
  std::string address;
  /// FLOW moved, as UFix64 text ("0.10000000"); empty when none.
  std::string amount;
  ledger_status status = ledger_status::signed_tx;
  /// Flow error code of a failed transaction, else 0.
  int error_code = 0;
  /// Height of the reference block: once the chain is past it by the expiry
  /// window, a transaction the node does not know can never execute.
  uint64_t reference_height = 0;
  uint32_t proposal_key_index = 0;
  uint64_t sequence_number = 0;
  std::string created_at;
};

/// The Supabase API the daemon uses: Auth admin users and PostgREST on the
/// wallet and ledger tables. Blocking; one instance per actor. The HTTP
/// implementation is the real one; tests substitute fakes.
class supabase_api {
 public:
  virtual ~supabase_api() = default;

  /// One page of Auth users, newest first. Records that cannot be used are
  /// listed in `rejected`; they never fail the page.
  virtual result<user_page> list_users(int page, int per_page) = 0;

  /// The Auth users with these ids, one `GET /auth/v1/admin/users/<id>`
  /// each: for users a sweep of the pages missed (paging is unstable among
  /// users created at the same instant). An id no user has is left out; a
  /// record that cannot be used is listed in `rejected`. Fails with
  /// `ec::invalid_input` on an id that is not a UUID.
  virtual result<user_page> get_users(const std::vector<std::string>& ids) = 0;

  /// Up to `limit` wallet rows whose auth_id sorts after `after` (all rows
  /// when empty), ordered by auth_id: keyset paging over a unique key.
  virtual result<std::vector<wallet_row>> wallets_after(std::string_view after,
                                                        int limit) = 0;

  /// The wallet rows of these users (those that exist), in any order.
  virtual result<std::vector<wallet_row>>
  wallets_for(const std::vector<std::string>& auth_ids) = 0;

  /// Creates empty wallet rows for these users; existing rows stay as they
  /// are. Returns the rows as they now stand.
  virtual result<std::vector<wallet_row>>
  insert_wallets(const std::vector<std::string>& auth_ids) = 0;

  /// Stores new key pairs, each only while its row has neither an address
  /// nor a public key. Returns the users whose row now holds the given key
  /// (also when an earlier call stored it); a user missing from the answer
  /// did not qualify. One request for all.
  virtual result<std::vector<std::string>>
  store_keys(const std::vector<key_write>& writes) = 0;

  /// Writes the addresses of created accounts, each only while its row
  /// still holds the key the account was created with and no address.
  /// Returns the users whose row now holds the address. One request.
  virtual result<std::vector<std::string>>
  store_addresses(const std::vector<address_write>& writes) = 0;

  /// Inserts ledger rows (write-ahead, before the transaction is sent).
  virtual result<void>
  insert_ledger(const std::vector<ledger_entry>& entries) = 0;

  /// Sets the outcome (status, error code, address when not empty) of
  /// ledger rows: all rows of a transaction, or one user's. One request;
  /// `not_found` when no row matched.
  virtual result<void>
  settle_ledger(const std::vector<ledger_update>& updates) = 0;

  /// Every ledger row that is not final (`signed` or `sent`), oldest first.
  virtual result<std::vector<ledger_entry>> open_ledger_entries() = 0;

  /// Top-up rows created at or after `since` (ISO 8601), any status.
  virtual result<std::vector<ledger_entry>>
  top_ups_since(std::string_view since) = 0;

  /// Checks that the wallet and ledger tables exist and are reachable with
  /// the key. Fails with `ec::config` and a message saying how to fix it.
  virtual result<void> check_schema() = 0;
};

struct supabase_options {
  /// The project URL, e.g. "https://abc.supabase.co" (no trailing slash).
  std::string url;
  /// The service role key: sent as `apikey` and as the bearer token.
  secret service_role_key;
  std::chrono::milliseconds timeout = default_http_timeout;
};

/// Supabase over HTTP: Auth admin API and PostgREST.
std::unique_ptr<supabase_api> make_supabase_client(supabase_options options);

} // namespace flowsync
