#pragma once

#include "adapters/address.hpp"
#include "adapters/crypto.hpp"
#include "adapters/imports.hpp"
#include "adapters/result.hpp"
#include "adapters/secret.hpp"
#include "adapters/ufix64.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flowsync {

// -- defaults -----------------------------------------------------------------

/// Seconds between reconcile cycles (SYNC_INTERVAL).
constexpr std::chrono::seconds default_sync_interval{300};
/// Seconds between looks at the newest sign-ups, between cycles.
constexpr std::chrono::seconds default_signup_poll{3};
/// Auth users per page; the Auth API sets no cap (its own default is 50):
/// large pages keep the sweep of a big project to a few requests.
constexpr int default_users_per_page = 1000;
/// Wallet rows per page; at or below PostgREST's default max rows (1000).
constexpr int default_wallets_per_page = 1000;
/// How many times a failed Supabase call is tried again before it fails.
constexpr int default_supabase_retries = 6;
/// FLOW below which an account is topped up (units of 1e-8: 0.075).
constexpr uint64_t default_min_balance_units = 7'500'000;
/// FLOW sent per top-up (0.1).
constexpr uint64_t default_top_up_units = 10'000'000;
/// FLOW deposited into a new account besides the minimum it starts with.
constexpr uint64_t default_initial_funding_units = 10'000'000;
/// Top-ups one address may receive per UTC day.
constexpr uint32_t default_max_top_ups_per_day = 2;
/// FLOW the service account may spend per UTC day (100.0).
constexpr uint64_t default_daily_budget_units = 10'000'000'000;
/// FLOW the service account keeps at least; below it nothing is spent (1.0).
constexpr uint64_t default_service_floor_units = 100'000'000;
/// Wallets whose state one script reads at first; it adapts on errors.
/// Under the emulator's script compute limit (100,000) about 1,800 healthy
/// wallets fit and 2,000 do not; 400 keeps an answer near 90 kB and spreads
/// a cycle evenly over the workers.
constexpr uint32_t default_state_batch = 400;
/// Accounts one creation transaction creates.
constexpr uint32_t default_create_batch = 20;
/// Recipients one top-up transaction pays.
constexpr uint32_t default_top_up_batch = 100;
/// Wallets the supervisor hands a worker at once.
constexpr uint32_t default_dispatch_batch = 400;
/// Wallet workers, each with its own proposal key.
constexpr uint32_t default_workers = 3;
/// Public access-node limits per client IP.
constexpr uint32_t default_scripts_per_second = 5;
constexpr uint32_t default_transactions_per_second = 50;
constexpr uint32_t default_access_per_second = 100;
/// Compute limit of the daemon's transactions (the node's maximum).
constexpr uint64_t default_gas_limit = 9999;
/// Blocks after its reference block a transaction expires (mainnet: 600).
constexpr uint64_t default_expiry_blocks = 600;
/// Time between looks at a transaction in flight.
constexpr std::chrono::milliseconds default_poll_interval{400};
/// Longest wait for one transaction to become final.
constexpr std::chrono::seconds default_tx_timeout{180};
/// Longest wait for in-flight work when stopping.
constexpr std::chrono::seconds default_drain_timeout{60};
/// At most one write of the Flow CLI configuration per this interval.
constexpr std::chrono::seconds default_flush_interval{10};

// -- sections -----------------------------------------------------------------

/// `[supabase]`: where users and wallet rows live.
struct supabase_settings {
  std::string url;
  /// SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SERVICE_KEY); environment only.
  secret service_role_key;
  int users_per_page = default_users_per_page;
  int wallets_per_page = default_wallets_per_page;
  int max_retries = default_supabase_retries;
  std::chrono::milliseconds timeout{15000};
};

/// `[flow]`: the network, the service account and its keys.
struct flow_settings {
  /// emulator, testnet or mainnet (NETWORK); no default.
  std::string network;
  /// The access node's REST base URL (FLOW_ACCESS_URL).
  std::string access_url;
  /// gRPC host:port written into the Flow CLI configuration.
  std::string grpc_host;
  address service_address;
  /// The service account's private key (FLOWSYNC_SERVICE_KEY or the file
  /// named by FLOWSYNC_SERVICE_KEY_FILE / service_key_file).
  secret service_key;
  uint32_t service_key_index = 0;
  sig_algo service_sig_algo = sig_algo::ecdsa_p256;
  hash_algo service_hash_algo = hash_algo::sha3_256;
  /// One per worker; same public key as the payer key, any weight.
  std::vector<uint32_t> proposal_key_indices;
  /// Addresses for `import "Name"`: the profile's, then the file's.
  contract_addresses contracts;
  /// Fungible tokens every wallet must hold; each a name in `contracts`.
  std::vector<std::string> tokens{"BaitCoin"};
  uint64_t gas_limit = default_gas_limit;
  uint64_t expiry_blocks = default_expiry_blocks;
  std::chrono::milliseconds poll_interval = default_poll_interval;
  std::chrono::seconds tx_timeout = default_tx_timeout;
  std::chrono::milliseconds request_timeout{15000};
};

/// `[policy]`: who is served and how FLOW is spent.
struct policy_settings {
  ufix64 min_balance = ufix64::from_units(default_min_balance_units);
  ufix64 top_up_amount = ufix64::from_units(default_top_up_units);
  ufix64 initial_funding = ufix64::from_units(default_initial_funding_units);
  uint32_t max_top_ups_per_day = default_max_top_ups_per_day;
  ufix64 daily_budget = ufix64::from_units(default_daily_budget_units);
  ufix64 service_floor = ufix64::from_units(default_service_floor_units);
  bool include_anonymous = false;
};

/// `[batching]`: how much one script or transaction carries.
struct batching_settings {
  uint32_t state_batch = default_state_batch;
  uint32_t create_batch = default_create_batch;
  uint32_t top_up_batch = default_top_up_batch;
  uint32_t dispatch_batch = default_dispatch_batch;
  uint32_t workers = default_workers;
};

/// `[rate_limits]`: requests per second to the access node, by class.
struct rate_limit_settings {
  uint32_t scripts = default_scripts_per_second;
  uint32_t transactions = default_transactions_per_second;
  uint32_t access = default_access_per_second;
  /// How long a class stays slowed down after a rate-limit answer.
  std::chrono::seconds penalty{30};
};

/// `[output]`: the Flow CLI configuration.
struct output_settings {
  std::filesystem::path flow_config = "flow/accounts/flow-production.json";
  std::filesystem::path key_dir = "flow/accounts/pkeys";
  std::chrono::seconds flush_interval = default_flush_interval;
};

/// `[cycle]`: when work happens.
struct cycle_settings {
  /// SYNC_INTERVAL.
  std::chrono::seconds interval = default_sync_interval;
  std::chrono::seconds signup_poll = default_signup_poll;
  std::chrono::seconds drain_timeout = default_drain_timeout;
};

/// `[inspector]`: where `flowsync inspect` can attach to a running daemon.
struct inspector_settings {
  /// Loopback only: whoever reaches the port sees the daemon's status.
  std::string host = "127.0.0.1";
  /// 0 keeps the inspector off (FLOWSYNC_INSPECTOR_PORT).
  uint16_t port = 0;
};

/// Everything the daemon is configured with, validated.
struct settings {
  /// The file the settings came from; empty when only the environment.
  std::filesystem::path source;
  supabase_settings supabase;
  flow_settings flow;
  policy_settings policy;
  batching_settings batching;
  rate_limit_settings rate_limits;
  output_settings output;
  cycle_settings cycle;
  inspector_settings inspector;
  /// FLOWSYNC_MASTER_KEY (or the file named by FLOWSYNC_MASTER_KEY_FILE):
  /// seals the users' private keys.
  secret master_key;
  std::string log_level = "info";
};

/// Looks up an environment variable; tests pass their own.
using env_lookup =
  std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
env_lookup process_env();

/// Whether `host` names this machine's loopback interface.
bool is_loopback_host(const std::string& host);

/// Reads a TCP port number (1 to 65535) from `text`, e.g. the value of
/// FLOWSYNC_INSPECTOR_PORT; `what` names it in the error.
result<uint16_t> parse_port(const std::string& text, const std::string& what);

/// Reads the settings: built-in defaults, then the network profile, then the
/// file (TOML; may be empty for none), then the environment. Fails with
/// `ec::config` and a message that names the setting and says how to fix
/// it: unknown keys, wrong types, missing secrets, impossible values.
result<settings> load_settings(const std::filesystem::path& file,
                               const env_lookup& env);

/// The effective settings as TOML, secrets replaced by "<set>"/"<unset>".
std::string describe(const settings& cfg);

} // namespace flowsync
