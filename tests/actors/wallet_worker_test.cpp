#include "actors/rate_limiter.hpp"
#include "actors/wallet_worker.hpp"
#include "messages/error.hpp"
#include "tests/actors/fakes.hpp"
#include "tests/actors/fixture.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace flowsync;
using namespace flowsync::testing;

namespace {

/// What the worker's peers were told, and how they answer.
struct peer_world {
  std::shared_ptr<journal> log;

  // The fetcher.
  bool store_keys = true;
  bool fail_address = false;
  bool fail_ledger_insert = false;
  std::vector<key_write> key_writes;
  std::vector<address_write> address_writes;
  std::vector<ledger_entry> inserted;
  std::vector<ledger_update> updates;

  // The supervisor: payments it grants per request.
  uint64_t grant_limit = std::numeric_limits<uint64_t>::max();
  size_t spend_requests = 0;

  // The stats actor and the config writer.
  cycle_counters counted;
  std::vector<refused_wallet> stats_refused;
  std::vector<account_entry> listed;
  std::vector<std::string> writer_refused;

  /// The updates of one transaction, by status.
  size_t updates_of(const std::string& tx_id, ledger_status status) const {
    return static_cast<size_t>(
      std::count_if(updates.begin(), updates.end(), [&](const auto& u) {
        return u.tx_id == tx_id && u.status == status;
      }));
  }
};

using world_ptr = std::shared_ptr<peer_world>;

template <class T>
caf::result<T> refuse(const char* who, const char* what) {
  unexpected(who, what);
  return caf::make_error(caf::sec::unexpected_message);
}

supabase_fetcher_actor::behavior_type fake_fetcher(world_ptr w) {
  return {
    [](atom::schema) { return refuse<bool>("fetcher", "schema"); },
    [](atom::users, int32_t, int32_t) {
      return refuse<user_page>("fetcher", "users");
    },
    [](atom::users, const id_list&) {
      return refuse<user_page>("fetcher", "users by id");
    },
    [](atom::wallets, const std::string&, int32_t) {
      return refuse<wallet_page>("fetcher", "wallets");
    },
    [](atom::wallets, const id_list&) {
      return refuse<wallet_page>("fetcher", "wallets of users");
    },
    [](atom::insert, const id_list&) {
      return refuse<wallet_page>("fetcher", "insert");
    },
    [w](atom::keys, const key_writes& writes) -> caf::result<id_list> {
      w->log->add("fetcher keys " + std::to_string(writes.items.size()));
      id_list stored;
      for (const auto& item : writes.items) {
        w->key_writes.push_back(item);
        if (w->store_keys)
          stored.ids.push_back(item.auth_id);
      }
      return stored;
    },
    [w](atom::address, const address_writes& writes) -> caf::result<id_list> {
      w->log->add("fetcher address " + std::to_string(writes.items.size()));
      if (w->fail_address)
        return caf::make_error(ec::server_error, "the row cannot be written");
      id_list stored;
      for (const auto& item : writes.items) {
        w->address_writes.push_back(item);
        stored.ids.push_back(item.auth_id);
      }
      return stored;
    },
    [w](atom::ledger, atom::insert,
        const ledger_page& page) -> caf::result<bool> {
      auto id = page.entries.empty() ? "" : page.entries.front().tx_id;
      w->log->add("fetcher ledger insert " + id);
      if (w->fail_ledger_insert)
        return caf::make_error(ec::server_error, "the ledger is down");
      for (const auto& entry : page.entries)
        w->inserted.push_back(entry);
      return true;
    },
    [w](atom::ledger, atom::update, const ledger_updates& changes) {
      for (const auto& change : changes.items) {
        w->log->add("fetcher ledger update " + change.tx_id + " "
                    + to_string(change.status));
        w->updates.push_back(change);
      }
      return true;
    },
    [](atom::ledger) { return refuse<ledger_page>("fetcher", "open rows"); },
    [](atom::topups, const std::string&) {
      return refuse<ledger_page>("fetcher", "top-ups");
    },
    [](atom::retry, uint64_t) { unexpected("fetcher", "retry"); },
  };
}

supervisor_actor::behavior_type fake_supervisor(world_ptr w) {
  return {
    [](atom::run) { return refuse<bool>("supervisor", "run"); },
    [](atom::once) { return refuse<cycle_summary>("supervisor", "once"); },
    [](atom::shutdown) { unexpected("supervisor", "shutdown"); },
    [w](atom::spend, uint64_t each, uint64_t count, bool top_up) {
      w->log->add("supervisor spend " + std::to_string(count) + " x "
                  + std::to_string(each) + (top_up ? " top-up" : " creation"));
      ++w->spend_requests;
      return std::min(count, w->grant_limit);
    },
    [](atom::status) { return refuse<cycle_summary>("supervisor", "status"); },
    [](atom::inspect) {
      return refuse<daemon_status>("supervisor", "inspect");
    },
    [](atom::tick) { unexpected("supervisor", "tick"); },
    [](atom::watch) { unexpected("supervisor", "watch"); },
    [](atom::retry, uint32_t) { unexpected("supervisor", "retry"); },
  };
}

stats_actor::behavior_type fake_stats(world_ptr w) {
  return {
    [](atom::begin, uint64_t) { unexpected("stats", "begin"); },
    [w](atom::count, const cycle_counters& delta) { w->counted += delta; },
    [w](atom::refused, const refused_wallet& wallet) {
      w->stats_refused.push_back(wallet);
    },
    [](atom::end, uint64_t, bool, double) {
      return refuse<cycle_summary>("stats", "end");
    },
    [](atom::status) { return refuse<cycle_summary>("stats", "status"); },
  };
}

config_writer_actor::behavior_type fake_writer(world_ptr w) {
  return {
    [](atom::begin, uint64_t) { unexpected("writer", "begin"); },
    [w](atom::account, const account_entry& entry) {
      w->log->add("writer account " + entry.auth_id);
      w->listed.push_back(entry);
    },
    [w](atom::refused, const std::string& auth_id) {
      w->writer_refused.push_back(auth_id);
    },
    [](atom::end, uint64_t, bool) {
      return refuse<flush_report>("writer", "end");
    },
    [](atom::flush) { return refuse<flush_report>("writer", "flush"); },
    [](atom::tick) { unexpected("writer", "tick"); },
  };
}

/// A user id that reads like Supabase's.
std::string uid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "7b0c4e1a-2f3d-4c5b-9a6e-%012d", n);
  return buf;
}

/// An account address for tests.
std::string addr(int n) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016x", 0x1c0ffee0 + n);
  return buf;
}

/// Sixty-four hex digits, for the id of a transaction sent earlier.
std::string old_tx_id(char digit) {
  return std::string(64, digit);
}

struct worker_fixture : actor_fixture {
  std::shared_ptr<journal> log = std::make_shared<journal>();
  world_ptr world = std::make_shared<peer_world>();
  std::shared_ptr<fake_flow> flow = std::make_shared<fake_flow>(log);
  sealer keys = test_sealer();
  private_key service_key = *private_key::generate(sig_algo::ecdsa_p256);
  wallet_worker_config config;
  rate_limit_settings limits;
  log_capture logs;
  rate_limiter_actor limiter;
  wallet_worker_actor worker;

  worker_fixture() {
    world->log = log;
    config.index = 0;
    config.proposal_key_index = 1;
    config.flow = test_flow_settings(service_key);
  }

  /// Spawns the limiter, the fakes and the worker, none of them detached.
  void start() {
    if (worker)
      return;
    limiter = track(spawn_rate_limiter(sys, limits));
    worker_peers peers{limiter, track(sys.spawn(fake_fetcher, world)),
                       track(sys.spawn(fake_stats, world)),
                       track(sys.spawn(fake_writer, world)),
                       track(sys.spawn(fake_supervisor, world))};
    worker = track(spawn_wallet_worker(sys, config, peers, flow, keys, false));
    run();
  }

  /// A wallet whose key the row holds, sealed for its user.
  wallet_task keyed(const std::string& auth_id, std::string address = "") {
    auto key = *private_key::generate(sig_algo::ecdsa_p256);
    wallet_task w;
    w.auth_id = auth_id;
    w.address = std::move(address);
    w.public_key = key.public_key_hex();
    w.sealed_key = *keys.seal(key.to_hex(), auth_id);
    return w;
  }

  /// A wallet of a new user: no key, no address.
  static wallet_task fresh(const std::string& auth_id) {
    wallet_task w;
    w.auth_id = auth_id;
    return w;
  }

  /// An open ledger row of an earlier run.
  static ledger_entry open_entry(const wallet_task& w, ledger_kind kind,
                                 std::string tx_id, uint64_t height) {
    ledger_entry e;
    e.id = 7;
    e.tx_id = std::move(tx_id);
    e.kind = kind;
    e.auth_id = w.auth_id;
    e.address = w.address;
    e.status = ledger_status::sent;
    e.reference_height = height;
    e.proposal_key_index = 1;
    return e;
  }

  /// Marks an address as below the top-up threshold.
  void drained(const std::string& address) {
    chain_wallet low;
    low.balance = *ufix64::parse("0.01");
    flow->chain[address] = low;
  }

  /// Hands the worker a batch and waits for its report.
  batch_report process(std::vector<wallet_task> wallets) {
    start();
    wallet_batch batch;
    batch.cycle = 1;
    batch.id = 1;
    batch.wallets = std::move(wallets);
    auto report = ask<batch_report>(worker, atom::process::value, batch);
    REQUIRE_MESSAGE(report, "the worker did not report: "
                              << (report ? "" : to_string(report.error())));
    return *report;
  }

  /// The ids of the transactions sent, in order.
  std::vector<std::string> sent_ids() const {
    std::vector<std::string> out;
    for (const auto& tx : flow->sent)
      out.push_back(tx.id_hex());
    return out;
  }
};

} // namespace

TEST_SUITE_BEGIN("wallet_worker");

// -- creations ----------------------------------------------------------------

TEST_CASE_FIXTURE(worker_fixture,
                  "a new user gets a stored key and then an account") {
  auto user = fresh(uid(1));
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_accounts({*address::parse(addr(1))});
  };

  auto report = process({user});

  REQUIRE(world->key_writes.size() == 1);
  const auto& stored = world->key_writes.front();
  CHECK(stored.auth_id == user.auth_id);
  CHECK(keys.open(stored.sealed_key, user.auth_id));
  REQUIRE(flow->sent.size() == 1);
  CHECK(flow->sent.front().arguments.front().find(stored.public_key)
        != std::string::npos);
  CHECK(log->find("fetcher keys") < log->find("flow send"));
  REQUIRE(world->address_writes.size() == 1);
  CHECK(world->address_writes.front().address == addr(1));
  CHECK(world->address_writes.front().public_key == stored.public_key);
  CHECK(world->updates_of(sent_ids().front(), ledger_status::sealed) == 1);
  CHECK(report.counters.created == 1);
  CHECK(report.counters.synced == 1);
  CHECK(report.counters.pending == 0);
  REQUIRE(world->listed.size() == 1);
  CHECK(world->listed.front().address == addr(1));
}

TEST_CASE_FIXTURE(worker_fixture,
                  "an expired creation is retried with the same key") {
  auto user = keyed(uid(2));
  auto before = old_tx_id('a');
  user.open_entries.push_back(
    open_entry(user, ledger_kind::create_account, before, 90));
  flow->on_result = [before](const std::string& id) -> result<tx_result> {
    if (id == before) {
      tx_result res;
      res.status = tx_status::expired;
      return res;
    }
    return sealed_with_accounts({*address::parse(addr(2))});
  };

  auto report = process({user});

  CHECK(world->updates_of(before, ledger_status::expired) == 1);
  CHECK_MESSAGE(world->key_writes.empty(), "a row with a key got a new one");
  REQUIRE(flow->sent.size() == 1);
  CHECK(sent_ids().front() != before);
  CHECK(flow->sent.front().arguments.front().find(user.public_key)
        != std::string::npos);
  REQUIRE(world->inserted.size() == 1);
  CHECK(world->inserted.front().kind == ledger_kind::create_account);
  CHECK(world->inserted.front().auth_id == user.auth_id);
  REQUIRE(world->address_writes.size() == 1);
  CHECK(world->address_writes.front().public_key == user.public_key);
  CHECK(report.counters.created == 1);
  CHECK(report.counters.synced == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "an unknown creation past its expiry window is retried with "
                  "the same key") {
  config.flow.expiry_blocks = 10;
  flow->height = 200;
  auto user = keyed(uid(3));
  auto before = old_tx_id('b');
  user.open_entries.push_back(
    open_entry(user, ledger_kind::create_account, before, 150));
  flow->on_result = [before](const std::string& id) -> result<tx_result> {
    if (id == before)
      return tx_result{};
    return sealed_with_accounts({*address::parse(addr(3))});
  };

  auto report = process({user});

  CHECK(world->updates_of(before, ledger_status::expired) == 1);
  CHECK(world->key_writes.empty());
  REQUIRE(flow->sent.size() == 1);
  CHECK(flow->sent.front().arguments.front().find(user.public_key)
        != std::string::npos);
  CHECK(report.counters.created == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "an unknown creation within its expiry window stays open") {
  config.flow.expiry_blocks = 10;
  flow->height = 155;
  auto user = keyed(uid(4));
  auto before = old_tx_id('c');
  user.open_entries.push_back(
    open_entry(user, ledger_kind::create_account, before, 150));
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return tx_result{};
  };

  auto report = process({user});

  CHECK(flow->sent.empty());
  CHECK(world->updates.empty());
  CHECK(world->spend_requests == 0);
  CHECK(report.counters.pending == 1);
  CHECK(report.counters.creation_errors == 0);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a sealed creation found open is finished, not sent again") {
  auto user = keyed(uid(5));
  auto before = old_tx_id('d');
  user.open_entries.push_back(
    open_entry(user, ledger_kind::create_account, before, 90));
  flow->holders[addr(5)] = user.public_key;
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_accounts({*address::parse(addr(5))});
  };

  auto report = process({user});

  CHECK(flow->sent.empty());
  REQUIRE(world->address_writes.size() == 1);
  CHECK(world->address_writes.front().address == addr(5));
  CHECK(world->address_writes.front().public_key == user.public_key);
  CHECK(world->updates_of(before, ledger_status::sealed) == 1);
  CHECK(report.counters.created == 1);
  CHECK(report.counters.synced == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a sealed creation found open is matched to its users by "
                  "their keys, not by the order of the batch") {
  // The creation listed user 21's key first: its rows were written in that
  // order, and the events follow it. The batch comes in user id order.
  auto first = keyed(uid(20));
  auto second = keyed(uid(21));
  auto before = old_tx_id('1');
  auto row_of_second =
    open_entry(second, ledger_kind::create_account, before, 90);
  row_of_second.id = 10;
  auto row_of_first =
    open_entry(first, ledger_kind::create_account, before, 90);
  row_of_first.id = 11;
  first.open_entries.push_back(row_of_first);
  second.open_entries.push_back(row_of_second);
  flow->holders[addr(21)] = second.public_key;
  flow->holders[addr(20)] = first.public_key;
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_accounts(
      {*address::parse(addr(21)), *address::parse(addr(20))});
  };

  auto report = process({first, second});

  CHECK(flow->sent.empty());
  REQUIRE(world->address_writes.size() == 2);
  for (const auto& write : world->address_writes)
    CHECK(write.address
          == (write.auth_id == first.auth_id ? addr(20) : addr(21)));
  CHECK(report.counters.created == 2);
  CHECK(report.counters.synced == 2);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a sealed creation found open is finished for the users of "
                  "the batch when the others are elsewhere") {
  auto elsewhere = keyed(uid(22));
  auto here = keyed(uid(23));
  auto before = old_tx_id('2');
  here.open_entries.push_back(
    open_entry(here, ledger_kind::create_account, before, 90));
  flow->holders[addr(22)] = elsewhere.public_key;
  flow->holders[addr(23)] = here.public_key;
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_accounts(
      {*address::parse(addr(22)), *address::parse(addr(23))});
  };

  auto report = process({here});

  CHECK(flow->sent.empty());
  REQUIRE(world->address_writes.size() == 1);
  CHECK(world->address_writes.front().auth_id == here.auth_id);
  CHECK(world->address_writes.front().address == addr(23));
  REQUIRE(world->updates.size() == 1);
  CHECK(world->updates.front().auth_id == here.auth_id);
  CHECK(world->updates.front().status == ledger_status::sealed);
  CHECK(report.counters.created == 1);
  CHECK(report.counters.synced == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a creation is final only once the address is stored") {
  auto user = fresh(uid(6));
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_accounts({*address::parse(addr(6))});
  };

  SUBCASE("the address write fails: the ledger rows stay open") {
    world->fail_address = true;
    auto report = process({user});
    REQUIRE(flow->sent.size() == 1);
    auto id = sent_ids().front();
    CHECK(log->count("fetcher address") == 1);
    CHECK(world->updates_of(id, ledger_status::sealed) == 0);
    CHECK(world->updates_of(id, ledger_status::failed) == 0);
    CHECK(report.counters.created == 0);
    CHECK(report.counters.synced == 0);
    CHECK(report.counters.pending == 1);
    CHECK(world->listed.empty());
  }

  SUBCASE("the address is stored: then, and only then, the rows are final") {
    auto report = process({user});
    REQUIRE(flow->sent.size() == 1);
    auto id = sent_ids().front();
    auto stored = log->find("fetcher address");
    auto sealed = log->find("fetcher ledger update " + id + " sealed");
    REQUIRE(stored >= 0);
    REQUIRE(sealed >= 0);
    CHECK(stored < sealed);
    CHECK(report.counters.created == 1);
  }
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a creation whose new account does not hold the key is not "
                  "stored") {
  auto user = fresh(uid(7));
  chain_wallet foreign;
  foreign.key_valid = false;
  flow->chain[addr(7)] = foreign;
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_accounts({*address::parse(addr(7))});
  };

  auto report = process({user});

  CHECK(world->address_writes.empty());
  CHECK(log->count("fetcher address") == 0);
  CHECK(world->updates_of(sent_ids().front(), ledger_status::sealed) == 0);
  CHECK(report.counters.created == 0);
  CHECK(report.counters.pending == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a creation sealed with an error creates nothing") {
  auto user = fresh(uid(8));
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_error(1101, "panic: cannot deposit");
  };

  auto report = process({user});

  REQUIRE(flow->sent.size() == 1);
  CHECK(world->updates_of(sent_ids().front(), ledger_status::failed) == 1);
  CHECK(world->address_writes.empty());
  CHECK(report.counters.created == 0);
  CHECK(report.counters.creation_errors == 1);
  CHECK(report.counters.synced == 0);
}

// -- top-ups ------------------------------------------------------------------

TEST_CASE_FIXTURE(worker_fixture,
                  "a wallet below the threshold gets one top-up") {
  auto user = keyed(uid(10), addr(10));
  drained(addr(10));

  auto report = process({user});

  REQUIRE(flow->sent.size() == 1);
  auto id = sent_ids().front();
  CHECK(flow->sent.front().arguments.front().find(addr(10))
        != std::string::npos);
  REQUIRE(world->inserted.size() == 1);
  CHECK(world->inserted.front().kind == ledger_kind::top_up);
  CHECK(world->inserted.front().amount == "0.10000000");
  CHECK(world->updates_of(id, ledger_status::sealed) == 1);
  CHECK(report.counters.funding_needed == 1);
  CHECK(report.counters.funding_sealed == 1);
  CHECK(report.counters.synced == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a top-up is never sent for an address with a non-final "
                  "top-up") {
  auto user = keyed(uid(11), addr(11));
  drained(addr(11));
  auto before = old_tx_id('e');
  user.open_entries.push_back(
    open_entry(user, ledger_kind::top_up, before, 90));
  flow->on_result = [](const std::string&) -> result<tx_result> {
    tx_result res;
    res.status = tx_status::pending;
    return res;
  };

  auto report = process({user});

  CHECK(log->count("flow result " + before) == 1);
  CHECK(flow->sent.empty());
  CHECK(world->spend_requests == 0);
  CHECK(world->inserted.empty());
  CHECK(world->updates.empty());
  CHECK(report.counters.pending == 1);
  CHECK(report.counters.synced == 0);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a sealed top-up found open is recorded and not paid "
                  "again") {
  auto user = keyed(uid(12), addr(12));
  auto before = old_tx_id('f');
  user.open_entries.push_back(
    open_entry(user, ledger_kind::top_up, before, 90));

  auto report = process({user});

  CHECK(world->updates_of(before, ledger_status::sealed) == 1);
  CHECK(flow->sent.empty());
  CHECK(report.counters.synced == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a sequence mismatch re-reads the sequence number, signs "
                  "again and sends") {
  auto user = keyed(uid(13), addr(13));
  drained(addr(13));
  flow->sequence[1] = 5;
  std::string first;
  flow->on_result = [&](const std::string& id) -> result<tx_result> {
    if (first.empty())
      first = id;
    if (id == first) {
      // Another process used the key meanwhile.
      flow->sequence[1] = 9;
      return sealed_with_error(1007, "invalid proposal key: sequence number");
    }
    tx_result res;
    res.status = tx_status::sealed;
    return res;
  };

  auto report = process({user});

  REQUIRE(flow->sent.size() == 2);
  auto ids = sent_ids();
  CHECK(ids[0] != ids[1]);
  CHECK(flow->sent[0].proposer.sequence_number == 5);
  CHECK(flow->sent[1].proposer.sequence_number == 9);
  CHECK(log->count("flow account " + std::string{test_service_address}) == 2);
  CHECK(log->find("flow account",
                  static_cast<size_t>(log->find("flow result " + ids[0])))
        < log->find("flow send " + ids[1]));
  CHECK(world->updates_of(ids[0], ledger_status::failed) == 1);
  CHECK(log->find("fetcher ledger insert " + ids[1])
        < log->find("flow send " + ids[1]));
  CHECK(world->updates_of(ids[1], ledger_status::sealed) == 1);
  CHECK(report.counters.funding_sealed == 1);
  CHECK(report.counters.funding_errors == 0);
  CHECK(report.counters.synced == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a sealed result with an error is a failure, counted and "
                  "logged, never a success") {
  auto user = keyed(uid(14), addr(14));
  drained(addr(14));
  flow->on_result = [](const std::string&) -> result<tx_result> {
    return sealed_with_error(1101, "panic: the vault is gone");
  };

  auto report = process({user});

  REQUIRE(flow->sent.size() == 1);
  auto id = sent_ids().front();
  CHECK(world->updates_of(id, ledger_status::failed) == 1);
  CHECK(world->updates_of(id, ledger_status::sealed) == 0);
  CHECK(report.counters.funding_errors == 1);
  CHECK(report.counters.funding_sealed == 0);
  CHECK(report.counters.synced == 0);
  CHECK(logs.count("failed with error 1101", spdlog::level::err) == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a transaction with no final state in time is abandoned and "
                  "its rows stay open") {
  config.flow.tx_timeout = std::chrono::seconds{30};
  auto user = keyed(uid(15), addr(15));
  drained(addr(15));
  flow->on_result = [](const std::string&) -> result<tx_result> {
    tx_result res;
    res.status = tx_status::pending;
    return res;
  };

  auto started = now();
  auto report = process({user});

  CHECK(now() - started >= config.flow.tx_timeout);
  CHECK(now() - started < 2 * config.flow.tx_timeout);
  REQUIRE(flow->sent.size() == 1);
  auto id = sent_ids().front();
  CHECK(world->updates_of(id, ledger_status::sent) == 1);
  CHECK(world->updates_of(id, ledger_status::failed) == 0);
  CHECK(world->updates_of(id, ledger_status::expired) == 0);
  CHECK(world->updates_of(id, ledger_status::sealed) == 0);
  CHECK(report.counters.pending == 1);
  CHECK(report.counters.funding_errors == 0);
  CHECK(report.counters.funding_sealed == 0);
  CHECK(logs.count("no final state in time") == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "top-ups beyond the supervisor's grant are not sent") {
  std::vector<wallet_task> wallets;
  for (int i = 20; i < 23; ++i) {
    wallets.push_back(keyed(uid(i), addr(i)));
    drained(addr(i));
  }
  world->grant_limit = 2;

  auto report = process(wallets);

  REQUIRE(flow->sent.size() == 1);
  CHECK(world->inserted.size() == 2);
  CHECK(report.counters.funding_sealed == 2);
  CHECK(report.counters.funding_errors == 1);
  CHECK(report.counters.synced == 2);
}

// -- the ledger ---------------------------------------------------------------

TEST_CASE_FIXTURE(worker_fixture,
                  "the ledger row is written before the transaction is sent") {
  std::vector<wallet_task> wallets{fresh(uid(30)), keyed(uid(31), addr(31))};
  drained(addr(31));
  flow->on_result = [this](const std::string& id) -> result<tx_result> {
    // The creation is the second transaction: top-ups go first.
    if (flow->sent.size() == 2 && flow->sent.back().id_hex() == id)
      return sealed_with_accounts({*address::parse(addr(30))});
    tx_result res;
    res.status = tx_status::sealed;
    return res;
  };

  auto report = process(wallets);

  REQUIRE(flow->sent.size() == 2);
  for (const auto& id : sent_ids()) {
    auto written = log->find("fetcher ledger insert " + id);
    auto sent = log->find("flow send " + id);
    REQUIRE_MESSAGE(written >= 0, log->dump());
    CHECK_MESSAGE(written < sent, log->dump());
  }
  CHECK(report.counters.synced == 2);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a transaction the node refuses at once is marked failed") {
  auto user = keyed(uid(33), addr(33));
  drained(addr(33));
  flow->on_send = [](const transaction&) -> result<std::string> {
    return make_failure(ec::request_rejected, "invalid signature");
  };

  auto report = process({user});

  REQUIRE(flow->sent.size() == 1);
  CHECK(world->updates_of(sent_ids().front(), ledger_status::failed) == 1);
  CHECK(report.counters.funding_errors == 1);
  CHECK(report.counters.pending == 0);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a refusal after a send whose answer was lost leaves the "
                  "ledger rows open") {
  // The first try reached the node but its answer was lost; the node may
  // run the transaction, whatever it says to the second try.
  auto user = fresh(uid(34));
  auto tries = 0;
  flow->on_send = [&](const transaction&) -> result<std::string> {
    if (++tries == 1)
      return make_failure(ec::transport, "connection reset");
    return make_failure(ec::expired, "transaction is expired");
  };

  auto report = process({user});

  REQUIRE(flow->sent.size() == 2);
  auto id = sent_ids().front();
  CHECK(sent_ids().back() == id);
  CHECK(world->updates_of(id, ledger_status::failed) == 0);
  CHECK(world->updates_of(id, ledger_status::expired) == 0);
  CHECK(report.counters.creation_errors == 0);
  CHECK(report.counters.pending == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a creation that never reached the node is marked failed "
                  "and its wallet is free for another try") {
  // The node is down: no try opens a connection, so nobody ever saw the
  // signed transaction and it can never run.
  auto user = fresh(uid(35));
  flow->on_send = [](const transaction&) -> result<std::string> {
    auto f = make_failure(ec::transport, "couldn't connect to server");
    f.unsent = true;
    return f;
  };

  auto report = process({user});

  REQUIRE(flow->sent.size() >= 2);
  auto id = sent_ids().front();
  CHECK(sent_ids().back() == id);
  CHECK(world->updates_of(id, ledger_status::failed) == 1);
  CHECK(report.counters.creation_errors == 1);
  CHECK(report.counters.pending == 0);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a send that may have reached the node before the node "
                  "went away leaves the ledger rows open") {
  auto user = fresh(uid(36));
  auto tries = 0;
  flow->on_send = [&](const transaction&) -> result<std::string> {
    if (++tries == 1)
      return make_failure(ec::timeout, "no answer in time");
    auto f = make_failure(ec::transport, "couldn't connect to server");
    f.unsent = true;
    return f;
  };

  auto report = process({user});

  auto id = sent_ids().front();
  CHECK(world->updates_of(id, ledger_status::failed) == 0);
  CHECK(report.counters.creation_errors == 0);
  CHECK(report.counters.pending == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "nothing is sent when the ledger cannot be written") {
  auto user = keyed(uid(32), addr(32));
  drained(addr(32));
  world->fail_ledger_insert = true;

  auto report = process({user});

  CHECK(log->count("fetcher ledger insert") == 1);
  CHECK(log->count("flow send") == 0);
  CHECK(report.counters.funding_errors == 1);
  CHECK(report.counters.synced == 0);
}

// -- state checks -------------------------------------------------------------

TEST_CASE_FIXTURE(worker_fixture,
                  "a compute-limit error halves the state batch and is not a "
                  "rate limit; the batch grows back after successes") {
  config.batching.state_batch = 8;
  std::vector<wallet_task> wallets;
  for (int i = 0; i < 20; ++i)
    wallets.push_back(keyed(uid(100 + i), addr(100 + i)));
  auto calls = 0;
  flow->on_script = [&](const std::vector<cvalue>& args) -> result<cvalue> {
    if (++calls == 1)
      return make_failure(ec::compute_limit, "computation exceeds limit");
    return flow->healthy_states(args);
  };

  auto report = process(wallets);

  CHECK(flow->script_sizes == std::vector<size_t>{8, 4, 4, 4, 8});
  CHECK(report.counters.synced == 20);
  CHECK(report.counters.balance_checks == 20);
  auto grants =
    ask<grant_log>(limiter, atom::grants::value, request_class::script);
  REQUIRE(grants);
  CHECK(grants->limit == limits.scripts);
  CHECK(logs.count("retries") == 0);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a rate-limited state script slows its class down and is "
                  "tried again") {
  std::vector<wallet_task> wallets{keyed(uid(40), addr(40)),
                                   keyed(uid(41), addr(41))};
  auto calls = 0;
  flow->on_script = [&](const std::vector<cvalue>& args) -> result<cvalue> {
    if (++calls == 1)
      return make_failure(ec::rate_limited, "rate limit reached");
    return flow->healthy_states(args);
  };

  auto report = process(wallets);

  CHECK(flow->script_sizes == std::vector<size_t>{2, 2});
  auto grants =
    ask<grant_log>(limiter, atom::grants::value, request_class::script);
  REQUIRE(grants);
  CHECK(grants->limit == limits.scripts / 2);
  CHECK(report.counters.synced == 2);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a hostile row is refused and nothing is sent for it") {
  // A sealed key copied from another user's row does not open here.
  auto copied = keyed(uid(50), addr(50));
  auto victim = keyed(uid(51), addr(51));
  copied.public_key = victim.public_key;
  copied.sealed_key = victim.sealed_key;
  // An address rewritten to an account that does not hold the row's key.
  auto rewritten = keyed(uid(52), addr(52));
  chain_wallet foreign;
  foreign.key_valid = false;
  foreign.balance = *ufix64::parse("0.01");
  flow->chain[addr(52)] = foreign;
  drained(addr(50));

  auto report = process({copied, rewritten});

  CHECK(flow->script_sizes == std::vector<size_t>{1});
  CHECK(flow->sent.empty());
  CHECK(world->spend_requests == 0);
  CHECK(world->inserted.empty());
  CHECK(world->listed.empty());
  CHECK(world->writer_refused
        == std::vector<std::string>{copied.auth_id, rewritten.auth_id});
  REQUIRE(world->stats_refused.size() == 2);
  CHECK(report.refused.size() == 2);
  CHECK(report.counters.corrupted == 2);
  CHECK(report.counters.synced == 0);
  CHECK(report.counters.pending == 0);
}

// -- draining -----------------------------------------------------------------

TEST_CASE_FIXTURE(worker_fixture,
                  "draining stops new work and answers once nothing is in "
                  "flight") {
  config.batching.top_up_batch = 1;
  std::vector<wallet_task> wallets{keyed(uid(60), addr(60)),
                                   keyed(uid(61), addr(61))};
  drained(addr(60));
  drained(addr(61));
  auto final_now = false;
  flow->on_result = [&](const std::string&) -> result<tx_result> {
    tx_result res;
    res.status = final_now ? tx_status::sealed : tx_status::pending;
    return res;
  };
  start();
  wallet_batch batch;
  batch.id = 1;
  batch.wallets = wallets;
  auto report = pending<batch_report>(worker, atom::process::value, batch);
  REQUIRE(run_until([&] { return log->count("flow send") == 1; }));

  auto drain = pending<bool>(worker, atom::drain::value);
  advance(std::chrono::seconds{5});
  CHECK_FALSE(drain->arrived);
  CHECK_FALSE(report->arrived);
  batch.id = 2;
  auto late = pending<batch_report>(worker, atom::process::value, batch);
  run();
  REQUIRE(late->arrived);
  REQUIRE_FALSE(late->value);
  CHECK(code_of(late->value.error()) == ec::shutting_down);

  final_now = true;
  REQUIRE(run_until([&] { return drain->arrived; }));
  REQUIRE(drain->value);
  CHECK(*drain->value);
  REQUIRE(report->arrived);
  REQUIRE(report->value);
  CHECK(flow->sent.size() == 1);
  CHECK(report->value->counters.funding_sealed == 1);
  CHECK(report->value->counters.pending == 1);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a drain answers false when its deadline passes with a "
                  "transaction in flight") {
  config.drain_timeout = std::chrono::seconds{20};
  auto user = keyed(uid(62), addr(62));
  drained(addr(62));
  flow->on_result = [](const std::string&) -> result<tx_result> {
    tx_result res;
    res.status = tx_status::pending;
    return res;
  };
  start();
  wallet_batch batch;
  batch.wallets = {user};
  auto report = pending<batch_report>(worker, atom::process::value, batch);
  REQUIRE(run_until([&] { return log->count("flow send") == 1; }));

  auto start_time = now();
  auto drain = pending<bool>(worker, atom::drain::value);
  REQUIRE(run_until([&] { return drain->arrived; }));
  CHECK(now() - start_time >= config.drain_timeout);
  REQUIRE(drain->value);
  CHECK_FALSE(*drain->value);
}

TEST_CASE_FIXTURE(worker_fixture,
                  "a drain with nothing in flight answers at once") {
  start();
  auto drain = pending<bool>(worker, atom::drain::value);
  run();
  REQUIRE(drain->arrived);
  REQUIRE(drain->value);
  CHECK(*drain->value);
}

TEST_SUITE_END();
