#include "adapters/bytes.hpp"
#include "adapters/wallet_scripts.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

namespace {

cvalue uint8s(std::vector<int> values) {
  std::vector<cvalue> out;
  for (auto v : values)
    out.push_back(cvalue::make_integer("UInt8", std::to_string(v)));
  return cvalue::make_array(std::move(out));
}

cvalue fixes(std::vector<const char*> values) {
  std::vector<cvalue> out;
  for (auto v : values)
    out.push_back(cvalue::make_ufix64(*ufix64::parse(v)));
  return cvalue::make_array(std::move(out));
}

/// A report as the state script answers it, with extra fields the parser
/// must ignore.
cvalue report(cvalue flags, cvalue balances, cvalue token_flags) {
  auto n = flags.elements().size();
  std::vector<cvalue> used(n, cvalue::make_uint64(1569));
  std::vector<cvalue> token_balances(token_flags.elements().size(),
                                     cvalue::make_ufix64(ufix64{}));
  return cvalue::make_composite(
    "Struct", "s.0.Report",
    {{"flags", std::move(flags)},
     {"flowBalances", std::move(balances)},
     {"storageUsed", cvalue::make_array(std::move(used))},
     {"tokenFlags", std::move(token_flags)},
     {"tokenBalances", cvalue::make_array(std::move(token_balances))},
     {"somethingNew", cvalue::make_string("ignored")}});
}

} // namespace

TEST_CASE("the state script's report is read wallet by wallet") {
  auto answer = report(uint8s({7, 5, 0}), fixes({"0.07499999", "1.0", "0.0"}),
                       uint8s({3, 7, 0}));
  auto states = parse_wallet_states(answer, 3, 1);
  REQUIRE(states);
  CHECK((*states)[0].exists);
  CHECK((*states)[0].key_valid);
  CHECK((*states)[0].flow_receiver);
  CHECK((*states)[0].flow_balance == *ufix64::parse("0.07499999"));
  CHECK((*states)[0].tokens[0].vault);
  CHECK((*states)[0].tokens[0].receiver);
  CHECK_FALSE((*states)[0].tokens[0].balance_cap);
  CHECK_FALSE((*states)[0].tokens[0].healthy());
  CHECK_FALSE((*states)[1].key_valid);
  CHECK((*states)[1].tokens[0].healthy());
  CHECK_FALSE((*states)[2].exists);
  CHECK((*states)[2].storage_used == 1569);
}

TEST_CASE("a report of the wrong size or shape is refused") {
  auto answer = report(uint8s({7}), fixes({"1.0"}), uint8s({7}));
  CHECK_FALSE(parse_wallet_states(answer, 2, 1));
  CHECK_FALSE(parse_wallet_states(answer, 1, 2));
  CHECK_FALSE(parse_wallet_states(cvalue::make_string("x"), 1, 1));
  auto wrong_type = report(uint8s({7}), uint8s({1}), uint8s({7}));
  auto res = parse_wallet_states(wrong_type, 1, 1);
  REQUIRE_FALSE(res);
  CHECK(res.error().code == ec::parse_error);
}

TEST_CASE("created addresses come in the order of the events") {
  tx_result result;
  result.status = tx_status::sealed;
  auto event = [](const char* addr) {
    flow_event e;
    e.type = "flow.AccountCreated";
    e.payload = cvalue::make_composite(
      "Event", "flow.AccountCreated",
      {{"address", cvalue::make_address(*address::parse(addr))}});
    return e;
  };
  result.events.push_back(event("0x179b6b1cb6755e31"));
  flow_event other;
  other.type = "A.0ae53cb6e3f42a79.FlowToken.TokensDeposited";
  result.events.push_back(other);
  result.events.push_back(event("0x01cf0e2f2f715450"));
  auto addrs = created_addresses(result);
  REQUIRE(addrs);
  REQUIRE(addrs->size() == 2);
  CHECK((*addrs)[0].hex() == "179b6b1cb6755e31");
  CHECK((*addrs)[1].hex() == "01cf0e2f2f715450");
}

TEST_CASE("a service transaction is signed by the proposal key and the "
          "payer, and the signatures verify") {
  auto key = *private_key::generate(sig_algo::ecdsa_p256);
  auto service = *address::parse("f8d6e0586b0a20c7");
  tx_request request;
  request.script = "transaction { prepare(s: &Account) {} }";
  request.arguments =
    top_up_arguments({*address::parse("0x1")}, *ufix64::parse("0.1"));
  request.proposer = {service, 2, &key, hash_algo::sha3_256};
  request.sequence_number = 7;
  request.payer = {service, 0, &key, hash_algo::sha3_256};
  request.authorizers.push_back(request.payer);
  block_header ref{std::string(64, 'a'), 10};
  auto tx = sign_transaction(request, ref);
  REQUIRE(tx);
  REQUIRE(tx->payload_signatures.size() == 1);
  REQUIRE(tx->envelope_signatures.size() == 1);
  CHECK(tx->payload_signatures[0].key_index == 2);
  CHECK(tx->envelope_signatures[0].key_index == 0);
  CHECK(verify_signature(sig_algo::ecdsa_p256, key.public_key(),
                         hash_algo::sha3_256, tx->payload_message(),
                         tx->payload_signatures[0].signature));
  CHECK(verify_signature(sig_algo::ecdsa_p256, key.public_key(),
                         hash_algo::sha3_256, tx->envelope_message(),
                         tx->envelope_signatures[0].signature));
  CHECK(tx->proposer.sequence_number == 7);
  CHECK(tx->id_hex().size() == 64);
}

TEST_CASE("a vault repair carries the user's payload signature") {
  auto service_key = *private_key::generate(sig_algo::ecdsa_p256);
  auto user_key = *private_key::generate(sig_algo::ecdsa_p256);
  auto service = *address::parse("f8d6e0586b0a20c7");
  auto user = *address::parse("01cf0e2f2f715450");
  tx_request request;
  request.script = "transaction { prepare(u: &Account) {} }";
  request.arguments =
    setup_vault_arguments({{"BaitCoin", *address::parse("179b6b1cb6755e31")}});
  request.proposer = {service, 1, &service_key, hash_algo::sha3_256};
  request.payer = {service, 0, &service_key, hash_algo::sha3_256};
  request.authorizers.push_back({user, 0, &user_key, hash_algo::sha3_256});
  auto tx = sign_transaction(request, {std::string(64, 'b'), 1});
  REQUIRE(tx);
  REQUIRE(tx->payload_signatures.size() == 2);
  auto user_signed = false;
  for (const auto& sig : tx->payload_signatures)
    if (sig.addr == user)
      user_signed = verify_signature(sig_algo::ecdsa_p256,
                                     user_key.public_key(), hash_algo::sha3_256,
                                     tx->payload_message(), sig.signature);
  CHECK(user_signed);
}

TEST_CASE("a malformed reference block is refused before signing") {
  auto key = *private_key::generate(sig_algo::ecdsa_p256);
  tx_request request;
  request.script = "transaction {}";
  request.proposer = {*address::parse("0x1"), 0, &key, hash_algo::sha3_256};
  request.payer = request.proposer;
  CHECK_FALSE(sign_transaction(request, {"abc", 1}));
}
