// The Cadence and the Flow client against the sandbox's emulator: ids,
// bulk creation, the state script, top-ups, vault repair and failures.
// Skipped when the sandbox's emulator is not running.

#include "adapters/crypto.hpp"
#include "adapters/ufix64.hpp"
#include "adapters/wallet_scripts.hpp"
#include "tests/integration/sandbox.hpp"
#include "tools/sandbox_tool/chain.hpp"

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace flowsync;
using namespace flowsync::sandbox;

namespace {

/// A valid emulator-chain address (index 100001 of its address generator)
/// that no sandbox will reach: an account that does not exist.
constexpr std::string_view unused_address = "0e76147f6a0e2cdb";

/// An address that is not even valid on the emulator chain.
constexpr std::string_view foreign_address = "0000000000000bad";

ufix64 amount(std::string_view text) {
  return *ufix64::parse(text);
}

/// One token's entry of a WalletState.
struct token_view {
  bool vault = false;
  bool receiver = false;
  bool balance_cap = false;
  ufix64 balance;
};

/// A WalletState as the tests look at it.
struct wallet_view {
  address addr;
  bool exists = false;
  bool key_valid = false;
  ufix64 flow_balance;
  uint64_t storage_used = 0;
  bool flow_receiver = false;
  std::vector<token_view> tokens;
};

/// The state script's view, read through the daemon's own parser.
wallet_view to_view(const address& addr, const wallet_state& state) {
  wallet_view out;
  out.addr = addr;
  out.exists = state.exists;
  out.key_valid = state.key_valid;
  out.flow_balance = state.flow_balance;
  out.storage_used = state.storage_used;
  out.flow_receiver = state.flow_receiver;
  for (const auto& token : state.tokens)
    out.tokens.push_back(
      {token.vault, token.receiver, token.balance_cap, token.balance});
  return out;
}

/// The sandbox's emulator with the service account's key 0 and BaitCoin.
struct flow_sandbox {
  std::optional<chain> net;
  signer service;
  address baitcoin;
  std::string why_not;

  flow_sandbox() {
    auto url = testing::sandbox_var("FLOW_ACCESS_URL");
    auto service_text = testing::sandbox_var("FLOWSYNC_SERVICE_ADDRESS");
    auto key_file = testing::sandbox_var("FLOWSYNC_SERVICE_KEY_FILE");
    auto token_text = testing::sandbox_var("FLOWSYNC_BAITCOIN_ADDRESS");
    if (url.empty() || service_text.empty() || key_file.empty()
        || token_text.empty()) {
      why_not = "the sandbox's emulator settings are not known (run "
                "tools/sandbox up)";
      return;
    }
    auto contracts = emulator_contracts();
    auto service_addr = address::parse(service_text);
    auto token = address::parse(token_text);
    auto key = read_key_file(key_file);
    if (!contracts || !service_addr || !token || !key) {
      why_not = "the sandbox's emulator settings are malformed";
      return;
    }
    (*contracts)["BaitCoin"] = *token;
    chain candidate{{url, *contracts}};
    if (!candidate.access().latest_sealed_block()) {
      why_not = "the sandbox's emulator does not answer at " + url;
      return;
    }
    net.emplace(std::move(candidate));
    service = {*service_addr, 0, *key};
    baitcoin = *token;
  }

  std::vector<address> tokens() const { return {baitcoin}; }

  /// A transaction the service account proposes, pays and authorizes.
  tx_spec by_service(std::string path, std::vector<cvalue> args) const {
    tx_spec spec;
    spec.cadence_path = std::move(path);
    spec.arguments = std::move(args);
    spec.proposer = spec.payer = service;
    spec.authorizers = {service};
    return spec;
  }

  /// A transaction a user authorizes; the service proposes and pays.
  tx_spec by_user(std::string path, std::vector<cvalue> args,
                  const signer& user) const {
    auto spec = by_service(std::move(path), std::move(args));
    spec.authorizers = {user};
    return spec;
  }

  /// Creates one account per key with `funding` FLOW and the BaitCoin
  /// setup, through the daemon's bulk transaction.
  std::vector<signer> create_users(size_t count,
                                   std::string_view funding = "0.1") {
    std::vector<signer> users(count);
    std::vector<std::string> keys;
    for (auto& user : users) {
      auto key = private_key::generate(sig_algo::ecdsa_p256);
      REQUIRE(key);
      user.key = *key;
      keys.push_back(key->public_key_hex());
    }
    auto res = net->execute(
      by_service("transactions/create_accounts.cdc",
                 {string_array(keys), cvalue::make_ufix64(amount(funding)),
                  address_array(tokens()), string_array({"BaitCoin"})}));
    REQUIRE_MESSAGE(res, (res ? "" : res.error().message));
    auto created = created_accounts(*res);
    REQUIRE_EQ(created.size(), count);
    for (size_t i = 0; i < count; ++i)
      users[i].addr = created[i];
    return users;
  }

  /// The state script over `addresses` with the keys the database would
  /// hold for them.
  std::vector<wallet_view> states(const std::vector<address>& addresses,
                                  const std::vector<std::string>& keys) {
    auto res =
      net->run_script("scripts/wallet_state.cdc",
                      {address_array(addresses), string_array(keys),
                       address_array(tokens()), string_array({"BaitCoin"})});
    REQUIRE_MESSAGE(res, (res ? "" : res.error().message));
    auto parsed = parse_wallet_states(*res, addresses.size(), 1);
    REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().message));
    std::vector<wallet_view> out;
    for (size_t i = 0; i < addresses.size(); ++i)
      out.push_back(to_view(addresses[i], (*parsed)[i]));
    return out;
  }

  wallet_view state_of(const signer& user) {
    return states({user.addr}, {user.key.public_key_hex()}).front();
  }
};

flow_sandbox& emulator() {
  static flow_sandbox instance;
  return instance;
}

/// Evaluated when the tests register: skip them all without an emulator.
bool no_emulator() {
  if (emulator().net)
    return false;
  // Where the sandbox is required (CI), the tests run and fail instead.
  if (flowsync::testing::sandbox_required())
    return false;
  std::cerr << "flow chain tests skipped: " << emulator().why_not << '\n';
  return true;
}

std::vector<std::string> public_keys(const std::vector<signer>& users) {
  std::vector<std::string> out;
  for (const auto& user : users)
    out.push_back(user.key.public_key_hex());
  return out;
}

std::vector<address> addresses(const std::vector<signer>& users) {
  std::vector<address> out;
  for (const auto& user : users)
    out.push_back(user.addr);
  return out;
}

} // namespace

TEST_SUITE("flow chain" * doctest::skip(no_emulator())) {

  TEST_CASE("the id computed locally is the id the node names") {
    auto& fx = emulator();
    auto spec = fx.by_service("transactions/top_up.cdc",
                              {address_array({fx.service.addr}),
                               cvalue::make_ufix64(amount("0.00000001"))});

    auto tx = fx.net->prepare(spec);
    REQUIRE(tx);
    auto id = fx.net->access().send_transaction(*tx);

    REQUIRE(id);
    CHECK_EQ(*id, tx->id_hex());
    auto result = fx.net->wait(*id);
    REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
    CHECK_EQ(result->status, tx_status::sealed);
  }

  TEST_CASE("a bulk creation makes one account per key, in key order, fully "
            "set up") {
    auto& fx = emulator();
    auto users = fx.create_users(5);

    for (const auto& user : users) {
      auto account = fx.net->access().get_account(user.addr);
      REQUIRE(account);
      REQUIRE_EQ(account->keys.size(), 1u);
      CHECK_EQ(account->keys[0].public_key, user.key.public_key_hex());
      CHECK_EQ(account->keys[0].weight, 1000u);
      CHECK_EQ(account->keys[0].signing, sig_algo::ecdsa_p256);
      CHECK_EQ(account->keys[0].hashing, hash_algo::sha3_256);
    }
    auto states = fx.states(addresses(users), public_keys(users));
    for (const auto& state : states) {
      CHECK(state.exists);
      CHECK(state.key_valid);
      CHECK(state.flow_receiver);
      // The funding, plus what account creation itself deposits.
      CHECK_GE(state.flow_balance, amount("0.1"));
      CHECK_LE(state.flow_balance, amount("0.101"));
      CHECK_GT(state.storage_used, 0u);
      REQUIRE_EQ(state.tokens.size(), 1u);
      CHECK(state.tokens[0].vault);
      CHECK(state.tokens[0].receiver);
      CHECK(state.tokens[0].balance_cap);
      CHECK_EQ(state.tokens[0].balance, ufix64{});
    }
  }

  TEST_CASE("a creation with a malformed key creates nothing and says why") {
    auto& fx = emulator();
    auto good = private_key::generate(sig_algo::ecdsa_p256);
    REQUIRE(good);

    auto res = fx.net->execute(
      fx.by_service("transactions/create_accounts.cdc",
                    {string_array({good->public_key_hex(), "not hex"}),
                     cvalue::make_ufix64(amount("0.1")),
                     address_array(fx.tokens()), string_array({"BaitCoin"})}));

    REQUIRE_FALSE(res);
    CHECK_EQ(res.error().code, ec::execution_failed);
    CHECK_EQ(res.error().flow_code, 1101);
    CHECK_NE(res.error().message.find("public key #1 is not 128 hex digits"),
             std::string::npos);
  }

  TEST_CASE("the state script tells healthy, drained, unpublished and missing "
            "accounts apart") {
    auto& fx = emulator();
    auto users = fx.create_users(3);
    auto& healthy = users[0];
    auto& drained = users[1];
    auto& unpublished = users[2];
    auto drain =
      fx.net->execute(fx.by_user("transactions/testing/drain_flow.cdc",
                                 {cvalue::make_ufix64(amount("0.05")),
                                  cvalue::make_address(fx.service.addr)},
                                 drained));
    REQUIRE_MESSAGE(drain, (drain ? "" : drain.error().message));
    auto unpublish = fx.net->execute(
      fx.by_user("transactions/testing/unpublish_capability.cdc",
                 {cvalue::make_string("baitCoinReceiver")}, unpublished));
    REQUIRE_MESSAGE(unpublish, (unpublish ? "" : unpublish.error().message));

    auto missing = *address::parse(unused_address);
    auto foreign = *address::parse(foreign_address);
    auto keys = public_keys(users);
    keys.push_back(healthy.key.public_key_hex());
    keys.push_back(healthy.key.public_key_hex());
    auto states = fx.states(
      {healthy.addr, drained.addr, unpublished.addr, missing, foreign}, keys);

    CHECK(states[0].exists);
    CHECK(states[0].key_valid);
    CHECK_GE(states[0].flow_balance, amount("0.1"));
    CHECK(states[0].tokens[0].vault);
    CHECK(states[0].tokens[0].receiver);
    CHECK(states[0].tokens[0].balance_cap);

    CHECK(states[1].exists);
    CHECK(states[1].key_valid);
    CHECK_EQ(states[1].flow_balance, amount("0.05"));
    CHECK_LE(states[1].flow_balance, amount("0.05"));
    CHECK(states[1].tokens[0].receiver);

    CHECK(states[2].exists);
    CHECK(states[2].tokens[0].vault);
    CHECK_FALSE(states[2].tokens[0].receiver);
    CHECK(states[2].tokens[0].balance_cap);

    for (const auto& absent : {states[3], states[4]}) {
      CHECK_FALSE(absent.exists);
      CHECK_FALSE(absent.key_valid);
      CHECK_FALSE(absent.flow_receiver);
      CHECK_EQ(absent.flow_balance, ufix64{});
      REQUIRE_EQ(absent.tokens.size(), 1u);
      CHECK_FALSE(absent.tokens[0].vault);
    }
  }

  TEST_CASE("the state script never aborts on malformed or foreign keys") {
    auto& fx = emulator();
    auto users = fx.create_users(1);
    const auto& user = users[0];
    auto key = user.key.public_key_hex();
    std::string upper = key;
    for (auto& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto other = private_key::generate(sig_algo::ecdsa_p256);
    REQUIRE(other);
    const std::vector<std::pair<std::string, bool>> cases{
      {key, true},
      {upper, true},
      {"", false},
      {"zz", false},
      {key.substr(0, 127) + "g", false},
      {"0x" + key, false},
      {key + "00", false},
      {std::string(128, ' '), false},
      {other->public_key_hex(), false},
    };
    std::vector<address> repeated(cases.size(), user.addr);
    std::vector<std::string> keys;
    for (const auto& entry : cases)
      keys.push_back(entry.first);

    auto states = fx.states(repeated, keys);

    for (size_t i = 0; i < cases.size(); ++i) {
      CAPTURE(i);
      CHECK_EQ(states[i].key_valid, cases[i].second);
      CHECK(states[i].exists);
    }
  }

  TEST_CASE("the state script answers for addresses without keys") {
    auto& fx = emulator();
    auto users = fx.create_users(2);

    // Fewer keys than addresses: the rest count as not matching.
    auto states = fx.states(addresses(users), {users[0].key.public_key_hex()});

    CHECK(states[0].key_valid);
    CHECK_FALSE(states[1].key_valid);
    CHECK(states[1].exists);
  }

  TEST_CASE("a top-up pays every recipient the amount") {
    auto& fx = emulator();
    auto users = fx.create_users(3);
    auto before = fx.states(addresses(users), public_keys(users));

    auto res = fx.net->execute(fx.by_service(
      "transactions/top_up.cdc",
      {address_array(addresses(users)), cvalue::make_ufix64(amount("0.1"))}));

    REQUIRE_MESSAGE(res, (res ? "" : res.error().message));
    auto after = fx.states(addresses(users), public_keys(users));
    for (size_t i = 0; i < users.size(); ++i) {
      CAPTURE(i);
      auto gained = checked_sub(after[i].flow_balance, before[i].flow_balance);
      REQUIRE(gained);
      CHECK_EQ(*gained, amount("0.1"));
    }
  }

  TEST_CASE("a failing top-up is reported failed with its error code and pays "
            "nobody") {
    auto& fx = emulator();
    auto users = fx.create_users(1);
    auto before = fx.state_of(users[0]);

    auto res = fx.net->execute(fx.by_service(
      "transactions/top_up.cdc",
      {address_array({users[0].addr, *address::parse(unused_address)}),
       cvalue::make_ufix64(amount("0.1"))}));

    REQUIRE_FALSE(res);
    CHECK_EQ(res.error().code, ec::execution_failed);
    CHECK_EQ(res.error().flow_code, 1101);
    CHECK_NE(res.error().message.find("has no FLOW receiver"),
             std::string::npos);
    CHECK_EQ(fx.state_of(users[0]).flow_balance, before.flow_balance);
  }

  TEST_CASE("an account whose FLOW receiver is not its own FLOW vault is "
            "not paid") {
    auto& fx = emulator();
    auto users = fx.create_users(1);
    auto misdirect = fx.net->execute(
      fx.by_user("transactions/testing/misdirect_capability.cdc",
                 {cvalue::make_string("flowTokenReceiver"),
                  cvalue::make_string("baitCoinVault")},
                 users[0]));
    REQUIRE(misdirect);

    auto state = fx.state_of(users[0]);
    auto res = fx.net->execute(fx.by_service(
      "transactions/top_up.cdc",
      {address_array({users[0].addr}), cvalue::make_ufix64(amount("0.1"))}));

    CHECK(state.exists);
    CHECK_FALSE(state.flow_receiver);
    REQUIRE_FALSE(res);
    CHECK_NE(res.error().message.find("has no FLOW receiver"),
             std::string::npos);
  }

  TEST_CASE("a top-up that lists a recipient twice is refused") {
    auto& fx = emulator();
    auto users = fx.create_users(1);

    auto res = fx.net->execute(fx.by_service(
      "transactions/top_up.cdc", {address_array({users[0].addr, users[0].addr}),
                                  cvalue::make_ufix64(amount("0.1"))}));

    REQUIRE_FALSE(res);
    CHECK_NE(res.error().message.find("listed twice"), std::string::npos);
  }

  TEST_CASE("setup_vault repairs missing and misdirected capabilities, and "
            "then changes nothing") {
    auto& fx = emulator();
    auto users = fx.create_users(1);
    const auto& user = users[0];
    auto token_args = std::vector<cvalue>{address_array(fx.tokens()),
                                          string_array({"BaitCoin"})};
    auto unpublish = fx.net->execute(
      fx.by_user("transactions/testing/unpublish_capability.cdc",
                 {cvalue::make_string("baitCoinReceiver")}, user));
    REQUIRE(unpublish);
    // The balance capability now leads to the FLOW vault instead.
    auto misdirect = fx.net->execute(
      fx.by_user("transactions/testing/misdirect_capability.cdc",
                 {cvalue::make_string("baitCoinVault"),
                  cvalue::make_string("flowTokenVault")},
                 user));
    REQUIRE(misdirect);
    auto broken = fx.state_of(user);
    REQUIRE(broken.tokens[0].vault);
    REQUIRE_FALSE(broken.tokens[0].receiver);
    REQUIRE_FALSE(broken.tokens[0].balance_cap);

    auto repair = fx.net->execute(
      fx.by_user("transactions/setup_vault.cdc", token_args, user));

    REQUIRE_MESSAGE(repair, (repair ? "" : repair.error().message));
    auto repaired = fx.state_of(user);
    CHECK(repaired.tokens[0].vault);
    CHECK(repaired.tokens[0].receiver);
    CHECK(repaired.tokens[0].balance_cap);

    auto again = fx.net->execute(
      fx.by_user("transactions/setup_vault.cdc", token_args, user));
    REQUIRE(again);
    for (const auto& event : again->events)
      CHECK_MESSAGE(event.type.find("Capability") == std::string::npos,
                    "a second repair touched a capability: " << event.type);
  }

  TEST_CASE("minted BaitCoin shows in the state script") {
    auto& fx = emulator();
    auto users = fx.create_users(1);
    auto token_key_file = testing::sandbox_dir() + "/emulator/baitcoin.pkey";
    auto token_key = read_key_file(token_key_file);
    if (!token_key) {
      MESSAGE("no BaitCoin key in the sandbox folder; minting not tried");
      return;
    }
    signer minter{fx.baitcoin, 0, *token_key};
    tx_spec spec;
    spec.cadence_path = "transactions/sandbox/mint.cdc";
    spec.arguments = {cvalue::make_address(users[0].addr),
                      cvalue::make_ufix64(amount("12.5"))};
    spec.proposer = spec.payer = minter;
    spec.authorizers = {minter};

    auto res = fx.net->execute(spec);

    REQUIRE_MESSAGE(res, (res ? "" : res.error().message));
    CHECK_EQ(fx.state_of(users[0]).tokens[0].balance, amount("12.5"));
  }

  TEST_CASE("a second transaction on a spent sequence number fails with 1007") {
    auto& fx = emulator();
    auto spec = fx.by_service("transactions/top_up.cdc",
                              {address_array({fx.service.addr}),
                               cvalue::make_ufix64(amount("0.00000001"))});
    auto first = fx.net->prepare(spec);
    spec.arguments[1] = cvalue::make_ufix64(amount("0.00000002"));
    auto second = fx.net->prepare(spec);
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE_EQ(first->proposer.sequence_number,
               second->proposer.sequence_number);

    auto first_id = fx.net->submit(*first);
    REQUIRE(first_id);
    REQUIRE(fx.net->wait(*first_id));
    auto second_id = fx.net->submit(*second);
    // Access nodes refuse it at once; the emulator seals it as failed.
    if (!second_id) {
      CHECK_EQ(second_id.error().code, ec::sequence_mismatch);
      return;
    }
    auto result = fx.net->wait(*second_id);

    REQUIRE_FALSE(result);
    CHECK_EQ(result.error().code, ec::execution_failed);
    CHECK_EQ(result.error().flow_code, 1007);
  }

} // TEST_SUITE
