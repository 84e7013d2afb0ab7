// The daemon end to end against the sandbox: real emulator, real
// PostgreSQL behind the Supabase stand-in. Every check reads the chain and
// the database directly, not the daemon's own reports.

#include "adapters/atomic_file.hpp"
#include "adapters/crypto.hpp"
#include "adapters/flow_cli_config.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/sandbox.hpp"

#include <csignal>
#include <regex>
#include <set>
#include <thread>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

using namespace flowsync;
using namespace flowsync::testing;

namespace {

constexpr auto cycle_timeout = std::chrono::seconds{300};

bool skip_without_sandbox() {
  if (sandbox_up())
    return false;
  if (sandbox_required())
    FAIL("the sandbox is not up and FLOWSYNC_REQUIRE_SANDBOX is set");
  MESSAGE("the sandbox is not up: skipped (run tools/sandbox up)");
  return true;
}

process_result sync_once(const std::filesystem::path& config) {
  return run_command({flowsync_binary(), "sync", "--once"}, daemon_env(config),
                     cycle_timeout);
}

/// The figure before `label` in the last summary line, e.g. the 2 of
/// "2 transactions"; -1 when there is none.
long figure(const std::string& output, const std::string& label) {
  auto line_at = output.rfind("stats: cycle");
  if (line_at == std::string::npos)
    return -1;
  auto line = output.substr(line_at, output.find('\n', line_at) - line_at);
  std::smatch match;
  if (!std::regex_search(line, match, std::regex{"(\\d+) " + label}))
    return -1;
  return std::stol(match[1]);
}

ufix64 flow(const char* text) {
  return *ufix64::parse(text);
}

} // namespace

TEST_CASE("sixty users are provisioned in one cycle and a second cycle sends "
          "nothing") {
  if (skip_without_sandbox())
    return;
  temp_folder tmp;
  auto config = write_daemon_config(tmp.path);
  auto users = create_users(60);

  auto first = sync_once(config);
  INFO(first.output);
  REQUIRE(first.exit_code == 0);

  database db;
  std::vector<address> addresses;
  std::vector<std::string> keys;
  for (const auto& id : users) {
    auto w = wallet_of(db, id);
    CAPTURE(id);
    REQUIRE(w.address.size() == 16);
    REQUIRE(w.public_key.size() == 128);

    // The sealed key opens with the master key, for this user only, and is
    // the private half of the stored public key.
    auto opened = sandbox_sealer().open(w.sealed_key, id);
    REQUIRE(opened);
    auto key = private_key::from_hex(*opened, sig_algo::ecdsa_p256);
    REQUIRE(key);
    CHECK(key->public_key_hex() == w.public_key);
    CHECK_FALSE(sandbox_sealer().open(
      w.sealed_key, users.front() == id ? users.back() : users.front()));

    // Key 0 of the account is that key, full weight, not revoked.
    auto account =
      sandbox_chain().access().get_account(*address::parse(w.address));
    REQUIRE(account);
    REQUIRE_FALSE(account->keys.empty());
    CHECK(account->keys[0].public_key == w.public_key);
    CHECK(account->keys[0].weight == 1000);
    CHECK_FALSE(account->keys[0].revoked);
    CHECK(account->balance >= flow("0.075"));
    addresses.push_back(*address::parse(w.address));
    keys.push_back(w.public_key);
  }

  auto states = read_states(addresses, keys);
  for (size_t i = 0; i < states.size(); ++i) {
    const auto& state = states[i];
    CAPTURE(addresses[i].hex());
    CHECK(state.key_valid);
    REQUIRE(state.tokens.size() == 1);
    CHECK(state.tokens[0].vault);
    CHECK(state.tokens[0].receiver);
    CHECK(state.tokens[0].balance_cap);
  }

  // The Flow CLI configuration lists exactly the served users, each with a
  // readable key file that holds the hex key and nothing else.
  auto text = read_file(tmp.path / "flow/flow-production.json");
  REQUIRE(text);
  auto listed = parse_flow_cli_accounts(*text);
  REQUIRE(listed);
  std::set<std::string> in_config;
  for (const auto& account : *listed) {
    in_config.insert(account.name);
    auto file = read_file(tmp.path / "flow" / account.key_location);
    REQUIRE(file);
    CHECK(file->size() == 64);
    auto key = private_key::from_hex(secret{*file}, sig_algo::ecdsa_p256);
    REQUIRE(key);
    CHECK(key->public_key_hex() == wallet_of(db, account.name).public_key);
  }
  std::set<std::string> served;
  for (const auto& row :
       db.query("select w.auth_id from public.wallet w join auth.users u on "
                "u.id = w.auth_id where u.deleted_at is null and not "
                "coalesce(u.is_anonymous, false) and w.flow_address is not "
                "null and w.flow_address <> ''"))
    served.insert(row[0]);
  CHECK(in_config == served);
  for (const auto& id : users)
    CHECK(in_config.count(id) == 1);

  auto ledger_rows = db.value("select count(*) from public.flowsync_ledger");
  auto second = sync_once(config);
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK(figure(second.output, "transactions") == 0);
  CHECK(db.value("select count(*) from public.flowsync_ledger") == ledger_rows);
}

TEST_CASE("a drained wallet gets exactly one top-up and an unpublished "
          "capability is republished") {
  if (skip_without_sandbox())
    return;
  temp_folder tmp;
  auto config = write_daemon_config(tmp.path);
  auto users = create_users(2);
  auto setup = sync_once(config);
  INFO(setup.output);
  REQUIRE(setup.exit_code == 0);

  database db;
  auto drained = wallet_of(db, users[0]);
  auto unpublished = wallet_of(db, users[1]);
  auto service = *address::parse(sandbox_var("FLOWSYNC_SERVICE_ADDRESS"));
  auto drain = run_as_user(
    drained, "transactions/testing/drain_flow.cdc",
    {cvalue::make_ufix64(flow("0.05")), cvalue::make_address(service)});
  REQUIRE_MESSAGE(drain, (drain ? "" : drain.error().message));
  REQUIRE_FALSE(drain->failed());
  auto unpublish =
    run_as_user(unpublished, "transactions/testing/unpublish_capability.cdc",
                {cvalue::make_string("baitCoinVault")});
  REQUIRE_MESSAGE(unpublish, (unpublish ? "" : unpublish.error().message));
  REQUIRE_FALSE(unpublish->failed());

  auto before = read_states(
    {*address::parse(drained.address), *address::parse(unpublished.address)},
    {drained.public_key, unpublished.public_key});
  REQUIRE(before[0].flow_balance < flow("0.075"));
  REQUIRE_FALSE(before[1].tokens[0].balance_cap);

  auto repair = sync_once(config);
  INFO(repair.output);
  CHECK(repair.exit_code == 0);
  auto count_top_ups = [&] {
    return db.value("select count(*) from public.flowsync_ledger where kind "
                    "= 'top_up' and address = $1",
                    {drained.address});
  };
  CHECK(count_top_ups() == "1");
  CHECK(db.value("select status from public.flowsync_ledger where kind = "
                 "'top_up' and address = $1",
                 {drained.address})
        == "sealed");
  CHECK(db.value("select count(*) from public.flowsync_ledger where kind = "
                 "'setup_vault' and auth_id = $1 and status = 'sealed'",
                 {unpublished.auth_id})
        == "1");

  auto after = read_states(
    {*address::parse(drained.address), *address::parse(unpublished.address)},
    {drained.public_key, unpublished.public_key});
  CHECK(after[0].flow_balance >= flow("0.075"));
  CHECK(after[1].tokens[0].balance_cap);
  CHECK(after[1].tokens[0].receiver);

  auto again = sync_once(config);
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK(count_top_ups() == "1");
}

TEST_CASE("a running daemon shows its state to `flowsync inspect`, which "
          "says so when no daemon answers") {
  if (skip_without_sandbox())
    return;
  temp_folder tmp;
  auto config = write_daemon_config(tmp.path);
  auto port = std::to_string(free_port());
  REQUIRE(port != "0");
  auto env = daemon_env(config);
  env["FLOWSYNC_INSPECTOR_PORT"] = port;
  env["SYNC_INTERVAL"] = "600";
  create_users(3);
  auto log = tmp.path / "daemon.log";
  background_process daemon{{flowsync_binary(), "run"}, env, log};

  auto first_cycle_done = [&] {
    auto text = read_file(log);
    return text && text->find("stats: cycle 1 completed") != std::string::npos;
  };
  auto deadline = std::chrono::steady_clock::now() + cycle_timeout;
  while (!first_cycle_done() && daemon.running()
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{200});
  REQUIRE(first_cycle_done());

  // The summary line comes a message before the supervisor files the
  // cycle as its last: ask until it has.
  process_result json;
  rapidjson::Document doc;
  for (int tries = 0; tries < 50; ++tries) {
    json = run_command({flowsync_binary(), "inspect", "--json", "--port", port},
                       {}, std::chrono::seconds{30});
    doc.Parse(json.output.c_str());
    if (json.exit_code != 0 || doc.HasParseError() || !doc.IsObject()
        || doc["last"]["cycle"].GetUint64() == 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  INFO(json.output);
  REQUIRE(json.exit_code == 0);
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string{doc["network"].GetString()} == "emulator");
  CHECK_FALSE(doc["cycle_running"].GetBool());
  CHECK(doc["last"]["cycle"].GetUint64() == 1);
  CHECK(doc["last"]["complete"].GetBool());
  CHECK(doc["last"]["counters"]["total"].GetUint64() >= 3);
  REQUIRE(doc["next_cycle_in_s"].IsNumber());
  CHECK(doc["next_cycle_in_s"].GetDouble() > 500);
  REQUIRE(doc["workers"].Size() == 3);
  for (const auto& worker : doc["workers"].GetArray())
    CHECK(worker["up"].GetBool());
  const auto& limits = doc["rate_limits"];
  CHECK(limits["script"]["configured"].GetUint() == 5);
  CHECK(limits["transaction"]["configured"].GetUint() == 50);
  CHECK(limits["access"]["configured"].GetUint() == 100);
  // Every script of the cycle went through the limiter.
  CHECK(limits["script"]["granted"].GetUint64()
        >= doc["last"]["counters"]["scripts"].GetUint64());

  auto text = run_command({flowsync_binary(), "inspect", "--port", port}, {},
                          std::chrono::seconds{30});
  INFO(text.output);
  CHECK(text.exit_code == 0);
  CHECK(text.output.find("flowsync on emulator") != std::string::npos);
  CHECK(text.output.find("worker 2: up") != std::string::npos);
  CHECK(text.output.find("last cycle 1 completed") != std::string::npos);

  daemon.signal(SIGTERM);
  CHECK(daemon.wait(std::chrono::seconds{60}) == 0);

  auto gone = run_command({flowsync_binary(), "inspect", "--port", port}, {},
                          std::chrono::seconds{30});
  INFO(gone.output);
  CHECK(gone.exit_code == 1);
  CHECK(gone.output.find("no daemon's inspector answers on 127.0.0.1:" + port)
        != std::string::npos);
}

TEST_CASE("the sandbox tool shows a provisioned account as the demo prints "
          "it") {
  if (skip_without_sandbox())
    return;
  temp_folder tmp;
  auto config = write_daemon_config(tmp.path);
  auto users = create_users(1);
  auto run = sync_once(config);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  database db;
  auto wallet = wallet_of(db, users[0]);
  REQUIRE_FALSE(wallet.address.empty());

  auto tool = std::filesystem::path{flowsync_binary()}.parent_path()
              / "tools/flowsync-sandbox";
  auto shown =
    run_command({tool.string(), "account", "--access-url",
                 sandbox_var("FLOW_ACCESS_URL"), "--baitcoin-address",
                 sandbox_var("FLOWSYNC_BAITCOIN_ADDRESS"), wallet.address},
                {}, std::chrono::seconds{60});
  INFO(shown.output);
  REQUIRE(shown.exit_code == 0);
  rapidjson::Document doc;
  doc.Parse(shown.output.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string{doc["address"].GetString()} == wallet.address);
  CHECK(std::string{doc["keys"][0]["public_key"].GetString()}
        == wallet.public_key);
  const auto& state = doc["state"];
  CHECK(state["key_0_valid"].GetBool());
  CHECK(state["flow_receiver"].GetBool());
  CHECK(state["baitcoin"]["vault"].GetBool());
  CHECK(state["baitcoin"]["receiver"].GetBool());
  CHECK(state["baitcoin"]["balance_capability"].GetBool());
  CHECK(flow(state["flow_balance"].GetString()) >= flow("0.075"));
}
