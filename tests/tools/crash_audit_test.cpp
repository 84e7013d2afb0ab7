// The crash test's verdict on made-up evidence: a clean record passes, and
// each kind of damage the crash test exists to catch is counted where it
// belongs, so a passing crash test means something.

#include "tools/crash_test/audit.hpp"

#include <doctest/doctest.h>

using namespace flowsync;
using namespace flowsync::crash;

namespace {

std::string key_of(char c) {
  return std::string(128, c);
}

address addr(const char* hex) {
  return *address::parse(hex);
}

ufix64 flow(const char* text) {
  return *ufix64::parse(text);
}

/// Two users, each with one account from one creation; the first drained
/// once and topped up once; every transaction sealed and recorded.
evidence clean() {
  evidence ev;
  ev.daemon_from_height = 10;
  for (auto [id, k, a] : {std::tuple{"u1", 'a', "00000000000000a1"},
                          std::tuple{"u2", 'b', "00000000000000a2"}}) {
    user_record u;
    u.auth_id = id;
    u.has_row = true;
    u.address = a;
    u.public_key = key_of(k);
    u.has_sealed_key = true;
    u.key_opens = true;
    u.opened_public_key = u.public_key;
    ev.users.push_back(u);
    ev.accounts.push_back({addr(a), "create1", 12, {key_of(k)}});
    ev.deposits.push_back({"create1", addr(a), flow("0.1")});
    ev.ledger.push_back({"create1", "create_account", id, "sealed"});
    ev.first_keys[id] = key_of(k);
  }
  // The sandbox's own account, older than the daemon's work.
  ev.accounts.insert(ev.accounts.begin(),
                     {addr("179b6b1cb6755e31"), "boot", 3, {key_of('f')}});
  ev.drains[addr("00000000000000a1")] = 1;
  ev.deposits.push_back({"topup1", addr("00000000000000a1"), flow("0.1")});
  ev.ledger.push_back({"topup1", "top_up", "u1", "sealed"});
  ev.outcomes = {{"create1", chain_outcome::sealed},
                 {"topup1", chain_outcome::sealed}};
  return ev;
}

} // namespace

TEST_CASE("a clean record passes and counts what happened") {
  auto v = judge(clean());
  CHECK(v.passed());
  CHECK(v.users == 2);
  CHECK(v.accounts_created == 2);
  CHECK(v.creation_txs == 1);
  CHECK(v.top_up_txs == 1);
  CHECK(v.top_ups == 1);
  CHECK(v.drains == 1);
  CHECK(v.ledger_txs.at("sealed") == 2);
  CHECK(v.findings.empty());
}

TEST_CASE("a second account holding a user's key is a duplicate") {
  auto ev = clean();
  ev.accounts.push_back(
    {addr("00000000000000b1"), "create2", 20, {key_of('a')}});
  ev.ledger.push_back({"create2", "create_account", "u1", "sealed"});
  ev.outcomes["create2"] = chain_outcome::sealed;
  auto v = judge(ev);
  CHECK(v.second_accounts == 1);
  CHECK(v.duplicates() == 1);
  CHECK_FALSE(v.passed());
}

TEST_CASE("a second top-up of an address drained once is a duplicate") {
  auto ev = clean();
  ev.deposits.push_back({"topup2", addr("00000000000000a1"), flow("0.1")});
  ev.ledger.push_back({"topup2", "top_up", "u1", "sealed"});
  ev.outcomes["topup2"] = chain_outcome::sealed;
  auto v = judge(ev);
  CHECK(v.second_top_ups == 1);
  CHECK(v.top_up_txs == 2);
  CHECK_FALSE(v.passed());
}

TEST_CASE("a drained address never topped up is a loss") {
  auto ev = clean();
  ev.drains[addr("00000000000000a2")] = 1;
  auto v = judge(ev);
  CHECK(v.missed_top_ups == 1);
  CHECK(v.duplicates() == 0);
  CHECK_FALSE(v.passed());
}

TEST_CASE("deposits of the creating transaction are no top-ups") {
  auto ev = clean();
  // Account creation deposits twice: the minimum balance and the funding.
  ev.deposits.push_back({"create1", addr("00000000000000a2"), flow("0.001")});
  auto v = judge(ev);
  CHECK(v.top_ups == 1);
  CHECK(v.passed());
}

TEST_CASE("an account of the daemon's that holds nobody's key is a loss") {
  auto ev = clean();
  ev.accounts.push_back(
    {addr("00000000000000c1"), "create3", 30, {key_of('c')}});
  auto v = judge(ev);
  CHECK(v.orphan_accounts == 1);
  // It moved FLOW without a ledger row, too.
  CHECK(v.unrecorded_txs == 1);
  CHECK_FALSE(v.passed());
}

TEST_CASE("a user without an account or with a row naming another is a "
          "loss") {
  auto ev = clean();
  ev.accounts.pop_back();
  ev.users[1].address = "00000000000000a1";
  ev.users.push_back(ev.users[1]);
  ev.users[2].auth_id = "u3";
  ev.users[2].public_key = key_of('d');
  ev.users[2].opened_public_key = key_of('d');
  auto v = judge(ev);
  CHECK(v.users_without_account == 2);
  ev = clean();
  ev.users[1].address = "00000000000000a1";
  v = judge(ev);
  CHECK(v.wrong_addresses == 1);
  ev.users[1].address.clear();
  v = judge(ev);
  CHECK(v.wrong_addresses == 1);
  CHECK_FALSE(v.passed());
}

TEST_CASE("a sealed key that does not open or does not match is a loss") {
  auto ev = clean();
  ev.users[0].key_opens = false;
  ev.users[0].opened_public_key.clear();
  ev.users[1].opened_public_key = key_of('e');
  auto v = judge(ev);
  CHECK(v.keys_not_opening == 2);
  CHECK_FALSE(v.passed());
}

TEST_CASE("a key replaced after it was first stored is a loss") {
  auto ev = clean();
  ev.first_keys["u2"] = key_of('9');
  auto v = judge(ev);
  CHECK(v.replaced_keys == 1);
  CHECK_FALSE(v.passed());
}

TEST_CASE("an open ledger row is a ledger problem") {
  auto ev = clean();
  ev.ledger.push_back({"create9", "create_account", "u2", "signed"});
  auto v = judge(ev);
  CHECK(v.open_ledger_rows == 1);
  CHECK(v.ledger_txs.at("signed") == 1);
  CHECK_FALSE(v.passed());
}

TEST_CASE("a ledger that contradicts the chain is a ledger problem") {
  auto ev = clean();
  ev.ledger[0].status = "expired";
  ev.ledger[1].status = "expired";
  auto v = judge(ev);
  CHECK(v.ledger_disagreements == 1);
  ev = clean();
  ev.outcomes["topup1"] = chain_outcome::unknown;
  v = judge(ev);
  CHECK(v.ledger_disagreements == 1);
  CHECK_FALSE(v.passed());
}

TEST_CASE("expired and refused transactions the chain never ran agree") {
  auto ev = clean();
  ev.ledger.push_back({"old1", "create_account", "u2", "expired"});
  ev.ledger.push_back({"old2", "top_up", "u1", "failed"});
  ev.outcomes["old1"] = chain_outcome::unknown;
  ev.outcomes["old2"] = chain_outcome::unknown;
  auto v = judge(ev);
  CHECK(v.passed());
  CHECK(v.users_recreated_after_expiry == 1);
  CHECK(v.ledger_txs.at("expired") == 1);
}

TEST_CASE("the description names every count and the findings") {
  auto ev = clean();
  ev.deposits.push_back({"topup2", addr("00000000000000a1"), flow("0.1")});
  auto text = describe(judge(ev));
  CHECK(text.find("duplicates: 1 (second accounts 0, second top-ups 1)")
        != std::string::npos);
  CHECK(text.find("losses: 0") != std::string::npos);
  CHECK(text.find("duplicate: address 00000000000000a1 was drained 1 times "
                  "and topped up 2 times")
        != std::string::npos);
}
