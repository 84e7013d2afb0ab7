#include "adapters/cadence_json.hpp"
#include "adapters/rlp.hpp"
#include "adapters/transaction.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

using namespace flowsync;

// The encodings below are the vectors of flow-go-sdk v1.10.9,
// transaction_test.go, TestTransaction_RLPMessages (shared with the
// JavaScript SDK's encode tests). The SDK's PayloadMessage and
// EnvelopeMessage are the RLP without the domain tag, i.e. our payload_rlp
// and envelope_rlp. The ids were computed by running flow-go-sdk v1.10.9
// (Transaction.ID) on the same transactions.

namespace {

constexpr std::string_view vector_sig =
  "f7225388c1d69d57e6251c9fda50cbbf9e05131e5adb81e5aa0422402f048162";

constexpr std::string_view script_hex =
  "b07472616e73616374696f6e207b2065786563757465207b206c6f672822"
  "48656c6c6f2c20576f726c64212229207d207d";

constexpr std::string_view block_hex =
  "a0f0e4c2f76c58916ec258f246851bea091d14d4247a2fc3e18694461b1816e13b";

constexpr std::string_view signatures_hex =
  "e4e38004a0f7225388c1d69d57e6251c9fda50cbbf9e05131e5adb81e5aa0422402f"
  "048162";

bytes unhex(std::string_view text) {
  auto out = from_hex(text);
  REQUIRE(out);
  return *out;
}

address addr(std::string_view text) {
  auto out = address::parse(text);
  REQUIRE(out);
  return *out;
}

/// flow-go-sdk's baseTx(): 0x01 proposes (key 4, sequence 10), pays and
/// authorizes; one payload signature by key 4.
transaction base_tx() {
  transaction tx;
  tx.script = R"(transaction { execute { log("Hello, World!") } })";
  tx.reference_block_id =
    unhex("f0e4c2f76c58916ec258f246851bea091d14d4247a2fc3e18694461b1816e13b");
  tx.gas_limit = 42;
  tx.proposer = {addr("01"), 4, 10};
  tx.payer = addr("01");
  tx.authorizers = {addr("01")};
  tx.payload_signatures = {{addr("01"), 4, unhex(vector_sig)}};
  return tx;
}

std::string str(std::string_view x) {
  return std::string{x};
}

std::string tail_after_block(std::string_view gas = "2a",
                             std::string_view key = "04",
                             std::string_view sequence = "0a",
                             std::string_view auths = "c9880000000000000001") {
  return str(gas) + "880000000000000001" + str(key) + str(sequence)
         + "880000000000000001" + str(auths);
}

private_key new_key(sig_algo algo = sig_algo::ecdsa_p256) {
  auto key = private_key::generate(algo);
  REQUIRE(key);
  return *key;
}

const rapidjson::Value& get(const rapidjson::Value& object, const char* key) {
  REQUIRE_MESSAGE(object.HasMember(key), "missing ", key);
  return object[key];
}

std::string text_of(const rapidjson::Value& object, const char* key) {
  const auto& value = get(object, key);
  REQUIRE_MESSAGE(value.IsString(), key, " is not a string");
  return value.GetString();
}

} // namespace

TEST_CASE("a complete transaction encodes as flow-go-sdk encodes it") {
  auto tx = base_tx();
  auto payload =
    "f872" + str(script_hex) + "c0" + str(block_hex) + tail_after_block();
  CHECK(to_hex(tx.payload_rlp()) == payload);
  CHECK(to_hex(tx.envelope_rlp()) == "f899" + payload + str(signatures_hex));
  CHECK(tx.id_hex()
        == "118d6462f1c4182501d56f04a0cd23cf685283194bb316dceeb215b353120b2b");
}

TEST_CASE("envelope signatures change the id but not the envelope") {
  auto tx = base_tx();
  auto envelope = tx.envelope_rlp();
  tx.envelope_signatures = {{addr("01"), 4, unhex(vector_sig)}};
  CHECK(tx.envelope_rlp() == envelope);
  CHECK(tx.id_hex()
        == "363172029cc6bfc5df3f99e84393e82b6c11e2a920c0e8c3229d077ae8bc31f7");
}

TEST_CASE("payload field variants encode as flow-go-sdk encodes them") {
  SUBCASE("empty script") {
    auto tx = base_tx();
    tx.script.clear();
    auto payload = "f84280c0" + str(block_hex) + tail_after_block();
    CHECK(to_hex(tx.payload_rlp()) == payload);
    CHECK(to_hex(tx.envelope_rlp()) == "f869" + payload + str(signatures_hex));
  }
  SUBCASE("empty reference block, explicit or unset") {
    auto tx = base_tx();
    tx.reference_block_id = bytes(32, 0);
    auto payload = "f872" + str(script_hex) + "c0a0" + std::string(64, '0')
                   + tail_after_block();
    CHECK(to_hex(tx.payload_rlp()) == payload);
    tx.reference_block_id.clear();
    CHECK(to_hex(tx.payload_rlp()) == payload);
  }
  SUBCASE("zero gas limit") {
    auto tx = base_tx();
    tx.gas_limit = 0;
    CHECK(to_hex(tx.payload_rlp())
          == "f872" + str(script_hex) + "c0" + str(block_hex)
               + tail_after_block("80"));
  }
  SUBCASE("proposal key index zero") {
    auto tx = base_tx();
    tx.proposer.key_index = 0;
    CHECK(to_hex(tx.payload_rlp())
          == "f872" + str(script_hex) + "c0" + str(block_hex)
               + tail_after_block("2a", "80"));
  }
  SUBCASE("sequence number zero") {
    auto tx = base_tx();
    tx.proposer.sequence_number = 0;
    CHECK(to_hex(tx.payload_rlp())
          == "f872" + str(script_hex) + "c0" + str(block_hex)
               + tail_after_block("2a", "04", "80"));
  }
  SUBCASE("two authorizers") {
    auto tx = base_tx();
    tx.authorizers.push_back(addr("02"));
    auto payload = "f87b" + str(script_hex) + "c0" + str(block_hex)
                   + tail_after_block("2a", "04", "0a",
                                      "d2880000000000000001880000000000000002");
    CHECK(to_hex(tx.payload_rlp()) == payload);
    CHECK(to_hex(tx.envelope_rlp()) == "f8a2" + payload + str(signatures_hex));
    CHECK(
      tx.id_hex()
      == "6c4b45769cabadf30a103693195845ae633907f701cdcfa775bb830b6c80cb5b");
  }
}

TEST_CASE("arguments from our JSON-Cadence encoder match the SDK's bytes") {
  auto tx = base_tx();
  tx.arguments = {encode_cadence_json(cvalue::make_string("foo"))};
  auto foo = "9f" + to_hex(to_bytes(R"({"value":"foo","type":"String"})"));
  CHECK(to_hex(tx.payload_rlp())
        == "f892" + str(script_hex) + "e0" + foo + str(block_hex)
             + tail_after_block());

  tx.arguments.push_back(
    encode_cadence_json(cvalue::make_integer("Int", "42")));
  auto forty_two = "9b" + to_hex(to_bytes(R"({"value":"42","type":"Int"})"));
  auto payload = "f8af" + str(script_hex) + "f83c" + foo + forty_two
                 + str(block_hex) + tail_after_block();
  CHECK(to_hex(tx.payload_rlp()) == payload);
  CHECK(to_hex(tx.envelope_rlp()) == "f8d6" + payload + str(signatures_hex));
}

TEST_CASE("signature lists carry signer and key indices in Flow's order") {
  // The full encoding from flow-go-sdk v1.10.9 (Transaction.Encode) of
  // baseTx() + authorizer 0x02 + a payload signature by 0x02 key 1 + an
  // envelope signature by 0x01 key 0.
  auto tx = base_tx();
  tx.authorizers.push_back(addr("02"));
  tx.payload_signatures.push_back({addr("02"), 1, unhex(vector_sig)});
  tx.envelope_signatures = {{addr("01"), 0, unhex(vector_sig)}};
  CHECK(tx.id_hex()
        == "0fa7f8e2f16a751f20734ce8943c17752e01379a75ab196b28708db18b92b750");
}

TEST_CASE("signed messages start with the padded transaction domain tag") {
  auto tx = base_tx();
  auto tag = to_hex(to_bytes("FLOW-V0.0-transaction")) + std::string(22, '0');
  CHECK(to_hex(tx.payload_message()) == tag + to_hex(tx.payload_rlp()));
  CHECK(to_hex(tx.envelope_message()) == tag + to_hex(tx.envelope_rlp()));
}

TEST_CASE("the id is the SHA3-256 of payload and both signature lists") {
  auto tx = base_tx();
  tx.envelope_signatures = {{addr("01"), 4, unhex(vector_sig)}};
  auto signatures = unhex(signatures_hex);
  bytes full = {0xf8, 0xbe};
  auto payload = tx.payload_rlp();
  full.insert(full.end(), payload.begin(), payload.end());
  full.insert(full.end(), signatures.begin(), signatures.end());
  full.insert(full.end(), signatures.begin(), signatures.end());
  CHECK(tx.id() == sha3_256(full));
  CHECK(tx.id_hex().size() == 64);
}

TEST_CASE("one account proposing, paying and authorizing signs with two keys") {
  // Key 0 is the full-weight key that pays; key 3 a proposal-only key that
  // signs the payload, as each worker's own proposal key does.
  auto account = addr("f8d6e0586b0a20c7");
  auto key = new_key();
  transaction tx;
  tx.script = "transaction { prepare(signer: &Account) {} }";
  tx.reference_block_id = bytes(32, 0x11);
  tx.proposer = {account, 3, 17};
  tx.payer = account;
  tx.authorizers = {account};

  REQUIRE(tx.sign_payload(account, 3, key, hash_algo::sha3_256));
  REQUIRE(tx.sign_envelope(account, 0, key, hash_algo::sha3_256));

  REQUIRE(tx.payload_signatures.size() == 1);
  REQUIRE(tx.envelope_signatures.size() == 1);
  CHECK(tx.payload_signatures[0].key_index == 3);
  CHECK(tx.envelope_signatures[0].key_index == 0);
  CHECK(verify_signature(sig_algo::ecdsa_p256, key.public_key(),
                         hash_algo::sha3_256, tx.payload_message(),
                         tx.payload_signatures[0].signature));
  CHECK(verify_signature(sig_algo::ecdsa_p256, key.public_key(),
                         hash_algo::sha3_256, tx.envelope_message(),
                         tx.envelope_signatures[0].signature));

  // Both signatures name signer 0: the only signer.
  auto sig_list = [](uint8_t key_index, const bytes& sig) {
    return rlp_list(
      {rlp_list({rlp_uint(0), rlp_uint(key_index), rlp_string(sig)})});
  };
  auto full =
    rlp_list({tx.payload_rlp(), sig_list(3, tx.payload_signatures[0].signature),
              sig_list(0, tx.envelope_signatures[0].signature)});
  CHECK(tx.id() == sha3_256(full));
}

TEST_CASE("payload signatures sort by signer index, then key index") {
  auto proposer = addr("0a");
  auto payer = addr("0b");
  auto user = addr("0c");
  auto key = new_key(sig_algo::ecdsa_secp256k1);
  transaction tx;
  tx.script = "transaction {}";
  tx.reference_block_id = bytes(32, 0x22);
  tx.proposer = {proposer, 2, 0};
  tx.payer = payer;
  tx.authorizers = {user, proposer};

  REQUIRE(tx.sign_payload(user, 0, key, hash_algo::sha2_256));
  REQUIRE(tx.sign_payload(proposer, 2, key, hash_algo::sha2_256));
  REQUIRE(tx.sign_payload(proposer, 1, key, hash_algo::sha2_256));
  REQUIRE(tx.sign_envelope(payer, 0, key, hash_algo::sha2_256));

  REQUIRE(tx.payload_signatures.size() == 3);
  CHECK(tx.payload_signatures[0].addr == proposer);
  CHECK(tx.payload_signatures[0].key_index == 1);
  CHECK(tx.payload_signatures[1].addr == proposer);
  CHECK(tx.payload_signatures[1].key_index == 2);
  CHECK(tx.payload_signatures[2].addr == user);

  // Signers: proposer 0, payer 1, user 2 (the proposer is not repeated).
  auto envelope = tx.envelope_rlp();
  auto expected_sigs =
    rlp_list({rlp_list({rlp_uint(0), rlp_uint(1),
                        rlp_string(tx.payload_signatures[0].signature)}),
              rlp_list({rlp_uint(0), rlp_uint(2),
                        rlp_string(tx.payload_signatures[1].signature)}),
              rlp_list({rlp_uint(2), rlp_uint(0),
                        rlp_string(tx.payload_signatures[2].signature)})});
  CHECK(envelope == rlp_list({tx.payload_rlp(), expected_sigs}));

  for (const auto& sig : tx.payload_signatures)
    CHECK(verify_signature(sig_algo::ecdsa_secp256k1, key.public_key(),
                           hash_algo::sha2_256, tx.payload_message(),
                           sig.signature));
  CHECK(verify_signature(sig_algo::ecdsa_secp256k1, key.public_key(),
                         hash_algo::sha2_256, tx.envelope_message(),
                         tx.envelope_signatures[0].signature));
}

TEST_CASE("signing again with the same key replaces the signature") {
  auto proposer = addr("0a");
  auto key = new_key();
  transaction tx;
  tx.script = "transaction {}";
  tx.reference_block_id = bytes(32, 0x33);
  tx.proposer = {proposer, 0, 0};
  tx.payer = addr("0b");
  REQUIRE(tx.sign_payload(proposer, 0, key, hash_algo::sha3_256));
  REQUIRE(tx.sign_payload(proposer, 0, key, hash_algo::sha3_256));
  CHECK(tx.payload_signatures.size() == 1);
}

TEST_CASE("signers outside their role are refused") {
  auto proposer = addr("0a");
  auto payer = addr("0b");
  auto stranger = addr("0d");
  auto key = new_key();
  transaction tx;
  tx.script = "transaction {}";
  tx.reference_block_id = bytes(32, 0x44);
  tx.proposer = {proposer, 0, 0};
  tx.payer = payer;

  auto outsider = tx.sign_payload(stranger, 0, key, hash_algo::sha3_256);
  REQUIRE_FALSE(outsider);
  CHECK(outsider.error().code == ec::invalid_input);
  auto not_payer = tx.sign_envelope(proposer, 0, key, hash_algo::sha3_256);
  REQUIRE_FALSE(not_payer);
  CHECK(not_payer.error().code == ec::invalid_input);
  CHECK(tx.payload_signatures.empty());
  CHECK(tx.envelope_signatures.empty());
}

TEST_CASE("a key does not sign both payload and envelope") {
  auto account = addr("0a");
  auto key = new_key();
  transaction tx;
  tx.script = "transaction {}";
  tx.reference_block_id = bytes(32, 0x55);
  tx.proposer = {account, 0, 0};
  tx.payer = account;
  REQUIRE(tx.sign_payload(account, 0, key, hash_algo::sha3_256));
  auto twice = tx.sign_envelope(account, 0, key, hash_algo::sha3_256);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ec::invalid_input);
}

TEST_CASE("payload signatures after the envelope signature are refused") {
  auto proposer = addr("0a");
  auto payer = addr("0b");
  auto key = new_key();
  transaction tx;
  tx.script = "transaction {}";
  tx.reference_block_id = bytes(32, 0x66);
  tx.proposer = {proposer, 0, 0};
  tx.payer = payer;
  REQUIRE(tx.sign_envelope(payer, 0, key, hash_algo::sha3_256));
  auto late = tx.sign_payload(proposer, 0, key, hash_algo::sha3_256);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == ec::invalid_input);
}

TEST_CASE("a transaction with an empty argument is not signed") {
  auto account = addr("0a");
  auto key = new_key();
  transaction tx;
  tx.script = "transaction(a: String) {}";
  tx.reference_block_id = bytes(32, 0x77);
  tx.proposer = {account, 0, 0};
  tx.payer = account;
  tx.arguments = {""};
  auto envelope = tx.sign_envelope(account, 0, key, hash_algo::sha3_256);
  REQUIRE_FALSE(envelope);
  CHECK(envelope.error().code == ec::invalid_input);
  tx.proposer.key_index = 1;
  auto payload = tx.sign_payload(account, 1, key, hash_algo::sha3_256);
  REQUIRE_FALSE(payload);
  CHECK(payload.error().code == ec::invalid_input);
  CHECK(tx.payload_signatures.empty());
  CHECK(tx.envelope_signatures.empty());
}

TEST_CASE("an empty key fails to sign and leaves no signature") {
  auto account = addr("0a");
  transaction tx;
  tx.script = "transaction {}";
  tx.proposer = {account, 0, 0};
  tx.payer = account;
  auto signed_ =
    tx.sign_envelope(account, 0, private_key{}, hash_algo::sha3_256);
  REQUIRE_FALSE(signed_);
  CHECK(signed_.error().code == ec::crypto);
  CHECK(tx.envelope_signatures.empty());
}

TEST_CASE("the REST body carries every field in Flow's REST format") {
  auto tx = base_tx();
  tx.authorizers.push_back(addr("02"));
  tx.arguments = {encode_cadence_json(cvalue::make_string("foo"))};
  tx.envelope_signatures = {{addr("01"), 0, unhex(vector_sig)}};

  rapidjson::Document doc;
  doc.Parse(tx.to_rest_json().c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());

  auto script = from_base64(text_of(doc, "script"));
  REQUIRE(script);
  CHECK(*script == to_bytes(tx.script));
  const auto& args = get(doc, "arguments");
  REQUIRE(args.IsArray());
  REQUIRE(args.Size() == 1);
  CHECK(*from_base64(args[0].GetString()) == to_bytes(tx.arguments[0]));
  CHECK(text_of(doc, "reference_block_id")
        == "f0e4c2f76c58916ec258f246851bea091d14d4247a2fc3e18694461b1816e13b");
  CHECK(text_of(doc, "gas_limit") == "42");
  CHECK(text_of(doc, "payer") == "0000000000000001");

  const auto& proposal = get(doc, "proposal_key");
  REQUIRE(proposal.IsObject());
  CHECK(text_of(proposal, "address") == "0000000000000001");
  CHECK(text_of(proposal, "key_index") == "4");
  CHECK(text_of(proposal, "sequence_number") == "10");

  const auto& auths = get(doc, "authorizers");
  REQUIRE(auths.IsArray());
  REQUIRE(auths.Size() == 2);
  CHECK(std::string{auths[0].GetString()} == "0000000000000001");
  CHECK(std::string{auths[1].GetString()} == "0000000000000002");

  for (auto name : {"payload_signatures", "envelope_signatures"}) {
    const auto& sigs = get(doc, name);
    REQUIRE(sigs.IsArray());
    REQUIRE(sigs.Size() == 1);
    CHECK(text_of(sigs[0], "address") == "0000000000000001");
    CHECK(*from_base64(text_of(sigs[0], "signature")) == unhex(vector_sig));
  }
  CHECK(text_of(doc["payload_signatures"][0], "key_index") == "4");
  CHECK(text_of(doc["envelope_signatures"][0], "key_index") == "0");
}

TEST_CASE("the REST body of an unsigned transaction has empty lists") {
  transaction tx;
  tx.script = "transaction {}";
  tx.proposer = {addr("0a"), 0, 18446744073709551615u};
  tx.payer = addr("0a");
  rapidjson::Document doc;
  doc.Parse(tx.to_rest_json().c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(get(doc, "arguments").Size() == 0);
  CHECK(get(doc, "authorizers").Size() == 0);
  CHECK(get(doc, "payload_signatures").Size() == 0);
  CHECK(get(doc, "envelope_signatures").Size() == 0);
  CHECK(text_of(doc, "gas_limit") == "9999");
  CHECK(text_of(get(doc, "proposal_key"), "sequence_number")
        == "18446744073709551615");
}
