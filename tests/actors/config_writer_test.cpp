#include "actors/config_writer.hpp"
#include "adapters/atomic_file.hpp"
#include "adapters/flow_cli_config.hpp"
#include "tests/actors/fakes.hpp"
#include "tests/actors/fixture.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace flowsync;
using namespace flowsync::testing;

namespace fs = std::filesystem;

namespace {

struct writer_fixture : actor_fixture {
  temp_dir dir;
  sealer keys = test_sealer();
  config_writer_config config;
  log_capture logs;
  /// The private key of each user, as hex.
  std::map<std::string, std::string> user_keys;
  std::map<std::string, std::string> sealed;

  writer_fixture() {
    REQUIRE(!dir.path().empty());
    config.output.flow_config =
      dir.path() / "flow/accounts/flow-production.json";
    config.output.key_dir = dir.path() / "flow/accounts/pkeys";
    config.output.flush_interval = std::chrono::seconds{10};
    config.network = "emulator";
    config.grpc_host = "127.0.0.1:3569";
  }

  config_writer_actor spawn_writer() {
    auto writer = track(spawn_config_writer(sys, config, keys, false));
    run();
    return writer;
  }

  static std::string user(int n) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "0d9e6a52-1c7b-4f3e-8a2d-%012d", n);
    return buf;
  }

  /// The entry of user `n`, with a key made once per user.
  account_entry entry(int n) {
    auto id = user(n);
    if (sealed.count(id) == 0) {
      auto key = *private_key::generate(sig_algo::ecdsa_p256);
      user_keys[id] = key.to_hex().reveal();
      sealed[id] = *keys.seal(key.to_hex(), id);
    }
    char addr[17];
    std::snprintf(addr, sizeof(addr), "%016x", 0x5eed0000 + n);
    return account_entry{id, addr, sealed[id], 0};
  }

  void list(const config_writer_actor& writer, int first, int last) {
    for (int n = first; n < last; ++n)
      self->send(writer, atom::account::value, entry(n));
    run();
  }

  /// How many times the writer wrote the configuration.
  size_t writes() const { return logs.count("config-writer wrote"); }

  /// The account names the configuration lists.
  std::set<std::string> listed() const {
    auto text = read_file(config.output.flow_config);
    REQUIRE(text);
    auto accounts = parse_flow_cli_accounts(*text);
    REQUIRE(accounts);
    std::set<std::string> out;
    for (const auto& account : *accounts)
      out.insert(account.name);
    return out;
  }

  fs::path key_file(int n) const {
    return config.output.key_dir / (user(n) + ".pkey");
  }

  flush_report end(const config_writer_actor& writer, uint64_t cycle,
                   bool complete) {
    auto report = ask<flush_report>(writer, atom::end::value, cycle, complete);
    REQUIRE(report);
    return *report;
  }
};

std::set<std::string> users(std::initializer_list<int> ns) {
  std::set<std::string> out;
  for (auto n : ns)
    out.insert(writer_fixture::user(n));
  return out;
}

} // namespace

TEST_SUITE_BEGIN("config_writer");

TEST_CASE_FIXTURE(writer_fixture,
                  "many account updates make one write per flush") {
  auto writer = spawn_writer();
  self->send(writer, atom::begin::value, uint64_t{1});

  list(writer, 0, 40);
  CHECK(writes() == 0);
  CHECK_FALSE(fs::exists(config.output.flow_config));

  advance(config.output.flush_interval);
  CHECK(writes() == 1);
  CHECK(listed().size() == 40);
  for (int n = 0; n < 40; ++n) {
    auto text = read_file(key_file(n));
    REQUIRE(text);
    CHECK(*text == user_keys[user(n)]);
  }

  // Ten new accounts and a few old ones again: one more write, not ten.
  list(writer, 35, 50);
  advance(config.output.flush_interval);
  CHECK(writes() == 2);
  CHECK(listed().size() == 50);

  auto report = end(writer, 1, true);
  CHECK_FALSE(report.written);
  CHECK(report.accounts == 50);
  CHECK(writes() == 2);
}

TEST_CASE_FIXTURE(writer_fixture,
                  "key files a crash cut short or spoiled are written again "
                  "at the next start") {
  {
    auto writer = spawn_writer();
    self->send(writer, atom::begin::value, uint64_t{1});
    list(writer, 0, 3);
    REQUIRE(end(writer, 1, true).key_files_written == 3);
  }
  // Key files are not synced one by one: after a crash one may be empty,
  // another may hold the wrong bytes.
  { std::ofstream{key_file(0), std::ios::trunc}; }
  {
    std::ofstream spoiled{key_file(1), std::ios::trunc};
    spoiled << std::string(64, '0');
  }

  auto again = spawn_writer();
  self->send(again, atom::begin::value, uint64_t{1});
  list(again, 0, 3);
  auto report = end(again, 1, true);

  CHECK(report.key_files_written == 2);
  for (int n = 0; n < 3; ++n) {
    CAPTURE(n);
    auto text = read_file(key_file(n));
    REQUIRE(text);
    CHECK(*text == user_keys[user(n)]);
  }
  CHECK(listed() == users({0, 1, 2}));
}

TEST_CASE_FIXTURE(writer_fixture,
                  "an unchanged configuration is not written again") {
  {
    auto writer = spawn_writer();
    self->send(writer, atom::begin::value, uint64_t{1});
    list(writer, 0, 3);
    auto first = end(writer, 1, true);
    CHECK(first.written);
    CHECK(first.key_files_written == 3);
    CHECK(writes() == 1);

    self->send(writer, atom::begin::value, uint64_t{2});
    list(writer, 0, 3);
    auto second = end(writer, 2, true);
    CHECK_FALSE(second.written);
    CHECK(second.accounts == 3);
    auto flushed = ask<flush_report>(writer, atom::flush::value);
    REQUIRE(flushed);
    CHECK_FALSE(flushed->written);
    CHECK(writes() == 1);
  }

  // A restarted writer finds the same configuration on disk.
  auto again = spawn_writer();
  self->send(again, atom::begin::value, uint64_t{1});
  list(again, 0, 3);
  auto third = end(again, 1, true);
  CHECK_FALSE(third.written);
  CHECK(third.key_files_written == 0);
  CHECK(writes() == 1);
  CHECK(listed() == users({0, 1, 2}));
}

TEST_CASE_FIXTURE(writer_fixture,
                  "unseen accounts are dropped after a complete cycle only") {
  auto writer = spawn_writer();
  self->send(writer, atom::begin::value, uint64_t{1});
  list(writer, 0, 2);
  end(writer, 1, true);
  CHECK(listed() == users({0, 1}));

  // Cycle 2 did not see user 1 but was cut short: nothing is dropped.
  self->send(writer, atom::begin::value, uint64_t{2});
  list(writer, 0, 1);
  end(writer, 2, false);
  CHECK(listed() == users({0, 1}));
  CHECK(fs::exists(key_file(1)));

  // Cycle 3 did not see user 1 and completed: it goes, with its key file.
  self->send(writer, atom::begin::value, uint64_t{3});
  list(writer, 0, 1);
  auto report = end(writer, 3, true);
  CHECK(report.written);
  CHECK(listed() == users({0}));
  CHECK_FALSE(fs::exists(key_file(1)));
  CHECK(fs::exists(key_file(0)));
}

TEST_CASE_FIXTURE(writer_fixture,
                  "a refused account leaves the configuration at the next "
                  "write") {
  auto writer = spawn_writer();
  self->send(writer, atom::begin::value, uint64_t{1});
  list(writer, 0, 3);
  end(writer, 1, true);

  self->send(writer, atom::refused::value, user(2));
  run();
  auto report = ask<flush_report>(writer, atom::flush::value);
  REQUIRE(report);
  CHECK(report->written);
  CHECK(listed() == users({0, 1}));
}

TEST_SUITE_END();
