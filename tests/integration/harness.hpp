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

} // namespace flowsync::testing
