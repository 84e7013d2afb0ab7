// flowsync-baseline: the per-wallet pattern flowsync replaces, as a program,
// so that tools/bench can run both side by side on the same sandbox.
//
// Three threads share the wallets. For each wallet they run three scripts
// (FLOW balance, token balance, capabilities), then send one transaction
// per action (one account per creation, one vault repair, one top-up), all
// proposed by ONE key and so one at a time, each followed to a final
// state. Keys and addresses are stored one row at a time, and the whole
// Flow CLI configuration is written after every wallet. The access node's
// limits are flowsync's own (a sliding one-second window per class, shared
// by the threads), so the comparison is about the pattern, not the limits.
//
// It prints one JSON object on standard output; logs go to standard error.

#include "actors/rate_window.hpp"
#include "adapters/atomic_file.hpp"
#include "adapters/cadence_json.hpp"
#include "adapters/crypto.hpp"
#include "adapters/flow_access.hpp"
#include "adapters/flow_cli_config.hpp"
#include "adapters/logging.hpp"
#include "adapters/sealing.hpp"
#include "adapters/settings.hpp"
#include "adapters/supabase.hpp"
#include "adapters/wallet_scripts.hpp"
#include "tools/bench_tool/synthetic.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

namespace fs = std::filesystem;

namespace flowsync::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// Worker threads of the per-wallet pattern.
constexpr unsigned default_threads = 3;

/// Tries of a request that failed in a way worth another try.
constexpr int max_tries = 5;

/// The benchmark's own scripts, one check each (cadence/bench/).
constexpr std::string_view flow_balance_file = "bench/flow_balance.cdc";
constexpr std::string_view token_balance_file = "bench/token_balance.cdc";
constexpr std::string_view capabilities_file = "bench/capabilities.cdc";

constexpr auto key_file_mode = fs::perms::owner_read | fs::perms::owner_write;
constexpr auto config_file_mode =
  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// -- rate limits --------------------------------------------------------------

enum class request_class { script, transaction, access };

/// The access node's limits, shared by all threads: each request waits for
/// a slot in its class's sliding one-second window.
class shared_limiter {
 public:
  explicit shared_limiter(const rate_limit_settings& limits)
      : script_(limits.scripts, limits.penalty),
        transaction_(limits.transactions, limits.penalty),
        access_(limits.access, limits.penalty) {
    // nop
  }

  /// Blocks until a request of class `c` may go out, and records it.
  void acquire(request_class c) {
    std::unique_lock<std::mutex> lock{mutex_};
    auto& window = of(c);
    for (;;) {
      auto now = rate_window::clock::now();
      auto slot = window.next_slot(now);
      if (slot <= now) {
        window.record(now);
        return;
      }
      // Others may take earlier slots of other classes meanwhile.
      lock.unlock();
      std::this_thread::sleep_until(slot);
      lock.lock();
    }
  }

 private:
  rate_window& of(request_class c) {
    switch (c) {
    case request_class::script:
      return script_;
    case request_class::transaction:
      return transaction_;
    case request_class::access:
      break;
    }
    return access_;
  }

  std::mutex mutex_;
  rate_window script_;
  rate_window transaction_;
  rate_window access_;
};

// -- counters -----------------------------------------------------------------

/// What the run did, counted across threads.
struct tally {
  std::atomic<uint64_t> wallets{0};
  std::atomic<uint64_t> scripts{0};
  std::atomic<uint64_t> transactions{0};
  std::atomic<uint64_t> in_step{0};
  std::atomic<uint64_t> created{0};
  std::atomic<uint64_t> repaired{0};
  std::atomic<uint64_t> topped_up{0};
  std::atomic<uint64_t> config_writes{0};
  std::atomic<uint64_t> errors{0};
};

// -- the Flow CLI configuration, rewritten after every wallet ----------------

/// The whole configuration as the per-wallet pattern kept it: every
/// account in memory, and all of it written out after each wallet.
class config_file {
 public:
  config_file(fs::path file, fs::path key_dir, std::string network,
              std::string grpc_host)
      : file_(std::move(file)), key_dir_(std::move(key_dir)),
        network_(std::move(network)), grpc_host_(std::move(grpc_host)) {
    auto rel = key_dir_relative_to(key_dir_, file_);
    key_location_dir_ = rel ? *rel : fs::absolute(key_dir_);
  }

  /// Lists an account without writing anything (the accounts known at
  /// start).
  void add(const std::string& auth_id, const std::string& addr) {
    std::lock_guard<std::mutex> guard{mutex_};
    accounts_[auth_id] = addr;
  }

  /// Lists the account, writes its key file and then the whole
  /// configuration.
  result<void> write_after_wallet(const std::string& auth_id,
                                  const std::string& addr,
                                  const secret& private_key_hex) {
    std::lock_guard<std::mutex> guard{mutex_};
    accounts_[auth_id] = addr;
    if (auto res = ensure_private_dir(key_dir_); !res)
      return res;
    auto key_path = key_dir_ / (auth_id + ".pkey");
    auto existing = read_file(key_path);
    if (!existing || *existing != private_key_hex.reveal()) {
      auto res = write_file_atomically(key_path, private_key_hex.reveal(),
                                       key_file_mode, false);
      if (!res)
        return res;
    }
    return write_all();
  }

  /// Writes the whole configuration now.
  result<void> write_all_now() {
    std::lock_guard<std::mutex> guard{mutex_};
    return write_all();
  }

  /// Bytes of the last configuration written.
  size_t last_size() const { return last_size_; }

 private:
  result<void> write_all() {
    std::vector<cli_account> listed;
    listed.reserve(accounts_.size());
    for (const auto& [auth_id, addr] : accounts_) {
      cli_account account;
      account.name = auth_id;
      account.address = addr;
      account.key_location = (key_location_dir_ / (auth_id + ".pkey")).string();
      listed.push_back(std::move(account));
    }
    auto text = render_flow_cli_config(network_, grpc_host_, listed);
    last_size_ = text.size();
    if (!file_.parent_path().empty()) {
      std::error_code err;
      fs::create_directories(file_.parent_path(), err);
    }
    return write_file_atomically(file_, text, config_file_mode, true);
  }

  std::mutex mutex_;
  fs::path file_;
  fs::path key_dir_;
  fs::path key_location_dir_;
  std::string network_;
  std::string grpc_host_;
  std::map<std::string, std::string> accounts_;
  size_t last_size_ = 0;
};

// -- the run ------------------------------------------------------------------

enum class run_mode { reconcile, provision, plan_only, write_config };

const char* to_string(run_mode mode) {
  switch (mode) {
  case run_mode::reconcile:
    return "reconcile";
  case run_mode::provision:
    return "provision";
  case run_mode::plan_only:
    return "plan-only";
  case run_mode::write_config:
    break;
  }
  return "write-config";
}

/// Everything the threads share.
struct context {
  settings cfg;
  sealer keys;
  private_key service_key;
  std::vector<token_ref> tokens;
  std::string flow_balance_script;
  std::string token_balance_script;
  std::string capabilities_script;
  std::string create_script;
  std::string setup_script;
  std::string top_up_script;
  std::unique_ptr<shared_limiter> limiter;
  std::unique_ptr<config_file> config;
  tally counts;
  /// The one proposal key: held from signing until the transaction is
  /// final, so only one transaction is ever in flight.
  std::mutex proposal_key;
  std::optional<uint64_t> sequence;
  /// In plan-only mode, what would have been sent.
  std::atomic<uint64_t> planned_creations{0};
  std::atomic<uint64_t> planned_repairs{0};
  std::atomic<uint64_t> planned_top_ups{0};
  bool send = true;
};

/// Runs `attempt` until it succeeds, fails for good or `max_tries` pass,
/// waiting a little longer each time.
template <class F>
auto retrying(F attempt) -> decltype(attempt()) {
  for (int tries = 1;; ++tries) {
    auto res = attempt();
    if (res || tries >= max_tries || !is_retryable(res.error()))
      return res;
    std::this_thread::sleep_for(std::chrono::milliseconds{100 << tries});
  }
}

result<cvalue> run_script(context& ctx, flow_access& flow,
                          const std::string& script,
                          const std::vector<cvalue>& arguments) {
  return retrying([&] {
    ctx.limiter->acquire(request_class::script);
    ++ctx.counts.scripts;
    return flow.execute_script(script, arguments);
  });
}

/// The proposal key's sequence number, read from the chain when unknown.
/// Called with the proposal key held.
result<uint64_t> current_sequence(context& ctx, flow_access& flow) {
  if (ctx.sequence)
    return *ctx.sequence;
  auto account = retrying([&] {
    ctx.limiter->acquire(request_class::access);
    return flow.get_account(ctx.cfg.flow.service_address);
  });
  if (!account)
    return account.error();
  auto index = ctx.cfg.flow.proposal_key_indices.front();
  for (const auto& key : account->keys)
    if (key.index == index && !key.revoked)
      return *(ctx.sequence = key.sequence_number);
  return make_failure(ec::config, "the service account has no usable key "
                                    + std::to_string(index));
}

/// Follows a sent transaction until it is final, as the daemon does: a
/// look every poll interval.
result<tx_result> follow(context& ctx, flow_access& flow,
                         const std::string& id) {
  auto started = clock_type::now();
  for (;;) {
    std::this_thread::sleep_for(ctx.cfg.flow.poll_interval);
    auto res = retrying([&] {
      ctx.limiter->acquire(request_class::access);
      return flow.transaction_result(id);
    });
    if (!res || res->final())
      return res;
    if (clock_type::now() - started > ctx.cfg.flow.tx_timeout)
      return make_failure(ec::timeout, "transaction " + id + " is not final");
  }
}

/// Signs, sends and follows one transaction with the one proposal key.
result<tx_result> execute(context& ctx, flow_access& flow, tx_request request) {
  std::lock_guard<std::mutex> key_held{ctx.proposal_key};

  auto sequence = current_sequence(ctx, flow);
  if (!sequence)
    return sequence.error();
  auto block = retrying([&] {
    ctx.limiter->acquire(request_class::access);
    return flow.latest_sealed_block();
  });
  if (!block)
    return block.error();

  request.sequence_number = *sequence;
  auto tx = sign_transaction(request, *block);
  if (!tx)
    return tx.error();
  auto sent = retrying([&] {
    ctx.limiter->acquire(request_class::transaction);
    ++ctx.counts.transactions;
    return flow.send_transaction(*tx);
  });
  if (!sent) {
    ctx.sequence.reset();
    return sent.error();
  }

  auto outcome = follow(ctx, flow, tx->id_hex());
  if (!outcome) {
    ctx.sequence.reset();
    return outcome.error();
  }
  // A sealed transaction used its sequence number even when it failed; an
  // expired one never ran.
  if (outcome->status == tx_status::sealed)
    ctx.sequence = *sequence + 1;
  if (outcome->status == tx_status::expired)
    return make_failure(ec::expired,
                        "transaction " + tx->id_hex() + " expired");
  if (outcome->failed()) {
    auto f = make_failure(ec::execution_failed, outcome->error_message);
    f.flow_code = outcome->error_code;
    return f;
  }
  return outcome;
}

signer_ref payer(const context& ctx) {
  return {ctx.cfg.flow.service_address, ctx.cfg.flow.service_key_index,
          &ctx.service_key, ctx.cfg.flow.service_hash_algo};
}

signer_ref proposer(const context& ctx) {
  return {ctx.cfg.flow.service_address,
          ctx.cfg.flow.proposal_key_indices.front(), &ctx.service_key,
          ctx.cfg.flow.service_hash_algo};
}

tx_request base_request(const context& ctx, const std::string& script) {
  tx_request request;
  request.script = script;
  request.gas_limit = ctx.cfg.flow.gas_limit;
  request.proposer = proposer(ctx);
  request.payer = payer(ctx);
  return request;
}

/// Opens the sealed key of a row.
result<secret> open_key(const context& ctx, const wallet_row& row) {
  return ctx.keys.open(row.flow_private_key, row.auth_id);
}

/// The Flow CLI configuration after a wallet, as the pattern did it.
void write_config(context& ctx, const wallet_row& row) {
  auto key = open_key(ctx, row);
  if (!key) {
    FLOWSYNC_WARN("baseline cannot open the key of user {}: {}", row.auth_id,
                  key.error().message);
    ++ctx.counts.errors;
    return;
  }
  auto res =
    ctx.config->write_after_wallet(row.auth_id, row.flow_address, *key);
  if (!res) {
    FLOWSYNC_WARN("baseline cannot write the configuration: {}",
                  res.error().message);
    ++ctx.counts.errors;
    return;
  }
  ++ctx.counts.config_writes;
}

// -- one wallet ---------------------------------------------------------------

/// What the three scripts found.
struct checks {
  ufix64 flow_balance;
  bool vaults_ok = true;
};

result<checks> check_wallet(context& ctx, flow_access& flow,
                            const address& addr) {
  checks found;
  auto balance = run_script(ctx, flow, ctx.flow_balance_script,
                            {cvalue::make_address(addr)});
  if (!balance)
    return balance.error();
  auto units = balance->as_ufix64();
  if (!units)
    return units.error();
  found.flow_balance = *units;

  for (const auto& token : ctx.tokens) {
    std::vector<cvalue> args{cvalue::make_address(addr),
                             cvalue::make_address(token.addr),
                             cvalue::make_string(token.name)};
    auto token_balance = run_script(ctx, flow, ctx.token_balance_script, args);
    if (!token_balance)
      return token_balance.error();
    if (token_balance->is_nil())
      found.vaults_ok = false;

    auto caps = run_script(ctx, flow, ctx.capabilities_script, args);
    if (!caps)
      return caps.error();
    for (const auto& flag : caps->elements()) {
      auto ok = flag.as_bool();
      if (!ok || !*ok)
        found.vaults_ok = false;
    }
    if (caps->elements().size() != 3)
      found.vaults_ok = false;
  }
  return found;
}

/// The user's own full-weight key on the account: vault repair needs the
/// user's signature.
result<uint32_t> user_key_index(context& ctx, flow_access& flow,
                                const address& addr,
                                const std::string& public_key) {
  auto account = retrying([&] {
    ctx.limiter->acquire(request_class::access);
    return flow.get_account(addr);
  });
  if (!account)
    return account.error();
  for (const auto& key : account->keys)
    if (!key.revoked && key.weight >= 1000 && key.public_key == public_key)
      return key.index;
  return make_failure(ec::refused, "the user's key is not on the account");
}

result<void> repair_vault(context& ctx, flow_access& flow,
                          const wallet_row& row, const address& addr) {
  auto index = user_key_index(ctx, flow, addr, row.flow_public_key);
  if (!index)
    return index.error();
  auto opened = open_key(ctx, row);
  if (!opened)
    return opened.error();
  auto key = private_key::from_hex(*opened, sig_algo::ecdsa_p256);
  if (!key)
    return key.error();

  auto request = base_request(ctx, ctx.setup_script);
  request.arguments = setup_vault_arguments(ctx.tokens);
  request.authorizers.push_back({addr, *index, &*key, hash_algo::sha3_256});
  auto res = execute(ctx, flow, std::move(request));
  if (!res)
    return res.error();
  ++ctx.counts.repaired;
  return {};
}

result<void> top_up(context& ctx, flow_access& flow, const address& addr) {
  auto request = base_request(ctx, ctx.top_up_script);
  request.arguments = top_up_arguments({addr}, ctx.cfg.policy.top_up_amount);
  request.authorizers.push_back(payer(ctx));
  auto res = execute(ctx, flow, std::move(request));
  if (!res)
    return res.error();
  ++ctx.counts.topped_up;
  return {};
}

/// A wallet with an account: three scripts, then one transaction per
/// action, then the configuration.
result<void> reconcile_wallet(context& ctx, flow_access& flow,
                              const wallet_row& row) {
  auto addr = address::parse(row.flow_address);
  if (!addr)
    return addr.error();
  auto found = check_wallet(ctx, flow, *addr);
  if (!found)
    return found.error();

  auto needs_repair = !found->vaults_ok;
  auto needs_funding = found->flow_balance < ctx.cfg.policy.min_balance;
  if (!ctx.send) {
    ctx.planned_repairs += needs_repair ? 1 : 0;
    ctx.planned_top_ups += needs_funding ? 1 : 0;
    return {};
  }
  if (needs_repair)
    if (auto res = repair_vault(ctx, flow, row, *addr); !res)
      return res;
  if (needs_funding)
    if (auto res = top_up(ctx, flow, *addr); !res)
      return res;
  if (!needs_repair && !needs_funding)
    ++ctx.counts.in_step;

  write_config(ctx, row);
  return {};
}

/// A wallet without an account: a key stored in its row, one creation
/// transaction for this account alone, the address stored, the
/// configuration written.
result<void> provision_wallet(context& ctx, flow_access& flow, supabase_api& db,
                              wallet_row row) {
  auto key = private_key::generate(sig_algo::ecdsa_p256);
  if (!key)
    return key.error();
  auto sealed = ctx.keys.seal(key->to_hex(), row.auth_id);
  if (!sealed)
    return sealed.error();
  key_write write{row.auth_id, key->public_key_hex(), *sealed};
  auto stored = retrying([&] { return db.store_keys({write}); });
  if (!stored)
    return stored.error();
  if (stored->empty())
    return make_failure(ec::refused, "the row already holds a key");
  row.flow_public_key = write.public_key;
  row.flow_private_key = write.sealed_key;

  auto request = base_request(ctx, ctx.create_script);
  request.arguments = create_accounts_arguments(
    {row.flow_public_key}, ctx.cfg.policy.initial_funding, ctx.tokens);
  request.authorizers.push_back(payer(ctx));
  auto outcome = execute(ctx, flow, std::move(request));
  if (!outcome)
    return outcome.error();
  auto created = created_addresses(*outcome);
  if (!created)
    return created.error();
  if (created->size() != 1)
    return make_failure(ec::parse_error, "expected one new account");
  ++ctx.counts.created;

  row.flow_address = created->front().hex();
  address_write where{row.auth_id, row.flow_public_key, row.flow_address};
  auto written = retrying([&] { return db.store_addresses({where}); });
  if (!written)
    return written.error();

  write_config(ctx, row);
  return {};
}

// -- reading ------------------------------------------------------------------

struct everything {
  std::vector<auth_user> users;
  std::vector<wallet_row> rows;
};

/// Every user and every wallet row, in memory, as the pattern kept them.
result<everything> read_everything(const settings& cfg, supabase_api& db) {
  everything all;
  std::set<std::string> seen;
  for (int page = 1; page > 0;) {
    auto got = retrying(
      [&] { return db.list_users(page, cfg.supabase.users_per_page); });
    if (!got)
      return got.error();
    for (auto& user : got->users)
      if (seen.insert(user.id).second)
        all.users.push_back(std::move(user));
    page = got->next_page;
  }
  std::string after;
  for (;;) {
    auto got = retrying(
      [&] { return db.wallets_after(after, cfg.supabase.wallets_per_page); });
    if (!got)
      return got.error();
    if (got->empty())
      break;
    after = got->back().auth_id;
    for (auto& row : *got)
      all.rows.push_back(std::move(row));
  }
  return all;
}

/// The rows of the users who are served, ordered by user id.
std::vector<wallet_row> served_rows(const settings& cfg, everything& all) {
  std::set<std::string> served;
  for (const auto& user : all.users)
    if (!user.deleted && (!user.anonymous || cfg.policy.include_anonymous))
      served.insert(user.id);
  std::vector<wallet_row> rows;
  for (auto& row : all.rows)
    if (served.count(row.auth_id) > 0)
      rows.push_back(row);
  std::sort(rows.begin(), rows.end(),
            [](const wallet_row& x, const wallet_row& y) {
              return x.auth_id < y.auth_id;
            });
  return rows;
}

// -- setup --------------------------------------------------------------------

result<std::string> load(const settings& cfg, std::string_view path) {
  return load_cadence(path, cfg.flow.contracts);
}

result<void> prepare(context& ctx) {
  const auto& cfg = ctx.cfg;
  if (cfg.flow.proposal_key_indices.empty())
    return make_failure(ec::config, "no proposal key is configured");
  auto keys = sealer::from_master_key(cfg.master_key);
  if (!keys)
    return keys.error();
  ctx.keys = std::move(*keys);
  auto service =
    private_key::from_hex(cfg.flow.service_key, cfg.flow.service_sig_algo);
  if (!service)
    return service.error();
  ctx.service_key = std::move(*service);
  for (const auto& name : cfg.flow.tokens) {
    auto found = cfg.flow.contracts.find(name);
    if (found == cfg.flow.contracts.end())
      return make_failure(ec::config, "no address for token " + name);
    ctx.tokens.push_back({name, found->second});
  }

  std::pair<std::string*, std::string_view> files[] = {
    {&ctx.flow_balance_script, flow_balance_file},
    {&ctx.token_balance_script, token_balance_file},
    {&ctx.capabilities_script, capabilities_file},
    {&ctx.create_script, cadence_file::create_accounts},
    {&ctx.setup_script, cadence_file::setup_vault},
    {&ctx.top_up_script, cadence_file::top_up},
  };
  for (auto& [out, path] : files) {
    auto text = load(cfg, path);
    if (!text)
      return text.error();
    *out = std::move(*text);
  }
  ctx.limiter = std::make_unique<shared_limiter>(cfg.rate_limits);
  return {};
}

// -- output -------------------------------------------------------------------

/// A small JSON object written field by field; values are numbers, flags
/// or plain ASCII strings.
class json_object {
 public:
  json_object& field(const char* name, const std::string& text) {
    return raw(name, "\"" + text + "\"");
  }

  json_object& field(const char* name, const char* text) {
    return field(name, std::string{text});
  }

  json_object& field(const char* name, bool flag) {
    return raw(name, flag ? "true" : "false");
  }

  json_object& field(const char* name, uint64_t number) {
    return raw(name, std::to_string(number));
  }

  json_object& field(const char* name, double number) {
    std::ostringstream out;
    out.precision(6);
    out << std::fixed << number;
    return raw(name, out.str());
  }

  std::string str() const { return "{" + body_ + "}"; }

 private:
  json_object& raw(const char* name, const std::string& value) {
    if (!body_.empty())
      body_ += ", ";
    body_ += "\"" + std::string{name} + "\": " + value;
    return *this;
  }

  std::string body_;
};

// -- the modes ----------------------------------------------------------------

struct options {
  run_mode mode = run_mode::reconcile;
  /// Wallets handled at most; 0 for all.
  uint64_t limit = 0;
  /// Accounts in the configuration of --write-config.
  uint64_t accounts = 0;
  unsigned threads = default_threads;
  fs::path output = "baseline-output";
  std::string config;
};

int fail(const std::string& what, const failure& f) {
  std::cerr << "flowsync-baseline: " << what << ": " << f.message << '\n';
  return 1;
}

/// The pattern's configuration writes on made-up accounts: a configuration
/// of `accounts` accounts, rewritten whole after each of `limit` wallets.
int write_config_mode(const options& opt) {
  auto slice =
    opt.limit == 0 ? opt.accounts : std::min(opt.limit, opt.accounts);
  auto keys = random_sealer();
  if (!keys)
    return fail("no sealer", keys.error());
  auto keygen_started = clock_type::now();
  auto sealed = sealed_keys(*keys, 0, slice);
  if (!sealed)
    return fail("cannot make keys", sealed.error());
  auto keygen_s = seconds_since(keygen_started);

  auto file = opt.output / "flow-production.json";
  config_file config{file, opt.output / "pkeys", "emulator", "127.0.0.1:3569"};
  for (uint64_t i = 0; i < opt.accounts; ++i)
    config.add(synthetic_user_id(i), synthetic_address(i));

  auto started = clock_type::now();
  uint64_t writes = 0;
  for (uint64_t i = 0; i < slice; ++i) {
    auto id = synthetic_user_id(i);
    auto key = keys->open((*sealed)[i], id);
    if (!key)
      return fail("cannot open a key", key.error());
    auto res = config.write_after_wallet(id, synthetic_address(i), *key);
    if (!res)
      return fail("cannot write the configuration", res.error());
    ++writes;
  }
  auto wall_s = seconds_since(started);

  json_object out;
  out.field("mode", to_string(opt.mode))
    .field("accounts", opt.accounts)
    .field("wallets", slice)
    .field("slice", slice < opt.accounts)
    .field("keygen_s", keygen_s)
    .field("wall_s", wall_s)
    .field("wallets_per_s", wall_s > 0 ? slice / wall_s : 0.0)
    .field("config_writes", writes)
    .field("ms_per_write", writes > 0 ? wall_s * 1000 / writes : 0.0)
    .field("config_bytes", static_cast<uint64_t>(config.last_size()))
    .field("scripts", uint64_t{0})
    .field("transactions", uint64_t{0});
  std::cout << out.str() << std::endl;
  return 0;
}

/// The chosen wallets of the mode, in user-id order.
std::vector<wallet_row> select_rows(run_mode mode,
                                    const std::vector<wallet_row>& rows) {
  std::vector<wallet_row> picked;
  for (const auto& row : rows) {
    bool has_address = !row.flow_address.empty();
    switch (mode) {
    case run_mode::provision:
      // Rows with a key but no address are a crash's leftovers: not new.
      if (!has_address && row.flow_public_key.empty())
        picked.push_back(row);
      break;
    case run_mode::reconcile:
    case run_mode::plan_only:
      if (has_address)
        picked.push_back(row);
      break;
    case run_mode::write_config:
      break;
    }
  }
  return picked;
}

int chain_mode(const options& opt) {
  auto env = process_env();
  fs::path file = opt.config;
  if (file.empty())
    if (auto value = env("FLOWSYNC_CONFIG"))
      file = *value;
  auto cfg = load_settings(file, env);
  if (!cfg)
    return fail("the settings", cfg.error());

  context ctx;
  ctx.cfg = std::move(*cfg);
  ctx.send = opt.mode != run_mode::plan_only;
  if (auto res = prepare(ctx); !res)
    return fail("cannot start", res.error());
  ctx.config = std::make_unique<config_file>(
    opt.output / "flow-production.json", opt.output / "pkeys",
    ctx.cfg.flow.network, ctx.cfg.flow.grpc_host);

  auto started = clock_type::now();
  supabase_options db_options{ctx.cfg.supabase.url,
                              ctx.cfg.supabase.service_role_key,
                              ctx.cfg.supabase.timeout};
  auto db = make_supabase_client(db_options);
  auto all = read_everything(ctx.cfg, *db);
  if (!all)
    return fail("cannot read users and wallets", all.error());
  auto rows = served_rows(ctx.cfg, *all);
  for (const auto& row : rows)
    if (!row.flow_address.empty())
      ctx.config->add(row.auth_id, row.flow_address);
  auto picked = select_rows(opt.mode, rows);
  auto selected = picked.size();
  if (opt.limit > 0 && picked.size() > opt.limit)
    picked.resize(opt.limit);
  auto read_s = seconds_since(started);

  auto work_started = clock_type::now();
  std::atomic<size_t> next{0};
  auto worker = [&] {
    auto flow = make_flow_rest_client(
      {ctx.cfg.flow.access_url, ctx.cfg.flow.request_timeout});
    auto own_db = make_supabase_client(db_options);
    for (size_t i = next++; i < picked.size(); i = next++) {
      const auto& row = picked[i];
      auto res = opt.mode == run_mode::provision
                   ? provision_wallet(ctx, *flow, *own_db, row)
                   : reconcile_wallet(ctx, *flow, row);
      ++ctx.counts.wallets;
      if (!res) {
        ++ctx.counts.errors;
        FLOWSYNC_WARN("baseline: wallet of user {}: {}", row.auth_id,
                      res.error().message);
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::max(1u, opt.threads); ++t)
    threads.emplace_back(worker);
  for (auto& t : threads)
    t.join();
  auto work_s = seconds_since(work_started);
  auto wall_s = seconds_since(started);

  uint64_t wallets = ctx.counts.wallets;
  uint64_t planned_creations = 0;
  if (opt.mode == run_mode::plan_only)
    for (const auto& row : rows)
      if (row.flow_address.empty())
        ++planned_creations;
  json_object out;
  out.field("mode", to_string(opt.mode))
    .field("users", static_cast<uint64_t>(all->users.size()))
    .field("rows", static_cast<uint64_t>(rows.size()))
    .field("selected", static_cast<uint64_t>(selected))
    .field("wallets", wallets)
    .field("slice", wallets < selected)
    .field("threads", static_cast<uint64_t>(std::max(1u, opt.threads)))
    .field("read_s", read_s)
    .field("work_s", work_s)
    .field("wall_s", wall_s)
    .field("wallets_per_s", work_s > 0 ? wallets / work_s : 0.0)
    .field("scripts", ctx.counts.scripts.load())
    .field("transactions", ctx.counts.transactions.load())
    .field("in_step", ctx.counts.in_step.load())
    .field("created", ctx.counts.created.load())
    .field("repaired", ctx.counts.repaired.load())
    .field("topped_up", ctx.counts.topped_up.load())
    .field("config_writes", ctx.counts.config_writes.load())
    .field("errors", ctx.counts.errors.load());
  if (opt.mode == run_mode::plan_only)
    out.field("planned_creations", planned_creations)
      .field("planned_repairs", ctx.planned_repairs.load())
      .field("planned_top_ups", ctx.planned_top_ups.load());
  std::cout << out.str() << std::endl;
  return ctx.counts.errors == 0 ? 0 : 1;
}

} // namespace

} // namespace flowsync::bench

int main(int argc, char** argv) {
  using flowsync::bench::run_mode;
  CLI::App app{"flowsync-baseline: the per-wallet pattern flowsync replaces "
               "(three scripts per wallet, one transaction per action from "
               "one proposal key, the configuration written after every "
               "wallet), for tools/bench. Prints one JSON object."};
  flowsync::bench::options opt;
  bool reconcile = false;
  bool provision = false;
  bool plan_only = false;
  std::string log_level = "warn";
  auto modes = app.add_option_group("mode");
  modes->add_flag("--reconcile", reconcile,
                  "Check every wallet that has an account and act on it");
  modes->add_flag("--provision", provision,
                  "Create an account for every wallet without one");
  modes->add_flag("--plan-only", plan_only,
                  "Read every user and row into memory, check the wallets "
                  "with accounts (up to --limit) and decide; send nothing");
  modes->add_option("--write-config", opt.accounts,
                    "Write a configuration of N made-up accounts whole after "
                    "each of --limit wallets (no sandbox needed)");
  modes->require_option(1);
  app.add_option("--limit", opt.limit,
                 "Handle at most N wallets (a slice); 0 for all");
  app.add_option("--threads", opt.threads, "Worker threads (3)");
  app.add_option("--output", opt.output,
                 "Folder for flow-production.json and pkeys/");
  app.add_option("-c,--config", opt.config,
                 "flowsync's TOML settings (default: $FLOWSYNC_CONFIG)");
  app.add_option("--log-level", log_level, "Log level on standard error");
  CLI11_PARSE(app, argc, argv);

  flowsync::init_logging(log_level);
  if (reconcile)
    opt.mode = run_mode::reconcile;
  else if (provision)
    opt.mode = run_mode::provision;
  else if (plan_only)
    opt.mode = run_mode::plan_only;
  else
    opt.mode = run_mode::write_config;
  if (opt.mode == run_mode::write_config)
    return flowsync::bench::write_config_mode(opt);
  return flowsync::bench::chain_mode(opt);
}
