#include "adapters/bytes.hpp"
#include "adapters/wallet_scripts.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

namespace {

cvalue token(bool vault, bool receiver, bool balance_cap) {
  return cvalue::make_composite(
    "Struct", "s.0.TokenState",
    {{"vault", cvalue::make_bool(vault)},
     {"receiver", cvalue::make_bool(receiver)},
     {"balanceCap", cvalue::make_bool(balance_cap)},
     {"balance", cvalue::make_ufix64(*ufix64::parse("1.5"))}});
}

cvalue wallet(const char* addr, bool key_valid, const char* balance) {
  return cvalue::make_composite(
    "Struct", "s.0.WalletState",
    {{"address", cvalue::make_address(*address::parse(addr))},
     {"exists", cvalue::make_bool(true)},
     {"keyValid", cvalue::make_bool(key_valid)},
     {"flowBalance", cvalue::make_ufix64(*ufix64::parse(balance))},
     {"availableBalance", cvalue::make_ufix64(*ufix64::parse(balance))},
     {"storageUsed", cvalue::make_uint64(1000)},
     {"storageCapacity", cvalue::make_uint64(100000)},
     {"flowReceiver", cvalue::make_bool(true)},
     {"tokens", cvalue::make_array({token(true, true, false)})},
     {"somethingNew", cvalue::make_string("ignored")}});
}

} // namespace

TEST_CASE("the state script's answer is read wallet by wallet") {
  auto answer =
    cvalue::make_array({wallet("01cf0e2f2f715450", true, "0.07499999"),
                        wallet("179b6b1cb6755e31", false, "1.0")});
  auto states = parse_wallet_states(answer, 2, 1);
  REQUIRE(states);
  CHECK((*states)[0].addr.hex() == "01cf0e2f2f715450");
  CHECK((*states)[0].key_valid);
  CHECK((*states)[0].flow_balance == *ufix64::parse("0.07499999"));
  CHECK((*states)[0].tokens[0].vault);
  CHECK_FALSE((*states)[0].tokens[0].healthy());
  CHECK_FALSE((*states)[1].key_valid);
  CHECK((*states)[1].storage_capacity == 100000);
}

TEST_CASE("an answer of the wrong size or shape is refused") {
  auto answer = cvalue::make_array({wallet("01cf0e2f2f715450", true, "1.0")});
  CHECK_FALSE(parse_wallet_states(answer, 2, 1));
  CHECK_FALSE(parse_wallet_states(answer, 1, 2));
  CHECK_FALSE(parse_wallet_states(cvalue::make_string("x"), 1, 1));
  auto partial = cvalue::make_array({cvalue::make_composite(
    "Struct", "s.0.WalletState",
    {{"address", cvalue::make_address(*address::parse("0x1"))}})});
  auto res = parse_wallet_states(partial, 1, 1);
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
