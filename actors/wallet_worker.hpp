#pragma once

#include "adapters/crypto.hpp"
#include "adapters/flow_access.hpp"
#include "adapters/sealing.hpp"
#include "adapters/settings.hpp"
#include "adapters/wallet_scripts.hpp"
#include "messages/interfaces.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

namespace flowsync {

/// Longest wait for a grant of the rate limiter.
constexpr std::chrono::seconds grant_timeout{120};
/// Tries of one step (a Flow call) before its wallets count as failed.
constexpr int max_step_tries = 5;
/// Tries of a transaction refused for a stale sequence number (1007).
constexpr int max_sequence_retries = 3;
/// Successful scripts after which a shrunk state batch grows again.
constexpr uint32_t grow_after_successes = 3;

/// What a wallet worker is configured with.
struct wallet_worker_config {
  /// Position among the workers, for logs.
  uint32_t index = 0;
  /// The service account key this worker proposes with.
  uint32_t proposal_key_index = 0;
  flow_settings flow;
  policy_settings policy;
  batching_settings batching;
  /// FLOW a new account starts with, paid by the creator besides funding.
  ufix64 account_creation_cost = ufix64::from_units(100'000);
  std::chrono::seconds drain_timeout{60};
  /// Read and plan only: count what would be sent, send and write nothing.
  bool dry_run = false;
};

/// The actors a worker talks to.
struct worker_peers {
  rate_limiter_actor limiter;
  supabase_fetcher_actor fetcher;
  stats_actor stats;
  config_writer_actor writer;
  supervisor_actor supervisor;
};

/// What a transaction does.
enum class tx_kind { create_accounts, top_up, setup_vault };

/// A transaction of the current batch, from plan to final state.
struct tx_job {
  tx_kind kind = tx_kind::top_up;
  /// The wallets it serves, in argument order.
  std::vector<wallet_task> wallets;
  /// FLOW per wallet: the funding of a new account or the top-up.
  ufix64 amount;
  transaction tx;
  std::string id;
  uint64_t reference_height = 0;
  uint64_t sequence_number = 0;
  /// The user's key index, for a vault repair.
  uint32_t user_key_index = 0;
  std::chrono::steady_clock::time_point sent_at;
  int sequence_retries = 0;
  /// Whether a try to send it may have reached the node; false while every
  /// try failed before a connection was opened.
  bool may_have_reached_node = false;
};

/// Where the current batch stands.
enum class batch_phase {
  /// Resolving transactions that an earlier run left unfinished.
  recover,
  /// Reading the state of wallets with an account, a script per chunk.
  check,
  /// Asking the supervisor for the FLOW that top-ups need.
  fund_top_ups,
  /// Giving wallets without an account a key, stored before anything else.
  keys,
  /// Asking for the FLOW that creations need.
  fund_creations,
  /// Sending transactions one at a time and following each to the end.
  transactions,
  done,
};

/// A batch in progress.
struct batch_job {
  wallet_batch batch;
  caf::typed_response_promise<batch_report> promise;
  batch_report report;
  batch_phase phase = batch_phase::recover;
  /// Open ledger rows by transaction id, with their wallets.
  std::vector<std::string> open_txs;
  std::unordered_map<std::string, std::vector<ledger_entry>> open_entries;
  std::unordered_map<std::string, wallet_task> held;
  std::optional<uint64_t> latest_height;
  std::vector<wallet_task> check;
  size_t check_pos = 0;
  std::vector<wallet_task> top_ups;
  std::vector<wallet_task> create;
  std::deque<tx_job> txs;
  /// Actions still outstanding per wallet, and whether one failed.
  std::unordered_map<std::string, std::pair<int, bool>> outstanding;
  /// Wallets that ended (in step, refused or failed); the rest are pending.
  std::unordered_set<std::string> ended;
  /// Wallets whose key pair this batch generated.
  std::unordered_set<std::string> new_keys;
};

struct wallet_worker_state {
  static inline const char* name = "wallet-worker";

  wallet_worker_actor::stateful_pointer<wallet_worker_state> self = nullptr;
  wallet_worker_config cfg;
  worker_peers peers;
  std::shared_ptr<flow_access> flow;
  std::optional<sealer> keys;
  std::optional<private_key> service_key;
  std::vector<token_ref> tokens;
  std::string state_script;
  std::string create_script;
  std::string top_up_script;
  std::string setup_script;
  /// The state batch size in force; halves on compute-limit errors.
  uint32_t state_batch = 0;
  uint32_t successes = 0;
  /// The proposal key's next sequence number; read from chain when unknown.
  std::optional<uint64_t> sequence;
  std::deque<batch_job> queue;
  bool draining = false;
  std::optional<caf::typed_response_promise<bool>> drain_promise;
  /// Ledger writes not answered yet: a drain waits for them, or a stop
  /// would leave the ledger of a finished transaction open.
  size_t settling = 0;
  std::optional<tx_job> in_flight;
  std::mt19937 rng{std::random_device{}()};
  /// The step to run again on a retry, what to do when it fails for good,
  /// and its tries so far.
  std::function<void()> step;
  std::function<void(const failure&)> on_step_failure;
  int tries = 0;

  /// Sets things up; fails when a Cadence file or the key is unusable.
  result<void> init(wallet_worker_config config, worker_peers peers,
                    std::shared_ptr<flow_access> flow, sealer keys);

  // -- steps and retries ----------------------------------------------------

  /// Runs `fn` as the current step; `fail_or_retry` runs it again with
  /// backoff or, when the tries are used up, calls `on_failure`.
  void run_step(std::function<void()> fn,
                std::function<void(const failure&)> on_failure);

  /// Retries the current step if the failure is worth it, else gives up.
  void fail_or_retry(const failure& why, std::string_view what);

  /// Runs `then` once the rate limiter grants a request of `cls`.
  void with_grant(request_class cls, std::function<void()> then);

  // -- batches --------------------------------------------------------------

  batch_job& job() { return queue.front(); }

  /// Starts the batch at the head of the queue.
  void start_batch();

  /// Moves the current batch to its next step.
  void advance();

  /// Replies to the batch, reports its counters and starts the next one.
  void finish_batch();

  /// Delivers the drain promise once nothing is in flight.
  void check_drained();

  // -- recovery -------------------------------------------------------------

  void recover_next();
  void on_recovered(const std::string& id, const tx_result& res);
  /// The open transaction `id` is final (or proven expired): its wallets
  /// are handled as usual unless another open transaction holds them.
  void release_held(const std::string& id);
  /// The open transaction `id` is still undecided: its wallets stay pending.
  void leave_open(const std::string& id);
  void recover_creation(const std::string& id, const tx_result& res);

  // -- state checks ---------------------------------------------------------

  void check_next();
  void on_script_error(const std::vector<wallet_task>& chunk,
                       const failure& why);
  void on_states(const std::vector<wallet_task>& chunk,
                 const std::vector<wallet_state>& states);

  // -- money ----------------------------------------------------------------

  /// Counts what the batch would send, in a dry run, and ends it.
  void count_plans();
  void fund_top_ups();
  void prepare_keys();
  void fund_creations();

  // -- transactions ---------------------------------------------------------

  void send_next();
  void build_and_send(tx_job job);
  void ensure_sequence();
  void fetch_reference();
  void fetch_user_key(const block_header& reference);
  void sign_and_record(const block_header& reference);
  void send_in_flight();
  void poll();
  void on_final(const tx_result& res);
  void on_created(const tx_result& res);
  using created_list = std::vector<std::pair<wallet_task, address>>;
  /// Proves new accounts with the state script (key and vaults in place),
  /// then stores their addresses and finalizes their ledger rows.
  void verify_created(std::string tx_id, created_list created,
                      std::function<void()> next);
  void store_created(std::string tx_id, created_list verified,
                     std::vector<wallet_state> states,
                     std::function<void()> next);
  /// Matches the accounts of a creation found sealed to the users of the
  /// batch by the key each account holds, one account at a time, then
  /// proves and stores them. The batch may hold only some of its users.
  void match_created(std::string tx_id, std::vector<address> accounts,
                     size_t next, created_list matched);
  /// The transaction in flight ended with a known outcome.
  void complete(bool ok, std::string_view reason);
  /// The transaction in flight has an unknown outcome: its ledger rows stay
  /// open for the recovery of the next cycle; its wallets stay pending.
  void abandon(std::string_view reason);

  // -- bookkeeping ----------------------------------------------------------

  /// Lists a wallet whose key was proven on chain in the Flow CLI
  /// configuration.
  void list_account(const wallet_task& wallet);
  /// Marks a wallet as ended; false when it already was.
  bool end_wallet(const std::string& auth_id);
  void count_synced(const wallet_task& wallet);
  void fail_wallet(const wallet_task& wallet);
  void refuse(const wallet_task& wallet, std::string reason);
  /// Puts a wallet where the batch handles it: refused, checked or created.
  void sort_wallet(wallet_task wallet);
  /// An action for the wallet ended; the wallet is in step once all did.
  void action_done(const wallet_task& wallet, bool ok);
  /// Settles ledger rows in one request; failures are left to recovery.
  void settle(std::vector<ledger_update> changes);
  void update_ledger(const std::string& tx_id, const std::string& auth_id,
                     ledger_status status, int error_code,
                     const std::string& addr);
  std::vector<ledger_entry> ledger_rows(const tx_job& job) const;
  signer_ref payer() const;
  signer_ref proposer() const;
};

/// A wallet worker: brings batches of wallets in step with batched reads,
/// bulk transactions and a write-ahead ledger.
wallet_worker_actor::behavior_type
wallet_worker(wallet_worker_actor::stateful_pointer<wallet_worker_state> self,
              wallet_worker_config cfg, worker_peers peers,
              std::shared_ptr<flow_access> flow, sealer keys);

/// Spawns a worker; detached in production since its Flow calls block.
wallet_worker_actor spawn_wallet_worker(caf::actor_system& sys,
                                        wallet_worker_config cfg,
                                        worker_peers peers,
                                        std::shared_ptr<flow_access> flow,
                                        sealer keys, bool detached);

} // namespace flowsync
