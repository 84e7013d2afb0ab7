// The daemon under trouble, against the sandbox: Supabase answering badly,
// a missing ledger table, the emulator going away mid-cycle, SIGTERM with
// transactions in flight, hostile wallet rows and odd user records, and
// secrets that must never reach the output. Every check reads the chain and
// the database directly, not the daemon's own reports.
//
// Each daemon here talks to a Supabase stand-in of the test's own (same
// database, its own port): the faults injected into it reach no other
// daemon on the sandbox. Users are made through the sandbox's own.

#include "adapters/atomic_file.hpp"
#include "adapters/crypto.hpp"
#include "adapters/flow_cli_config.hpp"
#include "adapters/http.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/sandbox.hpp"

#include <algorithm>
#include <csignal>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

using namespace flowsync;
using namespace flowsync::testing;

namespace {

constexpr auto cycle_timeout = std::chrono::seconds{300};

/// The faults of the brief, every kind the stand-in knows.
constexpr const char* all_fault_kinds =
  R"(["429","500","503","slow","truncated","drop"])";

bool skip_without_sandbox() {
  if (sandbox_up())
    return false;
  if (sandbox_required())
    FAIL("the sandbox is not up and FLOWSYNC_REQUIRE_SANDBOX is set");
  MESSAGE("the sandbox is not up: skipped (run tools/sandbox up)");
  return true;
}

/// The daemon's environment for `config`, with `extra` on top.
std::map<std::string, std::string>
env_with(const std::filesystem::path& config,
         const std::map<std::string, std::string>& extra = {}) {
  auto env = daemon_env(config);
  for (const auto& [key, value] : extra)
    env[key] = value;
  return env;
}

process_result sync_once(const std::map<std::string, std::string>& env,
                         std::vector<std::string> options = {}) {
  std::vector<std::string> argv{flowsync_binary()};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.emplace_back("sync");
  argv.emplace_back("--once");
  return run_command(argv, env, cycle_timeout);
}

/// The figure before `label` in the last summary line, e.g. the 2 of
/// "2 transactions"; -1 when there is none.
long figure(const std::string& output, const std::string& label) {
  std::regex summary{"stats: cycle \\d+ (completed|was cut short) in .*"};
  std::string line;
  for (std::sregex_iterator i{output.begin(), output.end(), summary}, end;
       i != end; ++i)
    line = i->str();
  std::smatch match;
  if (!std::regex_search(line, match, std::regex{"(\\d+) " + label}))
    return -1;
  return std::stol(match[1]);
}

/// True when one line of `output` holds every one of `parts`.
bool has_line(const std::string& output,
              const std::vector<std::string>& parts) {
  std::istringstream in{output};
  std::string line;
  while (std::getline(in, line))
    if (std::all_of(parts.begin(), parts.end(), [&](const std::string& p) {
          return line.find(p) != std::string::npos;
        }))
      return true;
  return false;
}

std::string read_text(const std::filesystem::path& path) {
  auto text = read_file(path);
  return text ? *text : std::string{};
}

ufix64 flow(const char* text) {
  return *ufix64::parse(text);
}

/// Waits until `done` holds or `limit` passes; true when it held.
template <class Predicate>
bool wait_until(std::chrono::seconds limit, Predicate done,
                std::chrono::milliseconds step = std::chrono::seconds{1}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

/// Every wallet of `users` is in step, checked independently.
void check_all_correct(database& db, const std::vector<std::string>& users) {
  auto problems = wallet_problems(db, users);
  for (const auto& [id, why] : problems) {
    CAPTURE(id);
    FAIL_CHECK(why);
  }
  CHECK(problems.empty());
}

/// No user got a second account: of the accounts created on chain since
/// `from`, exactly one carries each user's key, and it is the one the row
/// names; the ledger records exactly one sealed creation per user.
void check_one_account_each(database& db, const std::vector<std::string>& users,
                            uint64_t from) {
  std::map<std::string, std::string> owner_of_key;
  for (const auto& id : users)
    owner_of_key[wallet_of(db, id).public_key] = id;
  std::map<std::string, std::vector<std::string>> accounts;
  for (const auto& account : accounts_created_between(from, latest_height()))
    if (auto owner = owner_of_key.find(account.public_key);
        owner != owner_of_key.end())
      accounts[owner->second].push_back(account.addr.hex());
  std::map<std::string, std::string> creations;
  for (const auto& row :
       db.query("select auth_id::text, count(*) from public.flowsync_ledger "
                "where kind = 'create_account' and status = 'sealed' and "
                "auth_id = any($1::uuid[]) group by 1",
                {uuid_array(users)}))
    creations[row[0]] = row[1];
  for (const auto& id : users) {
    CAPTURE(id);
    // Every ledger row of the user, to tell a missing row from a wrong one.
    std::string rows;
    for (const auto& row :
         db.query("select kind || ' ' || status || ' ' || tx_id || ' ' || "
                  "coalesce(address, '-') from public.flowsync_ledger "
                  "where auth_id = $1::uuid order by id",
                  {id}))
      rows += row[0] + "\n";
    CAPTURE(rows);
    REQUIRE(accounts[id].size() == 1);
    CHECK(accounts[id].front() == wallet_of(db, id).address);
    CHECK(creations[id] == "1");
  }
}

/// Ledger rows of these users whose transaction is not final.
long open_ledger_rows(database& db, const std::vector<std::string>& users) {
  return std::stol(db.value("select count(*) from public.flowsync_ledger "
                            "where status in ('signed', 'sent') and auth_id = "
                            "any($1::uuid[])",
                            {uuid_array(users)}));
}

long ledger_rows(database& db, const std::vector<std::string>& users) {
  return std::stol(db.value("select count(*) from public.flowsync_ledger "
                            "where auth_id = any($1::uuid[])",
                            {uuid_array(users)}));
}

/// The users the Flow CLI configuration in `dir` lists, each checked to
/// have a key file that holds the key of the row's public key.
std::set<std::string> listed_users(database& db,
                                   const std::filesystem::path& dir) {
  std::set<std::string> out;
  auto text = read_file(dir / "flow/flow-production.json");
  if (!text)
    return out;
  auto listed = parse_flow_cli_accounts(*text);
  REQUIRE(listed);
  for (const auto& account : *listed) {
    CAPTURE(account.name);
    auto file = read_file(dir / "flow" / account.key_location);
    REQUIRE(file);
    auto key = private_key::from_hex(secret{*file}, sig_algo::ecdsa_p256);
    REQUIRE(key);
    auto row = wallet_of(db, account.name);
    CHECK(key->public_key_hex() == row.public_key);
    CHECK(account.address == row.address);
    out.insert(account.name);
  }
  return out;
}

/// The number after `"key":` in a JSON text, or -1.
long json_number(const std::string& json, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(json, match, std::regex{"\"" + key + "\":\\s*(\\d+)"}))
    return -1;
  return std::stol(match[1]);
}

} // namespace

// -- Supabase faults ----------------------------------------------------------

TEST_CASE("with a fifth of the Supabase calls failing, new users still end "
          "with one correct account each and keep their keys") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  temp_folder tmp;
  // Slow answers take 2.5 s, past the daemon's 1 s timeout.
  auto config =
    write_daemon_config(tmp.path, {{"supabase.timeout_ms", "1000"},
                                   {"supabase.users_per_page", "25"},
                                   {"supabase.wallets_per_page", "50"}});
  auto env = env_with(config, {{"SUPABASE_URL", standin.url()}});
  auto users = create_users(30);
  auto from = latest_height();
  REQUIRE(standin.set_faults(std::string{R"({"rate":0.2,"kinds":)"}
                             + all_fault_kinds
                             + R"(,"slow_ms":2500,"seed":20})"));

  // The promise: every wallet ends correct, if need be after a second
  // cycle, since a cycle may end early when Supabase keeps failing.
  database db;
  std::map<std::string, std::set<std::string>> keys_seen;
  auto note_keys = [&] {
    for (const auto& id : users)
      if (auto w = wallet_of(db, id); !w.public_key.empty())
        keys_seen[id].insert(w.public_key);
  };
  process_result run;
  std::string printed;
  int cycles = 0;
  while (cycles < 2) {
    ++cycles;
    run = sync_once(env);
    printed += run.output;
    note_keys();
    if (run.exit_code == 0)
      break;
    MESSAGE("cycle " << cycles << " under faults ended with " << run.exit_code
                     << "; running another");
  }
  auto stats = standin.stats();
  standin.set_faults(R"({"rate":0})");
  INFO(printed);
  INFO("stand-in: " << stats);
  CHECK(json_number(stats, "faults_total") > 0);
  REQUIRE(run.exit_code == 0);

  check_all_correct(db, users);
  check_one_account_each(db, users, from);
  // No key was ever replaced: each row held one public key throughout.
  for (const auto& id : users) {
    CAPTURE(id);
    CHECK(keys_seen[id].size() == 1);
  }
  CHECK(open_ledger_rows(db, users) == 0);
  auto listed = listed_users(db, tmp.path);
  for (const auto& id : users)
    CHECK(listed.count(id) == 1);
}

TEST_CASE("a users page that fails is retried and never taken for the end "
          "of the list") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  temp_folder tmp;
  // Nine tries a page: nine faults in a row are rare enough never to cut
  // a cycle here (that case is the next test's).
  auto config = write_daemon_config(
    tmp.path, {{"supabase.timeout_ms", "1000"}, {"supabase.max_retries", "8"}});
  auto env = env_with(config, {{"SUPABASE_URL", standin.url()}});
  auto users = create_users(3);
  database db;
  auto users_before = std::stol(db.value("select count(*) from auth.users"));
  REQUIRE(standin.set_faults(std::string{R"({"rate":0.3,"kinds":)"}
                             + all_fault_kinds
                             + R"(,"paths":["/auth/v1/admin/users"],)"
                               R"("slow_ms":2000,"seed":35})"));

  auto run = sync_once(env);
  auto stats = standin.stats();
  standin.set_faults(R"({"rate":0})");
  auto users_after = std::stol(db.value("select count(*) from auth.users"));
  INFO(run.output);
  INFO("stand-in: " << stats);
  REQUIRE(json_number(stats, "faults_total") > 0);
  CHECK(run.output.find("supabase-fetcher retries users page")
        != std::string::npos);
  CHECK(run.exit_code == 0);

  // Every user of the project was read: a failed page cut nothing off.
  std::smatch match;
  REQUIRE(std::regex_search(run.output, match,
                            std::regex{"supervisor read (\\d+) users in"}));
  auto read = std::stol(match[1]) + figure(run.output, "bad user records");
  CHECK(read >= users_before);
  CHECK(read <= users_after);

  // The configuration, written from scratch, lists every served user, the
  // last pages' included.
  std::set<std::string> served;
  for (const auto& row :
       db.query("select w.auth_id::text from public.wallet w join auth.users "
                "u on u.id = w.auth_id where u.deleted_at is null and not "
                "coalesce(u.is_anonymous, false) and w.flow_address ~ "
                "'^[0-9a-f]{16}$'"))
    served.insert(row[0]);
  auto listed = listed_users(db, tmp.path);
  std::vector<std::string> missing;
  std::set_difference(served.begin(), served.end(), listed.begin(),
                      listed.end(), std::back_inserter(missing));
  CHECK_MESSAGE(missing.empty(), missing.size() << " served users unlisted");
  check_all_correct(db, users);
}

TEST_CASE("a cycle that cannot read the users says so and changes nothing") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  temp_folder tmp;
  auto config = write_daemon_config(tmp.path, {{"supabase.max_retries", "3"}});
  auto env = env_with(config, {{"SUPABASE_URL", standin.url()}});

  // A first, healthy cycle writes the configuration the faulty one must
  // leave alone.
  auto setup = sync_once(env);
  INFO(setup.output);
  REQUIRE(setup.exit_code == 0);
  auto config_path = tmp.path / "flow/flow-production.json";
  auto config_before = read_text(config_path);
  auto written_before = std::filesystem::last_write_time(config_path);
  REQUIRE_FALSE(config_before.empty());

  auto users = create_users(3);
  database db;
  REQUIRE(standin.set_faults(
    R"({"rate":1,"kinds":["429","500","503","drop"],"paths":["/auth/"]})"));
  auto run = sync_once(env);
  standin.set_faults(R"({"rate":0})");
  INFO(run.output);

  CHECK(run.exit_code == 1);
  CHECK(
    has_line(run.output, {"could not read users page 1", "changes nothing"}));
  CHECK(figure(run.output, "transactions") == 0);
  CHECK(ledger_rows(db, users) == 0);
  for (const auto& id : users) {
    CAPTURE(id);
    auto w = wallet_of(db, id);
    CHECK(w.address.empty());
    CHECK(w.public_key.empty());
    CHECK(w.sealed_key.empty());
  }
  CHECK(read_text(config_path) == config_before);
  CHECK(std::filesystem::last_write_time(config_path) == written_before);
}

// -- start-up -----------------------------------------------------------------

namespace {

/// Hides the ledger table under another name and brings it back however
/// the test ends; also undoes what an earlier, killed run left.
class hidden_ledger {
 public:
  explicit hidden_ledger(database& db) : db_(db) {
    restore();
    db_.query("set lock_timeout = '5s'");
    db_.query("alter table public.flowsync_ledger rename to "
              + std::string{hidden_name});
  }

  ~hidden_ledger() { restore(); }

  hidden_ledger(const hidden_ledger&) = delete;
  hidden_ledger& operator=(const hidden_ledger&) = delete;

  void restore() {
    if (db_.value("select to_regclass('public." + std::string{hidden_name}
                  + "') is not null")
        == "t")
      db_.query("alter table public." + std::string{hidden_name}
                + " rename to flowsync_ledger");
  }

 private:
  static constexpr const char* hidden_name = "flowsync_ledger_hidden_by_test";
  database& db_;
};

} // namespace

TEST_CASE("the daemon refuses to start without the ledger table, says how to "
          "add it and exits 3") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  temp_folder tmp;
  auto config = write_daemon_config(tmp.path);
  auto env = env_with(config, {{"SUPABASE_URL", standin.url()}});
  database db;
  process_result once;
  process_result daemon;
  {
    // Other daemons on the sandbox cannot write the ledger meanwhile: keep
    // the window short.
    hidden_ledger hidden{db};
    once = run_command({flowsync_binary(), "sync", "--once"}, env,
                       std::chrono::seconds{60});
    daemon =
      run_command({flowsync_binary(), "run"}, env, std::chrono::seconds{60});
  }
  CHECK(db.value("select to_regclass('public.flowsync_ledger') is not null")
        == "t");
  for (const auto& res : {once, daemon}) {
    INFO(res.output);
    CHECK(res.exit_code == 3);
    CHECK(has_line(res.output, {"flowsync_ledger table is missing",
                                "flowsync migrate --print | psql"}));
  }
  CHECK_FALSE(std::filesystem::exists(tmp.path / "flow/flow-production.json"));
}

// -- an emulator outage -------------------------------------------------------

TEST_CASE("an emulator outage mid-cycle is reported, the daemon keeps "
          "running and the next cycle completes") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  emulator_guard guard;
  temp_folder tmp;
  auto config =
    write_daemon_config(tmp.path, {{"flow.request_timeout_ms", "3000"},
                                   {"cycle.signup_poll_s", "1"}});
  auto env =
    env_with(config, {{"SUPABASE_URL", standin.url()}, {"SYNC_INTERVAL", "4"}});
  auto users = create_users(40);
  auto from = latest_height();
  database db;
  auto log = tmp.path / "daemon.log";
  background_process daemon{{flowsync_binary(), "run"}, env, log};

  // Pull the plug once the daemon is sending for these users.
  REQUIRE(wait_until(
    std::chrono::seconds{120}, [&] { return ledger_rows(db, users) > 0; },
    std::chrono::milliseconds{50}));
  REQUIRE(stop_emulator());
  std::this_thread::sleep_for(std::chrono::seconds{6});
  CHECK(daemon.running());
  REQUIRE(start_emulator());
  auto restarted_at = read_text(log).size();

  // A cycle that starts after the outage completes with every wallet right.
  auto completed_after = [&] {
    auto text = read_text(log);
    return std::regex_search(text.substr(std::min(restarted_at, text.size())),
                             std::regex{"stats: cycle \\d+ completed"});
  };
  auto settled = wait_until(std::chrono::seconds{240}, [&] {
    return completed_after() && wallet_problems(db, users).empty()
           && open_ledger_rows(db, users) == 0;
  });
  CHECK(daemon.running());
  daemon.signal(SIGTERM);
  auto rc = daemon.wait(std::chrono::seconds{90});
  auto text = read_text(log);
  INFO(text);
  CHECK(settled);
  CHECK(rc == 0);

  // The outage shows in the log as failed access-node calls.
  CHECK(has_line(text, {"Couldn't connect to server"}));
  check_all_correct(db, users);
  check_one_account_each(db, users, from);
  CHECK(open_ledger_rows(db, users) == 0);
}

// -- stopping -----------------------------------------------------------------

TEST_CASE("SIGTERM with transactions in flight drains them to a final state, "
          "flushes the configuration and exits 0") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  temp_folder tmp;
  constexpr int drain_seconds = 20;
  // A slow look at each transaction keeps it in flight for over a second.
  auto config = write_daemon_config(
    tmp.path, {{"flow.poll_interval_ms", "1500"},
               {"cycle.drain_timeout_s", std::to_string(drain_seconds)}});
  auto env = env_with(config, {{"SUPABASE_URL", standin.url()}});
  auto users = create_users(30);
  auto from = latest_height();
  database db;
  auto log = tmp.path / "daemon.log";
  background_process daemon{
    {flowsync_binary(), "--log-level", "debug", "run"}, env, log};

  long in_flight = 0;
  REQUIRE(wait_until(
    std::chrono::seconds{120},
    [&] {
      in_flight = open_ledger_rows(db, users);
      return in_flight > 0;
    },
    std::chrono::milliseconds{20}));
  daemon.signal(SIGTERM);
  auto signalled = std::chrono::steady_clock::now();
  auto rc = daemon.wait(std::chrono::seconds{drain_seconds + 25});
  auto took = std::chrono::steady_clock::now() - signalled;
  auto text = read_text(log);
  INFO(text);
  REQUIRE(rc == 0);
  CHECK(took < std::chrono::seconds{drain_seconds + 10});
  CHECK(has_line(text, {"supervisor drains"}));

  // What was in flight ended: sealed, failed or expired, never open.
  CHECK(open_ledger_rows(db, users) == 0);
  CHECK(ledger_rows(db, users) > 0);

  // The configuration lists every account whose address was stored.
  auto listed = listed_users(db, tmp.path);
  long stored = 0;
  for (const auto& id : users) {
    CAPTURE(id);
    if (wallet_of(db, id).address.empty())
      continue;
    ++stored;
    CHECK(listed.count(id) == 1);
  }
  CHECK(stored > 0);

  // A later cycle finishes the rest, with no second account for anyone.
  auto rest = sync_once(env);
  INFO(rest.output);
  CHECK(rest.exit_code == 0);
  check_all_correct(db, users);
  check_one_account_each(db, users, from);
}

// -- hostile rows -------------------------------------------------------------

namespace {

/// Users a test made that must not outlive it: their wallet rows and Auth
/// records are deleted however the test ends, so that no hostile row is
/// left for other daemons on the sandbox. Ledger rows stay, as history.
class doomed_users {
 public:
  explicit doomed_users(database& db) : db_(db) {}

  ~doomed_users() {
    try {
      db_.query("delete from public.wallet where auth_id = any($1::uuid[])",
                {uuid_array(ids_)});
      db_.query("delete from auth.users where id = any($1::uuid[])",
                {uuid_array(ids_)});
    } catch (const std::exception& e) {
      std::fprintf(stderr, "could not delete test users: %s\n", e.what());
    }
  }

  doomed_users(const doomed_users&) = delete;
  doomed_users& operator=(const doomed_users&) = delete;

  const std::string& add(const std::string& id) {
    ids_.push_back(id);
    return ids_.back();
  }

  std::vector<std::string> add(const std::vector<std::string>& ids) {
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    return ids;
  }

 private:
  database& db_;
  std::vector<std::string> ids_;
};

/// Inserts a user straight into auth.users, as the Auth service or an
/// operator could have; `columns` and `values` add to id and created_at.
/// The sign-up trigger gives it an empty wallet row.
std::string insert_user(database& db, const std::string& columns,
                        const std::string& values) {
  return db.value("insert into auth.users (id, instance_id, aud, role, "
                  "created_at, updated_at"
                  + columns
                  + ") values (gen_random_uuid(), "
                    "'00000000-0000-0000-0000-000000000000', "
                    "'authenticated', 'authenticated', now(), now()"
                  + values + ") returning id::text");
}

/// Inserts `count` users straight into auth.users in one statement (the
/// trigger gives each an empty wallet row); returns their ids.
std::vector<std::string> insert_users(database& db, int count) {
  std::vector<std::string> ids;
  for (const auto& row :
       db.query("insert into auth.users (id, instance_id, aud, role, email, "
                "created_at, updated_at) select gen_random_uuid(), "
                "'00000000-0000-0000-0000-000000000000', 'authenticated', "
                "'authenticated', 'claimer-' || gen_random_uuid() || "
                "'@example.com', now(), now() from generate_series(1, $1::int) "
                "returning id::text",
                {std::to_string(count)}))
    ids.push_back(row[0]);
  return ids;
}

/// Drains a user's account below the top-up threshold: it keeps 0.01.
void drain(const stored_wallet& wallet) {
  auto service = *address::parse(sandbox_var("FLOWSYNC_SERVICE_ADDRESS"));
  auto res = run_as_user(
    wallet, "transactions/testing/drain_flow.cdc",
    {cvalue::make_ufix64(flow("0.01")), cvalue::make_address(service)});
  REQUIRE_MESSAGE(res, (res ? "" : res.error().message));
  REQUIRE_FALSE(res->failed());
}

ufix64 balance_of(const std::string& addr) {
  auto account = sandbox_chain().access().get_account(*address::parse(addr));
  REQUIRE(account);
  return account->balance;
}

/// A fresh account whose key no wallet row holds, with almost no FLOW,
/// made by a bulk creation the test signs itself (`proposer` proposes, the
/// service account pays).
address foreign_account(const stored_wallet& proposer) {
  auto key = private_key::generate(sig_algo::ecdsa_p256);
  REQUIRE(key);
  auto opened = private_key::from_hex(secret{private_key_hex(proposer)},
                                      sig_algo::ecdsa_p256);
  REQUIRE(opened);
  auto service_key =
    sandbox::read_key_file(sandbox_var("FLOWSYNC_SERVICE_KEY_FILE"));
  REQUIRE(service_key);
  auto service = *address::parse(sandbox_var("FLOWSYNC_SERVICE_ADDRESS"));
  sandbox::tx_spec spec;
  spec.cadence_path = "transactions/create_accounts.cdc";
  spec.arguments = {sandbox::string_array({key->public_key_hex()}),
                    cvalue::make_ufix64(flow("0.0")),
                    sandbox::address_array({*address::parse(
                      sandbox_var("FLOWSYNC_BAITCOIN_ADDRESS"))}),
                    sandbox::string_array({"BaitCoin"})};
  spec.proposer = {*address::parse(proposer.address), 0, *opened,
                   hash_algo::sha3_256};
  spec.payer = {service, 0, *service_key, hash_algo::sha3_256};
  spec.authorizers.push_back(spec.payer);
  auto res = sandbox_chain().execute(spec);
  REQUIRE_MESSAGE(res, (res ? "" : res.error().message));
  REQUIRE_FALSE(res->failed());
  auto created = sandbox::created_accounts(*res);
  REQUIRE(created.size() == 1);
  return created.front();
}

/// The user ids the output reports as refused, by the worker or the stats.
std::set<std::string> refused_in(const std::string& output) {
  std::set<std::string> out;
  std::regex pattern{"refuse[sd]? (?:the )?wallet of user "
                     "([0-9a-f-]{36})"};
  for (std::sregex_iterator i{output.begin(), output.end(), pattern}, end;
       i != end; ++i)
    out.insert((*i)[1]);
  return out;
}

} // namespace

TEST_CASE("hostile wallet rows are refused, counted and reported by user, "
          "nothing is sent for them, and the other wallets go on") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  temp_folder tmp;
  auto config = write_daemon_config(tmp.path);
  auto env = env_with(config, {{"SUPABASE_URL", standin.url()}});
  database db;
  doomed_users doomed{db};

  // Ten users with accounts, made the ordinary way.
  auto made = doomed.add(create_users(10));
  auto setup = sync_once(env);
  INFO(setup.output);
  REQUIRE(setup.exit_code == 0);
  const auto& rewritten = made[0];
  const auto& owner = made[1];
  const auto& sharer = made[2];
  const auto& bad_address = made[3];
  const auto& bad_key = made[4];
  const auto& low = made[5];
  const auto& key_source = made[6];
  auto fresh = doomed.add(create_users(3));
  const auto& copied_key = fresh[0];

  // A row pointing at an account whose key it does not hold, one that a
  // naive daemon would top up.
  auto foreign = foreign_account(wallet_of(db, made[9]));
  REQUIRE(balance_of(foreign.hex()) < flow("0.075"));
  db.query("update public.wallet set flow_address = $2 where auth_id = $1",
           {rewritten, foreign.hex()});

  // Rows claiming one account, which is low on FLOW: another user's row,
  // and more rows than the cycle summary lists refusals, as when many
  // users rewrite their address to one victim's.
  auto owned = wallet_of(db, owner);
  drain(owned);
  db.query("update public.wallet set flow_address = $2 where auth_id = $1",
           {sharer, owned.address});
  auto claimers = doomed.add(insert_users(db, 50));
  db.query("update public.wallet set flow_address = $2 where auth_id = "
           "any($1::uuid[])",
           {uuid_array(claimers), owned.address});

  // A malformed address (a 0x prefix the daemon never writes) and a public
  // key that is no point of P-256.
  db.query("update public.wallet set flow_address = '0x' || flow_address "
           "where auth_id = $1",
           {bad_address});
  db.query("update public.wallet set flow_public_key = repeat('ff', 64) "
           "where auth_id = $1",
           {bad_key});

  // A new user whose row holds another user's key pair: the sealed key
  // does not open for it, so no account may be made with that key.
  auto source = wallet_of(db, key_source);
  db.query("update public.wallet set flow_public_key = $2, flow_private_key "
           "= $3 where auth_id = $1",
           {copied_key, source.public_key, source.sealed_key});

  // An ordinary wallet that needs a top-up, beside the hostile ones.
  auto low_wallet = wallet_of(db, low);
  drain(low_wallet);

  std::vector<std::string> hostile{rewritten,   owner,   sharer,
                                   bad_address, bad_key, copied_key};
  hostile.insert(hostile.end(), claimers.begin(), claimers.end());
  std::vector<std::string> healthy{low,     key_source, made[7], made[8],
                                   made[9], fresh[1],   fresh[2]};
  auto started = db.value("select now()::text");
  auto owned_balance = balance_of(owned.address);
  auto foreign_balance = balance_of(foreign.hex());

  auto run = sync_once(env);
  INFO(run.output);
  CHECK(run.exit_code == 1);

  // Each is reported by user id and counted as corrupted.
  auto refused = refused_in(run.output);
  for (const auto& id : hostile) {
    CAPTURE(id);
    CHECK(refused.count(id) == 1);
  }
  CHECK(figure(run.output, "corrupted") == static_cast<long>(refused.size()));
  CHECK(figure(run.output, "corrupted") >= static_cast<long>(hostile.size()));

  // Nothing was sent for them: no ledger row, no FLOW moved, no account
  // made with the copied key, and the rows are as the test left them.
  CHECK(std::stol(db.value(
          "select count(*) from public.flowsync_ledger "
          "where created_at >= $2::timestamptz and "
          "(auth_id = any($1::uuid[]) or address in ($3, "
          "$4))",
          {uuid_array(hostile), started, owned.address, foreign.hex()}))
        == 0);
  CHECK(balance_of(owned.address) == owned_balance);
  CHECK(balance_of(foreign.hex()) == foreign_balance);
  auto copied = wallet_of(db, copied_key);
  CHECK(copied.address.empty());
  CHECK(copied.public_key == source.public_key);
  CHECK(wallet_of(db, rewritten).address == foreign.hex());

  // The other wallets went on: the new ones were made, the low one got
  // exactly one top-up, and none of the refused is listed for the CLI.
  check_all_correct(db, healthy);
  CHECK(db.value("select count(*) from public.flowsync_ledger where kind = "
                 "'top_up' and status = 'sealed' and auth_id = $1 and "
                 "created_at >= $2::timestamptz",
                 {low, started})
        == "1");
  auto listed = listed_users(db, tmp.path);
  for (const auto& id : hostile) {
    CAPTURE(id);
    CHECK(listed.count(id) == 0);
  }
  for (const auto& id : healthy) {
    CAPTURE(id);
    CHECK(listed.count(id) == 1);
  }
}

TEST_CASE("anonymous, banned, soft-deleted and odd user records get what "
          "they are due and no more") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  temp_folder tmp;
  auto config = write_daemon_config(tmp.path);
  auto env = env_with(config, {{"SUPABASE_URL", standin.url()}});
  database db;
  doomed_users doomed{db};

  auto made = doomed.add(create_users(2));
  auto setup = sync_once(env);
  INFO(setup.output);
  REQUIRE(setup.exit_code == 0);
  const auto& banned = made[0];
  const auto& deleted = made[1];
  auto banned_wallet = wallet_of(db, banned);
  auto deleted_wallet = wallet_of(db, deleted);
  drain(banned_wallet);
  drain(deleted_wallet);
  db.query("update auth.users set banned_until = now() + interval '1 day' "
           "where id = $1",
           {banned});

  // Soft deletion through the Auth admin API, as Supabase does it.
  {
    http_client http;
    http_request req;
    auto key = sandbox_var("SUPABASE_SERVICE_ROLE_KEY");
    req.method = "DELETE";
    req.url = sandbox_var("SUPABASE_URL") + "/auth/v1/admin/users/" + deleted;
    req.headers = {{"apikey", key},
                   {"Authorization", "Bearer " + key},
                   {"Content-Type", "application/json"}};
    req.body = R"({"should_soft_delete":true})";
    auto resp = http.perform(req);
    REQUIRE(resp);
    REQUIRE(resp->status == 200);
  }

  // Records made straight in the database: an anonymous user; a user with
  // no email and an identity whose id is a provider's number, which is
  // odd but legitimate (OAuth), so it is served; and one banned until the
  // year 10000, which the API can only answer with a five-digit year that
  // is no RFC 3339 timestamp, so the record cannot be read.
  auto anonymous = doomed.add(insert_user(db, ", is_anonymous", ", true"));
  auto no_email = doomed.add(insert_user(
    db, ", email, phone, raw_app_meta_data",
    R"(, null, null, '{"provider":"google","providers":["google"]}')"));
  db.query("insert into auth.identities (provider_id, user_id, "
           "identity_data, provider, created_at, updated_at) values "
           "('104918273645500918273', $1, "
           "'{\"sub\":\"104918273645500918273\"}', 'google', now(), now())",
           {no_email});
  auto unreadable = doomed.add(
    insert_user(db, ", email, banned_until",
                ", 'banned-" + no_email + "@example.com', '10000-01-01Z'"));

  auto started = db.value("select now()::text");
  auto banned_balance = balance_of(banned_wallet.address);
  auto deleted_balance = balance_of(deleted_wallet.address);
  auto run = sync_once(env);
  INFO(run.output);
  CHECK(run.exit_code == 0);

  // The user that cannot be read is skipped, counted and named.
  CHECK(figure(run.output, "bad user records") >= 1);
  CHECK(has_line(run.output, {"skips user record", unreadable}));

  // Nothing is sent for the anonymous, the banned, the deleted and the
  // unreadable: no ledger row, no key made, no FLOW moved.
  std::vector<std::string> unserved{anonymous, banned, deleted, unreadable};
  CHECK(std::stol(db.value("select count(*) from public.flowsync_ledger "
                           "where created_at >= $2::timestamptz and "
                           "auth_id = any($1::uuid[])",
                           {uuid_array(unserved), started}))
        == 0);
  for (const auto& id : {anonymous, unreadable}) {
    CAPTURE(id);
    auto w = wallet_of(db, id);
    CHECK(w.address.empty());
    CHECK(w.public_key.empty());
  }
  CHECK(balance_of(banned_wallet.address) == banned_balance);
  CHECK(balance_of(deleted_wallet.address) == deleted_balance);
  CHECK(figure(run.output, "skipped") >= 2);

  // The odd but legitimate record gets its wallet; the banned keeps its
  // account listed; the deleted, anonymous and unreadable are not listed.
  check_all_correct(db, {no_email});
  auto listed = listed_users(db, tmp.path);
  CHECK(listed.count(no_email) == 1);
  CHECK(listed.count(banned) == 1);
  for (const auto& id : {deleted, anonymous, unreadable}) {
    CAPTURE(id);
    CHECK(listed.count(id) == 0);
  }
}

// -- secrets ------------------------------------------------------------------

TEST_CASE("no private key, master key, service key, JWT or raw response body "
          "ever appears in the output, at trace level and with faults on") {
  if (skip_without_sandbox())
    return;
  private_standin standin;
  REQUIRE_MESSAGE(!standin.url().empty(), "the private stand-in did not start");
  temp_folder tmp;
  auto config = write_daemon_config(
    tmp.path, {{"supabase.timeout_ms", "1000"}, {"log_level", "\"trace\""}});
  auto env = env_with(config, {{"SUPABASE_URL", standin.url()}});
  database db;
  std::string printed;
  auto keep = [&](const process_result& res) {
    printed += res.output;
    return res;
  };

  // Creations under faults.
  auto users = create_users(6);
  REQUIRE(standin.set_faults(std::string{R"({"rate":0.15,"kinds":)"}
                             + all_fault_kinds
                             + R"(,"slow_ms":2000,"seed":7})"));
  auto created = keep(sync_once(env, {"--log-level", "trace"}));
  if (created.exit_code != 0)
    created = keep(sync_once(env, {"--log-level", "trace"}));
  REQUIRE(created.exit_code == 0);

  // A top-up and a vault repair, still under faults.
  auto drained = wallet_of(db, users[0]);
  drain(drained);
  auto unpublished = wallet_of(db, users[1]);
  auto unpublish =
    run_as_user(unpublished, "transactions/testing/unpublish_capability.cdc",
                {cvalue::make_string("baitCoinVault")});
  REQUIRE_MESSAGE(unpublish, (unpublish ? "" : unpublish.error().message));
  REQUIRE_FALSE(unpublish->failed());
  auto repaired = keep(sync_once(env, {"--log-level", "trace"}));
  if (repaired.exit_code != 0)
    repaired = keep(sync_once(env, {"--log-level", "trace"}));
  auto stats = standin.stats();
  standin.set_faults(R"({"rate":0})");
  CHECK(repaired.exit_code == 0);
  CHECK(json_number(stats, "faults_total") > 0);
  CHECK(db.value("select count(*) from public.flowsync_ledger where kind = "
                 "'top_up' and status = 'sealed' and auth_id = $1",
                 {users[0]})
        == "1");
  CHECK(db.value("select count(*) from public.flowsync_ledger where kind = "
                 "'setup_vault' and status = 'sealed' and auth_id = $1",
                 {users[1]})
        == "1");

  // The settings as printed, and start-ups refused for a wrong key.
  keep(run_command({flowsync_binary(), "check-config"}, env,
                   std::chrono::seconds{30}));
  auto anon = sandbox_var("SUPABASE_ANON_KEY");
  keep(
    run_command({flowsync_binary(), "--log-level", "trace", "sync", "--once"},
                env_with(config, {{"SUPABASE_SERVICE_ROLE_KEY", anon}}),
                std::chrono::seconds{120}));

  // What must never show, in any case.
  std::vector<std::pair<std::string, std::string>> secrets = {
    {"the master key", sandbox_var("FLOWSYNC_MASTER_KEY")},
    {"the service role JWT", sandbox_var("SUPABASE_SERVICE_ROLE_KEY")},
    {"the anon JWT", anon},
  };
  auto service_key =
    sandbox::read_small_file(sandbox_var("FLOWSYNC_SERVICE_KEY_FILE"));
  REQUIRE(service_key);
  secrets.emplace_back("the service key", *service_key);
  for (const auto& jwt : {sandbox_var("SUPABASE_SERVICE_ROLE_KEY"), anon})
    secrets.emplace_back("a JWT signature", jwt.substr(jwt.rfind('.') + 1));
  for (const auto& id : users) {
    auto w = wallet_of(db, id);
    auto key = private_key_hex(w);
    REQUIRE(key.size() == 64);
    secrets.emplace_back("the private key of " + id, key);
    secrets.emplace_back("the sealed key of " + id, w.sealed_key);
  }
  for (const auto& fragment :
       {R"("users":[)", R"("users": [)", R"("flow_private_key")",
        R"("flow_public_key")", R"("identities")", R"("app_metadata")",
        R"("encrypted_password")", R"("tx_id":)", "@example.com"})
    secrets.emplace_back("a raw body", fragment);

  auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return text;
  };
  // The output scanned went through the paths where a secret or a body
  // could slip out: retried faults, refused keys, failed start-ups.
  CHECK(has_line(printed, {"supabase-fetcher retries"}));
  CHECK(has_line(printed, {"malformed JSON"}));
  CHECK(has_line(printed, {"the key was refused"}));
  CHECK(has_line(printed, {"# service role key: set"}));

  auto haystack = lower(printed);
  for (const auto& [what, text] : secrets) {
    CAPTURE(what);
    REQUIRE(text.size() >= 8);
    auto at = haystack.find(lower(text));
    // Where it shows, with the secret itself masked.
    CHECK_MESSAGE(
      at == std::string::npos,
      "found after: " << (at == std::string::npos
                            ? std::string{}
                            : haystack.substr(at < 120 ? 0 : at - 120,
                                              std::min<size_t>(at, 120))));
  }
}
