#pragma once

#include "adapters/sealing.hpp"
#include "adapters/wallet_scripts.hpp"
#include "tools/sandbox_tool/chain.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <libpq-fe.h>

/// What the daemon's integration tests share: running the daemon as a
/// process, making users through the Auth admin API, reading the database
/// directly and looking at the chain, all independently of the daemon.
namespace flowsync::testing {

/// True when the whole sandbox (emulator, stand-in, database) answers.
bool sandbox_up();

/// What a finished process printed and how it ended.
struct process_result {
  int exit_code = -1;
  std::string output;
};

/// Runs a command with extra environment variables, collecting standard
/// output and error; kills it when it outlives `timeout`.
process_result run_command(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env,
                           std::chrono::seconds timeout);

/// A process running in the background (for `flowsync run`).
class background_process {
 public:
  background_process(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env,
                     const std::filesystem::path& log);
  ~background_process();

  background_process(const background_process&) = delete;
  background_process& operator=(const background_process&) = delete;

  /// Sends a signal.
  void signal(int sig);

  /// Waits for the end; -1 when it did not end in time.
  int wait(std::chrono::seconds timeout);

  bool running();

 private:
  int pid_ = -1;
  int status_ = -1;
};

/// The sandbox's `flowsync` binary.
std::string flowsync_binary();

/// A loopback port nobody listens on right now; 0 when none could be had.
int free_port();

/// A folder of the test's own, removed at the end.
struct temp_folder {
  std::filesystem::path path;
  temp_folder();
  ~temp_folder();
};

/// Writes a daemon configuration for the sandbox into `dir`: small pages
/// so that paging is exercised, the Flow CLI output inside `dir`, and any
/// `extra` TOML appended. Returns its path.
std::filesystem::path write_daemon_config(const std::filesystem::path& dir,
                                          const std::string& extra = "");

/// Settings that replace or add to those of `write_daemon_config`, by
/// "section.key" ("supabase.timeout_ms"), each with its TOML value text
/// ("1000", "\"debug\""); a key without a section is a top-level one.
using config_overrides = std::map<std::string, std::string>;

/// As above, with some settings replaced or added.
std::filesystem::path write_daemon_config(const std::filesystem::path& dir,
                                          const config_overrides& overrides,
                                          const std::string& extra = "");

/// The environment that points the daemon at `config`.
std::map<std::string, std::string>
daemon_env(const std::filesystem::path& config);

/// Creates users through the Auth admin API; returns their ids.
std::vector<std::string> create_users(int count);

/// Direct SQL on the sandbox database as its superuser.
class database {
 public:
  database();
  ~database();

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Rows of a query, each a list of text values ("" for NULL).
  std::vector<std::vector<std::string>>
  query(const std::string& sql, const std::vector<std::string>& params = {});

  /// The first value of the first row, or "".
  std::string value(const std::string& sql,
                    const std::vector<std::string>& params = {});

 private:
  PGconn* conn_;
};

/// A wallet row as the database holds it.
struct stored_wallet {
  std::string auth_id;
  std::string address;
  std::string public_key;
  std::string sealed_key;
};

stored_wallet wallet_of(database& db, const std::string& auth_id);

/// The sandbox's chain, with the contracts of the emulator and BaitCoin.
sandbox::chain& sandbox_chain();

/// The tokens the daemon serves in the sandbox.
std::vector<token_ref> sandbox_tokens();

/// The sealer of the sandbox's master key.
const sealer& sandbox_sealer();

/// The state script's view of these accounts, read directly.
std::vector<wallet_state> read_states(const std::vector<address>& addresses,
                                      const std::vector<std::string>& keys);

/// Signs as the user of `wallet` (its sealed key opened with the master
/// key) and runs a test transaction, the service account paying.
result<tx_result> run_as_user(const stored_wallet& wallet,
                              std::string_view cadence_path,
                              std::vector<cvalue> arguments);

/// The hex private key a wallet row seals, opened with the master key;
/// empty when it does not open.
std::string private_key_hex(const stored_wallet& wallet);

/// What is wrong with the wallet of each user, checked on chain and in the
/// database independently of the daemon: an address, a P-256 public key, a
/// sealed key that opens for this user only and belongs to that public key,
/// which is an unrevoked full-weight key of the account, every token vault
/// with its capabilities, and at least `min_balance` FLOW. Users whose
/// wallet is in step are left out: an empty map means all are.
std::map<std::string, std::string>
wallet_problems(database& db, const std::vector<std::string>& auth_ids,
                const char* min_balance = "0.075");

/// A set of user ids as a PostgreSQL uuid[] literal, for `= any($1)`.
std::string uuid_array(const std::vector<std::string>& ids);

/// The height of the latest sealed block of the sandbox's chain.
uint64_t latest_height();

/// An account created on chain, with its first key.
struct created_account {
  address addr;
  std::string public_key;
};

/// Every account that `flow.AccountCreated` events of blocks `from` to `to`
/// announce, read from the access node directly.
std::vector<created_account> accounts_created_between(uint64_t from,
                                                      uint64_t to);

/// A Supabase stand-in of the test's own over the sandbox's database, on a
/// free loopback port: faults injected into it reach only the daemons the
/// test points at it, never anyone else using the sandbox.
class private_standin {
 public:
  /// Starts it; `url()` is empty when it could not start.
  private_standin();
  ~private_standin();

  private_standin(const private_standin&) = delete;
  private_standin& operator=(const private_standin&) = delete;

  /// The base URL to give the daemon as SUPABASE_URL.
  const std::string& url() const { return url_; }

  /// Replaces the fault settings (the body of `POST /_standin/faults`);
  /// false when the stand-in refused them.
  bool set_faults(const std::string& json);

  /// Requests seen and faults injected so far (`GET /_standin/stats`).
  std::string stats();

 private:
  int pid_ = -1;
  std::string url_;
};

/// Stops the sandbox's emulator as tools/sandbox.d/emulator.sh does; the
/// chain stays on disk. The flags it ran with are kept for the restart.
bool stop_emulator();

/// Starts the sandbox's emulator again on the same chain, with the flags it
/// ran with, and waits until it answers.
bool start_emulator();

/// True when the emulator's REST API answers.
bool emulator_answers();

/// Leaves the emulator running whatever happens in a test: starts it again
/// on the way out if it is down.
struct emulator_guard {
  emulator_guard() = default;
  ~emulator_guard();
  emulator_guard(const emulator_guard&) = delete;
  emulator_guard& operator=(const emulator_guard&) = delete;
};

} // namespace flowsync::testing
