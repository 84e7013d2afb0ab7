#include "actors/inspector.hpp"
#include "actors/supervisor.hpp"
#include "adapters/atomic_file.hpp"
#include "adapters/flow_cli_config.hpp"
#include "messages/error.hpp"
#include "tests/actors/fakes.hpp"
#include "tests/actors/fixture.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace flowsync;
using namespace flowsync::testing;

namespace {

std::string user(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "5a3f9c7e-0b1d-4e2f-8c6a-%012d", n);
  return buf;
}

std::string addr(int n) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016x", 0xa11ce000 + n);
  return buf;
}

/// A page of Auth users with the given users, total and next page.
user_page page_of(std::vector<int> ns, int64_t total, int next) {
  user_page page;
  for (auto n : ns) {
    auth_user u;
    u.id = user(n);
    u.created_at = "2025-01-01T00:00:00Z";
    page.users.push_back(u);
  }
  page.total = total;
  page.next_page = next;
  return page;
}

/// Today, as the ledger stamps its rows.
std::string this_morning() {
  auto now = std::time(nullptr);
  std::tm day{};
  gmtime_r(&now, &day);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT00:00:01Z", &day);
  return buf;
}

struct supervisor_fixture : actor_fixture {
  std::shared_ptr<journal> log = std::make_shared<journal>();
  std::shared_ptr<fake_flow> flow = std::make_shared<fake_flow>(log);
  std::shared_ptr<fake_supabase> db = std::make_shared<fake_supabase>(log);
  sealer keys = test_sealer();
  private_key service_key = *private_key::generate(sig_algo::ecdsa_p256);
  temp_dir dir;
  settings cfg;
  log_capture logs;
  /// The addresses of every state script call, in order.
  std::vector<std::string> checked;

  supervisor_fixture() {
    REQUIRE(!dir.path().empty());
    cfg.supabase.url = "http://127.0.0.1:1";
    cfg.supabase.users_per_page = 2;
    cfg.supabase.wallets_per_page = 100;
    cfg.supabase.max_retries = 0;
    cfg.flow = test_flow_settings(service_key);
    cfg.batching.workers = 1;
    cfg.output.flow_config = dir.path() / "flow-production.json";
    cfg.output.key_dir = dir.path() / "pkeys";
    cfg.master_key = secret{test_master_key};
    flow->on_script = [this](const std::vector<cvalue>& args) {
      for (const auto& a : script_addresses(args))
        checked.push_back(a.hex());
      return flow->healthy_states(args);
    };
  }

  /// A wallet row with a key and an account at `address`.
  wallet_row& account_row(int n, std::string address) {
    auto key = *private_key::generate(sig_algo::ecdsa_p256);
    wallet_row row;
    row.id = "row-" + std::to_string(n);
    row.auth_id = user(n);
    row.flow_address = std::move(address);
    row.flow_public_key = key.public_key_hex();
    row.flow_private_key = *keys.seal(key.to_hex(), row.auth_id);
    db->wallets.push_back(row);
    return db->wallets.back();
  }

  supervisor_actor spawn() {
    supervisor_config sc;
    sc.cfg = cfg;
    sc.make_flow = [f = flow] { return std::shared_ptr<flow_access>{f}; };
    sc.make_supabase = [d = db] { return std::shared_ptr<supabase_api>{d}; };
    sc.detached = false;
    sc.timer = false;
    auto sup = track(spawn_supervisor(sys, std::move(sc)));
    run();
    return sup;
  }

  /// Runs one cycle with `once` and returns its summary.
  cycle_summary once() {
    auto sup = spawn();
    auto summary = ask<cycle_summary>(sup, atom::once::value);
    REQUIRE_MESSAGE(summary, "the cycle did not end: "
                               << (summary ? "" : to_string(summary.error())));
    return *summary;
  }

  /// The account names the Flow CLI configuration lists.
  std::set<std::string> listed() const {
    auto text = read_file(cfg.output.flow_config);
    REQUIRE(text);
    auto accounts = parse_flow_cli_accounts(*text);
    REQUIRE(accounts);
    std::set<std::string> out;
    for (const auto& account : *accounts)
      out.insert(account.name);
    return out;
  }
};

} // namespace

TEST_SUITE_BEGIN("supervisor");

TEST_CASE_FIXTURE(supervisor_fixture,
                  "users are deduplicated across pages and a re-sweep happens "
                  "when the total moved") {
  for (int n = 1; n <= 5; ++n)
    account_row(n, addr(n));
  // Newest first. User 5 signs up while page 2 is read: user 3 shifts onto
  // page 2 as well, and the count grows to five.
  db->user_pages = {
    page_of({4, 3}, 4, 2), page_of({3, 2}, 5, 3), page_of({1}, 5, 0),
    page_of({5, 4}, 5, 2), page_of({3, 2}, 5, 3), page_of({1}, 5, 0),
  };

  auto summary = once();

  CHECK(log->count("supabase users") == 6);
  CHECK(summary.complete);
  CHECK(summary.counters.total == 5);
  CHECK(summary.counters.synced == 5);
  std::multiset<std::string> seen(checked.begin(), checked.end());
  for (int n = 1; n <= 5; ++n)
    CHECK_MESSAGE(seen.count(addr(n)) == 1, "user " << n);
  CHECK(checked.size() == 5);
  CHECK(listed().size() == 5);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "users the sweeps keep missing are looked up by id before "
                  "their rows are served") {
  for (int n = 1; n <= 4; ++n)
    account_row(n, addr(n));
  account_row(9, addr(9));
  // Users created at the same instant have no stable order: user 1 falls
  // between pages in every sweep although the server counts it.
  db->user_pages = {page_of({4, 3}, 4, 2), page_of({2}, 4, 0)};
  auth_user missed;
  missed.id = user(1);
  missed.banned = true;
  db->users_by_id = {missed};

  auto summary = once();

  CHECK(log->count("supabase users 1 ") == 3);
  // User 9 has a row but no Auth user: looked up, not found, not served.
  CHECK(log->count("supabase users by id " + user(1) + " " + user(9)) == 1);
  CHECK(summary.complete);
  CHECK(summary.counters.total == 4);
  CHECK(summary.counters.synced == 4);
  CHECK(std::count(checked.begin(), checked.end(), addr(1)) == 1);
  CHECK(std::count(checked.begin(), checked.end(), addr(9)) == 0);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "a failed look-up of missed users serves the others and "
                  "leaves the cycle incomplete") {
  for (int n = 1; n <= 3; ++n)
    account_row(n, addr(n));
  db->user_pages = {page_of({3, 2}, 3, 0)};
  db->failing["users by id"] =
    failure{ec::request_rejected, "the Auth API refused"};

  auto summary = once();

  CHECK(log->count("supabase users by id") == 1);
  CHECK_FALSE(summary.complete);
  CHECK(summary.counters.synced == 2);
  CHECK(std::count(checked.begin(), checked.end(), addr(1)) == 0);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "a sweep that sees every user counted is not repeated") {
  for (int n = 1; n <= 3; ++n)
    account_row(n, addr(n));
  db->user_pages = {page_of({3, 2}, 3, 2), page_of({1}, 3, 0)};

  auto summary = once();

  CHECK(log->count("supabase users") == 2);
  CHECK(summary.counters.total == 3);
  CHECK(summary.all_synced());
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "a failed users page ends the cycle without changing "
                  "anything") {
  // An earlier run listed user 9, who is not on the first page.
  auto key = *private_key::generate(sig_algo::ecdsa_p256);
  REQUIRE(ensure_private_dir(cfg.output.key_dir));
  auto key_path = cfg.output.key_dir / (user(9) + ".pkey");
  REQUIRE(write_file_atomically(key_path, key.to_hex().reveal(),
                                std::filesystem::perms::owner_read
                                  | std::filesystem::perms::owner_write,
                                false));
  cli_account listed_before;
  listed_before.name = user(9);
  listed_before.address = addr(9);
  listed_before.key_location = "pkeys/" + user(9) + ".pkey";
  auto before = render_flow_cli_config(cfg.flow.network, cfg.flow.grpc_host,
                                       {listed_before});
  REQUIRE(write_file_atomically(cfg.output.flow_config, before,
                                std::filesystem::perms::owner_read
                                  | std::filesystem::perms::owner_write,
                                false));
  for (int n = 1; n <= 3; ++n)
    account_row(n, addr(n));
  db->user_pages = {page_of({3, 2}, 3, 2),
                    make_failure(ec::server_error, "HTTP 503")};

  auto summary = once();

  CHECK_FALSE(summary.complete);
  CHECK_FALSE(summary.all_synced());
  CHECK(summary.counters.total == 0);
  CHECK(log->count("supabase wallets") == 0);
  CHECK(log->count("supabase insert") == 0);
  CHECK(log->count("supabase keys") == 0);
  CHECK(log->count("supabase address") == 0);
  CHECK(log->count("supabase ledger insert") == 0);
  CHECK(log->count("supabase ledger update") == 0);
  CHECK(log->count("flow script") == 0);
  CHECK(log->count("flow send") == 0);
  auto after = read_file(cfg.output.flow_config);
  REQUIRE(after);
  CHECK(*after == before);
  CHECK(std::filesystem::exists(key_path));
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "two rows sharing an address are both refused") {
  account_row(1, addr(7));
  account_row(2, addr(7));
  account_row(3, addr(3));
  // The same address written differently is still the same account.
  account_row(4, "0x" + addr(8));
  account_row(5, addr(8));
  db->user_pages = {page_of({5, 4}, 5, 2), page_of({3, 2}, 5, 3),
                    page_of({1}, 5, 0)};

  auto summary = once();

  CHECK(checked == std::vector<std::string>{addr(3)});
  CHECK(log->count("flow send") == 0);
  CHECK(summary.counters.total == 5);
  CHECK(summary.counters.corrupted == 4);
  CHECK(summary.counters.synced == 1);
  CHECK(listed() == std::set<std::string>{user(3)});
  CHECK(logs.count("refused wallet of user " + user(1)) == 1);
  CHECK(logs.count("refused wallet of user " + user(2)) == 1);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "two rows sharing an address are both refused even in "
                  "different batches") {
  cfg.batching.dispatch_batch = 1;
  cfg.supabase.wallets_per_page = 2;
  // Users 1 and 4 are read on different pages and batched apart; the
  // account they claim is low on FLOW, so serving either would pay.
  account_row(1, addr(7));
  account_row(2, addr(2));
  account_row(3, addr(3));
  account_row(4, addr(7));
  chain_wallet low;
  low.balance = *ufix64::parse("0.01");
  flow->chain[addr(7)] = low;
  db->user_pages = {page_of({4, 3}, 4, 2), page_of({2, 1}, 4, 0)};

  auto summary = once();

  CHECK(std::count(checked.begin(), checked.end(), addr(7)) == 0);
  CHECK(log->count("flow send") == 0);
  CHECK(summary.counters.total == 4);
  CHECK(summary.counters.corrupted == 2);
  CHECK(summary.counters.synced == 2);
  CHECK(listed() == std::set<std::string>{user(2), user(3)});
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "the spend grant respects the floor and the daily budget") {
  cfg.policy.service_floor = *ufix64::parse("1.0");
  cfg.policy.daily_budget = *ufix64::parse("0.5");
  flow->service_balance = *ufix64::parse("1.35");
  // Today's top-ups so far: 0.3 paid, and one that failed (it paid
  // nothing and does not count).
  for (int n = 0; n < 4; ++n) {
    ledger_entry e;
    e.id = n + 1;
    e.tx_id = std::string(64, static_cast<char>('a' + n));
    e.kind = ledger_kind::top_up;
    e.auth_id = user(90 + n);
    e.address = addr(90 + n);
    e.amount = "0.10000000";
    e.status = n == 3 ? ledger_status::failed : ledger_status::sealed;
    e.created_at = this_morning();
    db->ledger.push_back(e);
  }
  db->user_pages = {page_of({}, 0, 0)};
  auto sup = spawn();
  auto started = ask<bool>(sup, atom::run::value);
  REQUIRE(started);
  CHECK(*started);
  run();
  REQUIRE(log->count("supabase topups") == 1);
  REQUIRE(log->count("flow account") == 1);

  auto top_up = cfg.policy.top_up_amount.units();
  auto spend = [&](uint64_t each, uint64_t count, bool is_top_up) {
    auto granted =
      ask<uint64_t>(sup, atom::spend::value, each, count, is_top_up);
    REQUIRE(granted);
    return *granted;
  };
  // 0.35 above the floor, 0.2 left of the budget: the budget binds.
  CHECK(spend(top_up, 5, true) == 2);
  CHECK(spend(top_up, 1, true) == 0);
  // 0.15 above the floor is left; creations do not count against the
  // daily top-up budget, but a creation is granted whole or not at all.
  CHECK(spend(10'100'000, 5, false) == 1);
  CHECK(spend(10'100'000, 1, false) == 0);
  CHECK(spend(4'900'000, 1, false) == 1);
  CHECK(spend(1, 1, false) == 0);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "top-ups in a cycle stop at the service account's floor") {
  cfg.policy.service_floor = *ufix64::parse("1.0");
  flow->service_balance = *ufix64::parse("1.25");
  for (int n = 1; n <= 4; ++n) {
    account_row(n, addr(n));
    chain_wallet low;
    low.balance = *ufix64::parse("0.01");
    flow->chain[addr(n)] = low;
  }
  db->user_pages = {page_of({4, 3}, 4, 2), page_of({2, 1}, 4, 0)};

  auto summary = once();

  CHECK(log->count("flow send") == 1);
  CHECK(summary.counters.funding_needed == 4);
  CHECK(summary.counters.funding_sealed == 2);
  CHECK(summary.counters.funding_errors == 2);
  CHECK(summary.counters.synced == 2);
  CHECK(logs.count("at its floor or daily budget") == 1);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "users without a wallet row get one and then an account") {
  db->user_pages = {page_of({2, 1}, 2, 0)};
  auto created = 0;
  flow->on_result = [&](const std::string&) -> result<tx_result> {
    ++created;
    return sealed_with_accounts(
      {*address::parse(addr(1)), *address::parse(addr(2))});
  };

  auto summary = once();

  CHECK(log->count("supabase insert") == 1);
  CHECK(created == 1);
  CHECK(summary.counters.created == 2);
  CHECK(summary.all_synced());
  for (int n = 1; n <= 2; ++n) {
    auto row = db->row_of(user(n));
    REQUIRE(row != nullptr);
    CHECK(!row->flow_public_key.empty());
    CHECK(!row->flow_address.empty());
  }
  CHECK(db->open_ledger_entries()->empty());
  CHECK(listed().size() == 2);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "a creation left open is finished even when its users land "
                  "in different batches") {
  cfg.batching.dispatch_batch = 1;
  auto tx_id = std::string(64, '7');
  // An earlier run created accounts for users 2 and 1 (in that order) and
  // stopped before it stored their addresses.
  for (int n : {2, 1}) {
    auto& row = account_row(n, "");
    ledger_entry e;
    e.id = 3 - n;
    e.tx_id = tx_id;
    e.kind = ledger_kind::create_account;
    e.auth_id = row.auth_id;
    e.amount = "0.10000000";
    e.status = ledger_status::sent;
    e.reference_height = 90;
    e.proposal_key_index = 1;
    e.created_at = this_morning();
    db->ledger.push_back(e);
    flow->holders[addr(n)] = row.flow_public_key;
  }
  flow->on_result = [tx_id](const std::string& id) -> result<tx_result> {
    if (id != tx_id)
      return tx_result{};
    return sealed_with_accounts(
      {*address::parse(addr(2)), *address::parse(addr(1))});
  };
  db->user_pages = {page_of({2, 1}, 2, 0)};

  auto summary = once();

  CHECK(log->count("flow send") == 0);
  CHECK(log->count("supabase keys") == 0);
  for (int n = 1; n <= 2; ++n) {
    auto row = db->row_of(user(n));
    REQUIRE(row != nullptr);
    CHECK(row->flow_address == addr(n));
  }
  auto open = db->open_ledger_entries();
  REQUIRE(open);
  CHECK(open->empty());
  CHECK(summary.counters.created == 2);
  CHECK(summary.all_synced());
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "a sign-up between cycles gets an account within seconds") {
  account_row(1, addr(1));
  db->user_pages = {page_of({1}, 1, 0)};
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_accounts({*address::parse(addr(2))});
  };
  supervisor_config sc;
  sc.cfg = cfg;
  sc.make_flow = [f = flow] { return std::shared_ptr<flow_access>{f}; };
  sc.make_supabase = [d = db] { return std::shared_ptr<supabase_api>{d}; };
  sc.detached = false;
  sc.timer = true;
  track(spawn_supervisor(sys, std::move(sc)));
  REQUIRE(run_until([&] { return logs.count("stats: cycle 1 ") == 1; }));
  auto first_cycle_ended = now();

  // User 2 signs up; the watch sees the newest page every few seconds.
  db->user_pages = {page_of({2, 1}, 2, 0)};
  REQUIRE(run_until([&] {
    auto row = db->row_of(user(2));
    return row != nullptr && !row->flow_address.empty();
  }));

  CHECK(now() - first_cycle_ended <= cfg.cycle.signup_poll * 2);
  CHECK(now() - first_cycle_ended < cfg.cycle.interval);
  CHECK(db->row_of(user(2))->flow_address == addr(2));
  CHECK(log->count("flow send") == 1);
  CHECK(logs.count("stats: cycle 2 ") == 0);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "a crashed worker is replaced after a backoff and the next "
                  "cycle uses it") {
  for (int n = 1; n <= 2; ++n)
    account_row(n, addr(n));
  db->user_pages = {page_of({2, 1}, 2, 0)};
  auto calls = 0;
  flow->on_script = [&](const std::vector<cvalue>& args) -> result<cvalue> {
    if (++calls == 1)
      throw std::runtime_error("a bug in the worker");
    return flow->healthy_states(args);
  };
  auto sup = spawn();
  auto started = ask<bool>(sup, atom::run::value);
  REQUIRE(started);
  REQUIRE(*started);
  auto started_at = now();
  REQUIRE(run_until([&] { return logs.count("stats: cycle 1 ") == 1; }));
  // A worker that is gone never answers: its batch is given up at once,
  // not when the request times out half an hour later.
  CHECK(now() - started_at < std::chrono::minutes{1});
  auto first = ask<cycle_summary>(sup, atom::status::value);
  REQUIRE(first);
  CHECK(first->counters.total == 2);
  CHECK(first->counters.pending == 2);
  CHECK(first->counters.synced == 0);

  advance(std::chrono::seconds{1});
  CHECK(logs.count("supervisor restarts child 4") == 1);
  started = ask<bool>(sup, atom::run::value);
  REQUIRE(started);
  REQUIRE(*started);
  REQUIRE(run_until([&] { return logs.count("stats: cycle 2 ") == 1; }));
  auto second = ask<cycle_summary>(sup, atom::status::value);
  REQUIRE(second);
  CHECK(second->all_synced());
  CHECK(second->counters.synced == 2);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "the batches of a crashed worker are pending and the other "
                  "workers take the rest") {
  cfg.batching.workers = 2;
  cfg.batching.dispatch_batch = 1;
  cfg.flow.proposal_key_indices = {1, 2};
  for (int n = 1; n <= 6; ++n)
    account_row(n, addr(n));
  db->user_pages = {page_of({6, 5, 4, 3, 2, 1}, 6, 0)};
  cfg.supabase.users_per_page = 10;
  auto thrown = false;
  flow->on_script = [&](const std::vector<cvalue>& args) -> result<cvalue> {
    auto addresses = script_addresses(args);
    if (!thrown && addresses.size() == 1 && addresses[0].hex() == addr(1)) {
      thrown = true;
      throw std::runtime_error("a bug in the worker");
    }
    return flow->healthy_states(args);
  };

  auto started_at = now();
  auto summary = once();

  CHECK(thrown);
  CHECK(now() - started_at < std::chrono::minutes{1});
  CHECK(summary.counters.total == 6);
  // The crashed worker held user 1's batch and one waiting behind it.
  CHECK(summary.counters.pending == 2);
  CHECK(summary.counters.synced == 4);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "the inspector shows a running cycle, the workers and the "
                  "rate limits") {
  for (int n = 1; n <= 3; ++n)
    account_row(n, addr(n));
  db->user_pages = {page_of({3, 2}, 3, 2), page_of({1}, 3, 0)};
  auto sup = spawn();
  auto inspector = track(spawn_inspector(sys, sup));
  run();

  // The status asked right after the cycle starts sees it at its first
  // step; mailboxes are served in order.
  auto started = pending<bool>(sup, atom::run::value);
  auto early = pending<daemon_status>(inspector, atom::status::value);
  REQUIRE(run_until([&] { return early->arrived; }));
  REQUIRE(started->value);
  CHECK(*started->value);
  REQUIRE(early->value);
  CHECK(early->value->network == "emulator");
  CHECK(early->value->cycle_running);
  CHECK(early->value->phase == "reading the ledger");
  CHECK(early->value->current.cycle == 1);
  CHECK(early->value->last.cycle == 0);
  REQUIRE(early->value->workers.size() == 1);
  CHECK(early->value->workers[0].up);
  CHECK(early->value->workers[0].proposal_key == 1);
  REQUIRE(early->value->limiter.lanes.size() == 3);
  CHECK(early->value->limiter.lanes[0].configured == 5);
  CHECK(early->value->limiter.lanes[1].configured == 50);
  CHECK(early->value->limiter.lanes[2].configured == 100);

  // Once the cycle is over, its summary is the last one and the scripts it
  // ran went through the limiter.
  run();
  auto after = ask<daemon_status>(inspector, atom::status::value);
  REQUIRE(after);
  CHECK_FALSE(after->cycle_running);
  CHECK(after->phase == "idle");
  CHECK(after->last.cycle == 1);
  CHECK(after->last.complete);
  CHECK(after->last.counters.total == 3);
  CHECK(after->last.counters.synced == 3);
  CHECK(after->limiter.lanes[0].granted == after->last.counters.scripts);
  CHECK(after->limiter.lanes[0].granted >= 1);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "the inspector goes when the supervisor goes") {
  auto sup = spawn();
  auto inspector = spawn_inspector(sys, sup);
  run();
  REQUIRE(ask<daemon_status>(inspector, atom::status::value));

  self->send(sup, atom::shutdown::value);
  run();

  auto answer = ask<daemon_status>(inspector, atom::status::value);
  CHECK_FALSE(answer);
}

TEST_CASE_FIXTURE(supervisor_fixture,
                  "the inspector answers a message outside its interface "
                  "with an error and goes on") {
  auto sup = spawn();
  auto inspector = track(spawn_inspector(sys, sup));
  run();

  // A client on the port is not held to the typed interface.
  auto untyped = caf::actor_cast<caf::actor>(inspector);
  auto odd = ask<daemon_status>(untyped, atom::shutdown::value);

  REQUIRE_FALSE(odd);
  CHECK(odd.error() == caf::sec::unexpected_message);
  CHECK(ask<daemon_status>(inspector, atom::status::value));
}

TEST_SUITE_END();
