// flowsync-crash-check: the eyes of tools/crash-test. It drains accounts as
// their users, takes snapshots between kills and, at the end, judges the
// chain and the database without asking the daemon anything. Settings come
// from the crash sandbox's env file (source it first).

#include "adapters/crypto.hpp"
#include "adapters/ufix64.hpp"
#include "tools/crash_test/audit.hpp"
#include "tools/crash_test/observe.hpp"
#include "tools/sandbox_tool/chain.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace flowsync::crash {

namespace {

/// Exit codes: the verdict passed, found problems, or could not be reached.
constexpr int exit_passed = 0;
constexpr int exit_failed = 1;
constexpr int exit_error = 2;

int fail(const std::string& what, const failure& f) {
  std::cerr << "flowsync-crash-check: " << what << ": " << f.message << '\n';
  return exit_error;
}

int fail(const std::string& message) {
  std::cerr << "flowsync-crash-check: " << message << '\n';
  return exit_error;
}

/// The sandbox's settings, read from the environment.
struct sandbox_env {
  std::string access_url;
  std::string pg_url;
  secret master_key;
  std::string service_key_file;
  std::string service_address;
  std::string baitcoin;
};

std::optional<sandbox_env> read_env() {
  auto get = [](const char* name) -> std::optional<std::string> {
    auto value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
      std::cerr << "flowsync-crash-check: " << name
                << " is not set; source the crash sandbox's env file\n";
      return std::nullopt;
    }
    return std::string{value};
  };
  auto url = get("FLOW_ACCESS_URL");
  auto pg = get("FLOWSYNC_PG_URL");
  auto master = get("FLOWSYNC_MASTER_KEY");
  auto key_file = get("FLOWSYNC_SERVICE_KEY_FILE");
  auto service = get("FLOWSYNC_SERVICE_ADDRESS");
  if (!url || !pg || !master || !key_file || !service)
    return std::nullopt;
  auto baitcoin = std::getenv("FLOWSYNC_BAITCOIN_ADDRESS");
  return sandbox_env{*url,      *pg,      secret{*master},
                     *key_file, *service, baitcoin ? baitcoin : ""};
}

result<sandbox::chain> make_chain(const sandbox_env& env) {
  auto contracts = sandbox::emulator_contracts();
  if (!contracts)
    return contracts.error();
  if (!env.baitcoin.empty()) {
    auto addr = address::parse(env.baitcoin);
    if (!addr)
      return addr.error();
    (*contracts)["BaitCoin"] = *addr;
  }
  sandbox::chain_options opts;
  opts.access_url = env.access_url;
  opts.contracts = std::move(*contracts);
  return sandbox::chain{opts};
}

// -- height -------------------------------------------------------------------

int print_height(const sandbox_env& env) {
  auto node = make_flow_rest_client({env.access_url, default_http_timeout});
  auto block = node->latest_sealed_block();
  if (!block)
    return fail("cannot read the latest block", block.error());
  std::cout << block->height << '\n';
  return exit_passed;
}

// -- snapshot -----------------------------------------------------------------

int print_snapshot(const sandbox_env& env, const std::string& key_record) {
  database db{env.pg_url};
  if (auto why = db.error(); !why.empty())
    return fail(why);
  auto node = make_flow_rest_client({env.access_url, default_http_timeout});
  auto snap = take_snapshot(db, *node, key_record);
  if (!snap)
    return fail("cannot take a snapshot", snap.error());
  std::cout << describe(*snap) << '\n';
  return exit_passed;
}

// -- drain --------------------------------------------------------------------

struct drain_options {
  size_t count = 0;
  std::string keep = "0.05";
  uint64_t seed = 1;
  std::string record;
};

/// Signs, as the user of one wallet row, a transaction that sends FLOW
/// away until `keep` is left; the service account pays the fees.
result<transaction> sign_drain(sandbox::chain& net, const sealer& keys,
                               const sandbox::signer& service,
                               const std::vector<std::string>& row,
                               ufix64 keep) {
  auto addr = address::parse(row[1]);
  if (!addr)
    return addr.error();
  auto opened = keys.open(row[3], row[0]);
  if (!opened)
    return opened.error();
  auto key = private_key::from_hex(*opened, sig_algo::ecdsa_p256);
  if (!key)
    return key.error();
  auto account = net.access().get_account(*addr);
  if (!account)
    return account.error();
  auto own = std::find_if(
    account->keys.begin(), account->keys.end(),
    [&](const account_key_info& k) { return k.public_key == row[2]; });
  if (own == account->keys.end())
    return make_failure(ec::invalid_input,
                        "account " + addr->hex() + " lacks its user's key");

  sandbox::tx_spec spec;
  spec.cadence_path = "transactions/testing/drain_flow.cdc";
  spec.arguments = {cvalue::make_ufix64(keep),
                    cvalue::make_address(service.addr)};
  spec.proposer = {*addr, own->index, *key, hash_algo::sha3_256};
  spec.payer = service;
  spec.authorizers.push_back(spec.proposer);
  return net.prepare(spec);
}

int drain(const sandbox_env& env, const drain_options& opts) {
  auto keep = ufix64::parse(opts.keep);
  if (!keep)
    return fail("--keep", keep.error());
  auto keys = sealer::from_master_key(env.master_key);
  if (!keys)
    return fail("the master key", keys.error());
  auto service_key = sandbox::read_key_file(env.service_key_file);
  if (!service_key)
    return fail("the service key", service_key.error());
  auto service_addr = address::parse(env.service_address);
  if (!service_addr)
    return fail("the service address", service_addr.error());
  sandbox::signer service{*service_addr, 0, *service_key, hash_algo::sha3_256};
  auto net = make_chain(env);
  if (!net)
    return fail("the chain", net.error());
  auto done = read_drains(opts.record);
  if (!done)
    return fail("the drain record", done.error());

  database db{env.pg_url};
  if (auto why = db.error(); !why.empty())
    return fail(why);
  auto rows = db.query("select auth_id::text, flow_address, flow_public_key, "
                       "flow_private_key from public.wallet where "
                       "coalesce(flow_address, '') <> '' order by auth_id");
  if (!rows)
    return fail("cannot read wallet rows", rows.error());

  // Each address is drained once, so each allows exactly one top-up.
  std::vector<std::vector<std::string>> candidates;
  for (auto& row : *rows) {
    auto addr = address::parse(row[1]);
    if (addr && done->count(*addr) == 0)
      candidates.push_back(std::move(row));
  }
  std::mt19937_64 rng{opts.seed};
  std::shuffle(candidates.begin(), candidates.end(), rng);
  candidates.resize(std::min(candidates.size(), opts.count));

  // All are sent before any is awaited: each has its own proposer, and
  // the payer's key has no sequence number to share.
  std::vector<std::pair<std::string, std::string>> sent;
  for (const auto& row : candidates) {
    auto tx = sign_drain(*net, *keys, service, row, *keep);
    auto id = tx ? net->submit(*tx) : result<std::string>{tx.error()};
    if (!id) {
      std::cerr << "flowsync-crash-check: could not drain " << row[1] << ": "
                << id.error().message << '\n';
      continue;
    }
    sent.emplace_back(row[1], *id);
  }
  std::ofstream record{opts.record, std::ios::app};
  size_t drained = 0;
  for (const auto& [addr, id] : sent) {
    if (auto res = net->wait(id); !res) {
      std::cerr << "flowsync-crash-check: the drain of " << addr
                << " did not go through: " << res.error().message << '\n';
      continue;
    }
    // Recorded only once sealed: the verdict allows one top-up per line.
    record << addr << '\n' << std::flush;
    ++drained;
  }
  std::cout << "drained " << drained << " of " << candidates.size()
            << " accounts (of " << rows->size() << " provisioned) to "
            << keep->to_string() << " FLOW\n";
  return drained == candidates.size() ? exit_passed : exit_failed;
}

// -- check --------------------------------------------------------------------

struct check_options {
  uint64_t from_height = 0;
  std::string drains;
  std::string keys;
  bool require_expiry = false;
};

int check(const sandbox_env& env, const check_options& opts) {
  auto keys = sealer::from_master_key(env.master_key);
  if (!keys)
    return fail("the master key", keys.error());
  auto contracts = sandbox::emulator_contracts();
  if (!contracts || contracts->count("FlowToken") == 0)
    return fail("the emulator profile names no FlowToken");
  auto drains = read_drains(opts.drains);
  if (!drains)
    return fail("the drain record", drains.error());
  auto first_keys = read_key_record(opts.keys);
  if (!first_keys)
    return fail("the key record", first_keys.error());
  database db{env.pg_url};
  if (auto why = db.error(); !why.empty())
    return fail(why);
  auto node = make_flow_rest_client({env.access_url, default_http_timeout});

  auto ev =
    gather(db, *node, env.access_url, *keys, contracts->at("FlowToken"),
           opts.from_height, std::move(*drains), std::move(*first_keys));
  if (!ev)
    return fail("cannot gather the evidence", ev.error());
  auto v = judge(*ev);
  std::cout << describe(v);
  auto expired = v.ledger_txs.count("expired") ? v.ledger_txs.at("expired") : 0;
  if (opts.require_expiry && expired == 0) {
    std::cout << "the expiry path was not exercised: no transaction expired\n";
    return exit_failed;
  }
  return v.passed() ? exit_passed : exit_failed;
}

} // namespace

} // namespace flowsync::crash

int main(int argc, char** argv) {
  using namespace flowsync::crash;
  CLI::App app{"flowsync-crash-check: drains, snapshots and the verdict of "
               "tools/crash-test, from the chain and the database alone"};
  app.require_subcommand(1);
  app.add_subcommand("height", "Print the latest sealed block height");
  std::string key_record;
  auto snapshot_cmd = app.add_subcommand(
    "snapshot", "Print where the daemon's work stands in the database and on "
                "chain");
  snapshot_cmd
    ->add_option("--keys", key_record,
                 "File of the first public key seen of each user; new ones "
                 "are added, changed ones reported")
    ->required();

  drain_options drain_opts;
  auto drain_cmd =
    app.add_subcommand("drain", "Drain provisioned accounts as their users");
  drain_cmd->add_option("--count", drain_opts.count, "Accounts to drain")
    ->required();
  drain_cmd->add_option("--keep", drain_opts.keep,
                        "FLOW left in each (default 0.05)");
  drain_cmd->add_option("--seed", drain_opts.seed, "Picks the accounts");
  drain_cmd
    ->add_option("--record", drain_opts.record,
                 "File that lists every drained address, one per line")
    ->required();

  check_options check_opts;
  auto check_cmd = app.add_subcommand(
    "check", "Judge the chain and the database; exit 0 only when nothing is "
             "duplicated, lost or left open");
  check_cmd
    ->add_option("--from-height", check_opts.from_height,
                 "First block of the daemon's work; accounts created before "
                 "it are the sandbox's own")
    ->required();
  check_cmd
    ->add_option("--drains", check_opts.drains,
                 "The drain record written by the drain command")
    ->required();
  check_cmd
    ->add_option("--keys", check_opts.keys,
                 "The key record written by the snapshot command")
    ->required();
  check_cmd->add_flag("--require-expiry", check_opts.require_expiry,
                      "Fail unless some transaction expired");
  CLI11_PARSE(app, argc, argv);

  auto env = read_env();
  if (!env)
    return exit_error;
  if (drain_cmd->parsed())
    return drain(*env, drain_opts);
  if (check_cmd->parsed())
    return check(*env, check_opts);
  if (snapshot_cmd->parsed())
    return print_snapshot(*env, key_record);
  return print_height(*env);
}
