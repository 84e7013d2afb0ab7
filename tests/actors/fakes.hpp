#pragma once

#include "adapters/flow_access.hpp"
#include "adapters/sealing.hpp"
#include "adapters/settings.hpp"
#include "adapters/supabase.hpp"
#include "tests/actors/fixture.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Fakes of the adapters for actor tests: an access node and a Supabase
/// project in memory, with scripted answers and a journal of every call.
namespace flowsync::testing {

/// The master key of the tests (not a secret: tests only).
extern const char* const test_master_key;

/// The service account of the tests.
extern const char* const test_service_address;

/// Where the tests pretend BaitCoin lives.
extern const char* const test_baitcoin_address;

/// A sealer over the test master key.
sealer test_sealer();

/// Flow settings a worker starts with: the emulator's contracts, BaitCoin,
/// the test service account with `service_key`, proposal key 1.
flow_settings test_flow_settings(const private_key& service_key);

/// One account as the fake node's state script reports it.
struct chain_wallet {
  bool exists = true;
  bool key_valid = true;
  ufix64 balance = ufix64::from_units(100'000'000);
  bool flow_receiver = true;
  /// BaitCoin vault and both capabilities in place.
  bool vault = true;
};

/// The state script's report on these wallets, as JSON-Cadence.
cvalue wallet_report_value(const std::vector<chain_wallet>& wallets);

/// The addresses of a state script call: its first argument.
std::vector<address> script_addresses(const std::vector<cvalue>& arguments);

/// A sealed result without error that created these accounts.
tx_result sealed_with_accounts(const std::vector<address>& created);

/// A sealed result that failed with a Flow error code.
tx_result sealed_with_error(int code, std::string message);

/// An access node in memory. Every call is written to the journal as
/// "flow <call> ..."; each call answers through a replaceable function
/// whose default is what a healthy node would say.
class fake_flow : public flow_access {
 public:
  explicit fake_flow(std::shared_ptr<journal> log);

  /// What the state script reports per address; unlisted addresses are
  /// healthy accounts holding the key asked about.
  std::map<std::string, chain_wallet> chain;

  /// The key each user account holds, by address: for these, the state
  /// script checks the key asked about and `get_account` lists the key.
  std::map<std::string, std::string> holders;

  /// The service account's FLOW balance.
  ufix64 service_balance = ufix64::from_units(100'000'000'000);

  /// The sequence numbers of the service account's keys 0 to 3.
  std::vector<uint64_t> sequence{0, 0, 0, 0};

  /// The height of the latest sealed block; grows by one per call.
  uint64_t height = 100;

  /// Transactions sent, in order.
  std::vector<transaction> sent;

  /// The sizes of the state script calls, in order.
  std::vector<size_t> script_sizes;

  std::function<result<cvalue>(const std::vector<cvalue>&)> on_script;
  std::function<result<account_info>(const address&)> on_account;
  std::function<result<block_header>()> on_block;
  std::function<result<std::string>(const transaction&)> on_send;
  std::function<result<tx_result>(const std::string&)> on_result;

  result<cvalue> execute_script(std::string_view script,
                                const std::vector<cvalue>& arguments) override;
  result<account_info> get_account(const address& addr) override;
  result<block_header> latest_sealed_block() override;
  result<std::string> send_transaction(const transaction& tx) override;
  result<tx_result> transaction_result(std::string_view id) override;

  /// The default answers, for functions that wrap them.
  result<cvalue> healthy_states(const std::vector<cvalue>& arguments);
  result<account_info> known_account(const address& addr);

 private:
  std::shared_ptr<journal> log_;
};

/// One page of Auth users as the fake project answers it, or a failure.
using user_page_answer = result<user_page>;

/// A Supabase project in memory: Auth users served from scripted pages,
/// the wallet and ledger tables as plain vectors. Every call is written to
/// the journal as "supabase <call> ...".
class fake_supabase : public supabase_api {
 public:
  explicit fake_supabase(std::shared_ptr<journal> log);

  /// Answers to `list_users`, one per call in order; when they run out the
  /// last one repeats.
  std::vector<user_page_answer> user_pages;

  /// The users `get_users` finds by id (the pages are scripted apart).
  std::vector<auth_user> users_by_id;

  /// The wallet table, any order.
  std::vector<wallet_row> wallets;

  /// The ledger table.
  std::vector<ledger_entry> ledger;

  /// When set, every call of that name fails with this failure.
  std::map<std::string, failure> failing;

  result<user_page> list_users(int page, int per_page) override;
  result<user_page> get_users(const std::vector<std::string>& ids) override;
  result<std::vector<wallet_row>> wallets_after(std::string_view after,
                                                int limit) override;
  result<std::vector<wallet_row>>
  wallets_for(const std::vector<std::string>& auth_ids) override;
  result<std::vector<wallet_row>>
  insert_wallets(const std::vector<std::string>& auth_ids) override;
  result<std::vector<std::string>>
  store_keys(const std::vector<key_write>& writes) override;
  result<std::vector<std::string>>
  store_addresses(const std::vector<address_write>& writes) override;
  result<void> insert_ledger(const std::vector<ledger_entry>& entries) override;
  result<void>
  settle_ledger(const std::vector<ledger_update>& updates) override;
  result<std::vector<ledger_entry>> open_ledger_entries() override;
  result<std::vector<ledger_entry>>
  top_ups_since(std::string_view since) override;
  result<void> check_schema() override;

  /// The row of a user, or nullptr.
  wallet_row* row_of(std::string_view auth_id);

 private:
  /// Journals the call; the failure configured for it, if any.
  std::optional<failure> called(const std::string& name, std::string detail);

  size_t list_calls_ = 0;
  int64_t next_ledger_id_ = 1;
  std::shared_ptr<journal> log_;
};

} // namespace flowsync::testing
