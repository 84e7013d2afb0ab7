#pragma once

#include "actors/treasury.hpp"
#include "adapters/flow_access.hpp"
#include "adapters/sealing.hpp"
#include "adapters/settings.hpp"
#include "adapters/supabase.hpp"
#include "messages/interfaces.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

namespace flowsync {

/// Batches a worker may hold at once: one in work, one waiting.
constexpr size_t batches_per_worker = 2;
/// Creation transactions per batch of wallets to create.
constexpr size_t creations_per_batch = 2;
/// Sign-ups looked at per look (the newest page of Auth users).
constexpr int signup_page_size = 50;
/// Full sweeps of the Auth users per cycle, when the count keeps moving.
constexpr int max_user_sweeps = 3;
/// Users a cycle looks up one by one when the sweeps missed them, at most,
/// and how many ids go in one request to the fetcher.
constexpr size_t max_user_lookups = 1000;
constexpr size_t user_lookups_per_request = 50;
/// Restarts of one child within `restart_window` before giving up.
constexpr int max_restarts = 5;
constexpr std::chrono::seconds restart_window{60};

/// What the supervisor builds the daemon from.
struct supervisor_config {
  settings cfg;
  /// Makes the access-node client of one worker.
  std::function<std::shared_ptr<flow_access>()> make_flow;
  /// Makes the Supabase client of the fetcher.
  std::function<std::shared_ptr<supabase_api>()> make_supabase;
  /// Spawn blocking actors detached (false only under the test scheduler).
  bool detached = true;
  /// Start a cycle at once and then every sync interval.
  bool timer = true;
  /// Plan only (`flowsync plan`): read everything, send and write nothing.
  bool dry_run = false;
};

/// What the supervisor knows of a user during a cycle.
struct user_flags {
  bool deleted = false;
  bool anonymous = false;
  bool banned = false;
  /// A wallet row was seen for the user.
  bool has_row = false;
};

/// A wallet row's claim on an address, by user.
struct row_claim {
  std::string auth_id;
  std::string address;
};

/// One reconcile cycle in progress.
struct cycle_run {
  uint64_t id = 0;
  std::chrono::steady_clock::time_point started;
  /// The step it is at, for the inspector.
  const char* phase = "starting";
  /// Every Auth user of this cycle, by id.
  std::unordered_map<std::string, user_flags> users;
  int page = 1;
  int sweeps = 0;
  int64_t reported_total = -1;
  /// The sweeps ended with fewer users than the server counts: the pages
  /// shifted (sign-ups, deletions) or users created at the same instant
  /// fell between pages, whose order among them is not stable.
  bool users_short = false;
  /// Rows met while counting whose user the sweeps missed, to look up by
  /// id before the rows are served; at most `max_user_lookups`.
  std::vector<row_claim> unseen;
  /// Such rows beyond the limit: served in a later cycle.
  size_t unseen_left_out = 0;
  /// Ledger rows that are not final, by user.
  std::unordered_map<std::string, std::vector<ledger_entry>> open;
  /// Top-ups recorded today, by address.
  std::unordered_map<std::string, uint32_t> top_ups_today;
  ufix64 topped_up_today;
  /// Addresses seen in wallet rows, with the first user that claimed each.
  std::unordered_map<std::string, std::string> addresses;
  /// Users whose address another row also claims.
  std::unordered_set<std::string> shared;
  /// User records that could not be read in the current sweep.
  int64_t rejected_this_sweep = 0;
  /// Ids of the records that could not be read, reported once.
  std::unordered_set<std::string> rejected_ids;
  std::string wallet_cursor;
  /// The wallet rows are read twice: first only to count the rows that
  /// claim each address, so that rows sharing one are refused wherever
  /// they fall, before any of them is handed to a worker.
  bool counting = true;
  std::unordered_map<std::string, uint32_t> claims;
  /// A page of wallet rows is being read.
  bool reading = false;
  bool wallets_done = false;
  bool rows_inserted = false;
  /// Wallets gathering into the next batch: with accounts, and to create.
  std::vector<wallet_task> filling;
  std::vector<wallet_task> creating;
  std::deque<wallet_batch> ready;
  uint64_t next_batch = 0;
  size_t batches_out = 0;
  /// Counted by the supervisor itself (skipped users, bad records).
  cycle_counters counters;
  bool complete = true;
};

/// Records what the cycle needs to know of an Auth user.
void note_user(cycle_run& run, const auth_user& user);

struct supervisor_state {
  static inline const char* name = "supervisor";

  supervisor_actor::stateful_pointer<supervisor_state> self = nullptr;
  supervisor_config cfg;
  std::optional<sealer> keys;
  std::optional<treasury> money;

  rate_limiter_actor limiter;
  supabase_fetcher_actor fetcher;
  stats_actor stats;
  config_writer_actor writer;
  std::vector<wallet_worker_actor> workers;
  /// Batches each worker holds.
  std::vector<size_t> worker_load;
  /// A batch out with a worker, and what to do if the worker is lost.
  struct batch_out {
    size_t worker = 0;
    std::function<void()> lost;
  };
  /// Batches out with workers, by dispatch number. A worker that dies never
  /// answers: its batches are given up when it goes, not at the timeout.
  std::unordered_map<uint64_t, batch_out> out_with_workers;
  uint64_t dispatches = 0;
  /// Which child slot an actor fills (0 limiter, 1 fetcher, 2 stats,
  /// 3 writer, 4 and up the workers), and its recent restarts.
  std::unordered_map<caf::actor_addr, uint32_t> slots;
  std::unordered_map<uint32_t,
                     std::deque<std::chrono::steady_clock::time_point>>
    restarts;

  /// When the supervisor started, for the inspector's uptime.
  std::chrono::steady_clock::time_point born = std::chrono::steady_clock::now();
  /// When the cycle timer fires next, if it is set.
  std::optional<std::chrono::steady_clock::time_point> next_cycle_at;
  uint64_t cycles = 0;
  std::optional<cycle_run> run;
  cycle_summary last;
  bool stopping = false;
  bool watching = false;
  std::optional<caf::typed_response_promise<cycle_summary>> once;
  /// Every user id the last complete sweep found, for the sign-up watch.
  std::unordered_set<std::string> known_users;
  /// Users handed out by the sign-up watch and not reported back yet.
  std::unordered_set<std::string> in_progress;

  // -- children -------------------------------------------------------------

  /// Spawns every child and monitors it.
  void spawn_children();
  void spawn_slot(uint32_t slot);
  void on_child_down(const caf::down_msg& msg);
  /// The worker is running (not crashed and waiting for its restart).
  bool worker_up(size_t index) const;
  /// Records a batch sent to a worker; returns its dispatch number.
  uint64_t send_out(size_t worker, std::function<void()> lost);
  /// The answer to a batch came: false when the batch was given up
  /// already and the answer is to be ignored.
  bool came_back(uint64_t number);
  /// Gives up the batches of a worker that is gone.
  void lose_batches_of(size_t worker);

  // -- cycles ---------------------------------------------------------------

  /// Starts a cycle unless one runs or the daemon stops.
  bool start_cycle();
  void load_open_entries();
  void load_top_ups();
  void read_balance();
  void sweep_users();
  void on_user_page(user_page& page);
  void next_wallet_page();
  void on_wallet_page(wallet_page& page);
  /// Counts the claims of a page in the first read of the wallet rows.
  void count_claims(const wallet_page& page);
  /// Counts one row's claim on its address if the row will be served.
  void count_claim(const std::string& auth_id, const std::string& address);
  /// Looks up, by id, the users of rows the sweeps missed, then goes on
  /// to serve the rows.
  void look_up_unseen();
  void on_unseen_users(const user_page& page,
                       const std::vector<row_claim>& looked_up);
  /// Ends the count and starts the second read, which serves the rows.
  void serve_rows();
  /// Turns a wallet row into a task or a refusal.
  void take_row(wallet_row& row);
  void insert_missing_rows();
  void enqueue(wallet_task task, bool flush);
  /// Moves a full buffer (any, when flushing) into a ready batch.
  bool seal_batch(std::vector<wallet_task>& buffer, size_t size, bool flush);
  void dispatch();
  void on_batch_done(size_t worker, const batch_report& report);
  void maybe_end_cycle();
  void end_cycle();
  /// Ends the cycle at once, having changed nothing, after a failure to
  /// read what it needs.
  void abort_cycle(const std::string& why);

  // -- inspection -----------------------------------------------------------

  /// What the supervisor itself knows of the daemon's state.
  daemon_status own_status() const;
  /// The whole status: its own, the current counters from the stats actor
  /// and the rate limiter's lanes.
  caf::typed_response_promise<daemon_status> inspect();

  // -- sign-ups -------------------------------------------------------------

  void watch_signups();
  void provision(std::vector<wallet_row> rows);

  // -- stopping -------------------------------------------------------------

  void shutdown();
  void finish_shutdown();
};

/// The supervisor: spawns and monitors the other actors, runs cycles on the
/// timer or on demand, watches for sign-ups and drains on shutdown.
supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           supervisor_config cfg);

/// Spawns the supervisor.
supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  supervisor_config cfg);

} // namespace flowsync
