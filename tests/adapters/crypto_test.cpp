#include "adapters/crypto.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

namespace {

constexpr std::string_view p256_order =
  "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

constexpr std::string_view secp256k1_order =
  "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

bytes unhex(std::string_view text) {
  auto out = from_hex(text);
  REQUIRE(out);
  return *out;
}

private_key key_from(std::string_view hex, sig_algo algo) {
  auto key = private_key::from_hex(secret{std::string{hex}}, algo);
  REQUIRE_MESSAGE(key, key.error().message);
  return *key;
}

/// `n - s` in place of s: the other signature that is just as valid.
bytes flip_s(const bytes& signature, std::string_view order_hex) {
  auto order = unhex(order_hex);
  bytes out = signature;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int diff = order[i] - signature[32 + i] - borrow;
    borrow = diff < 0 ? 1 : 0;
    out[32 + i] = static_cast<uint8_t>(diff + (borrow ? 256 : 0));
  }
  return out;
}

} // namespace

TEST_CASE("algorithm names are Flow's and parse in any case") {
  CHECK(std::string{to_string(sig_algo::ecdsa_p256)} == "ECDSA_P256");
  CHECK(std::string{to_string(sig_algo::ecdsa_secp256k1)} == "ECDSA_secp256k1");
  CHECK(std::string{to_string(hash_algo::sha2_256)} == "SHA2_256");
  CHECK(std::string{to_string(hash_algo::sha3_256)} == "SHA3_256");

  CHECK(*parse_sig_algo("ECDSA_P256") == sig_algo::ecdsa_p256);
  CHECK(*parse_sig_algo("ecdsa_p256") == sig_algo::ecdsa_p256);
  CHECK(*parse_sig_algo("ECDSA_secp256k1") == sig_algo::ecdsa_secp256k1);
  CHECK(*parse_sig_algo("ECDSA_SECP256K1") == sig_algo::ecdsa_secp256k1);
  CHECK(*parse_hash_algo("SHA3_256") == hash_algo::sha3_256);
  CHECK(*parse_hash_algo("sha2_256") == hash_algo::sha2_256);
}

TEST_CASE("unknown algorithm names are rejected") {
  for (auto text : {"", "P256", "ECDSA_P384", "BLS_BLS12_381", "ECDSA_P256 "}) {
    auto sig = parse_sig_algo(text);
    REQUIRE_FALSE(sig);
    CHECK(sig.error().code == ec::invalid_input);
  }
  for (auto text : {"", "SHA3-256", "KECCAK_256", "SHA2_384"}) {
    auto hash = parse_hash_algo(text);
    REQUIRE_FALSE(hash);
    CHECK(hash.error().code == ec::invalid_input);
  }
}

TEST_CASE("hashes match the FIPS 180-4 and FIPS 202 examples") {
  auto abc = to_bytes("abc");
  CHECK(to_hex(sha2_256(abc))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha3_256(abc))
        == "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  CHECK(to_hex(sha3_256({}))
        == "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  CHECK(digest(hash_algo::sha2_256, abc) == sha2_256(abc));
  CHECK(digest(hash_algo::sha3_256, abc) == sha3_256(abc));
}

TEST_CASE("random bytes have the asked length and differ") {
  auto a = random_bytes(32);
  auto b = random_bytes(32);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->size() == 32);
  CHECK(*a != *b);
  CHECK(random_bytes(0)->empty());
}

// Vectors from onflow/crypto v0.27.2, ecdsa_test.go,
// TestECDSAPublicKeyComputation.
TEST_CASE("a known private key yields its known public key") {
  constexpr std::string_view scalar =
    "6e37a39c31a05181bf77919ace790efd0bdbcaf42b5a52871fc112fceb918c95";

  auto k1 = key_from(scalar, sig_algo::ecdsa_secp256k1);
  CHECK(k1.public_key_hex()
        == "36f292f6c287b6e72ca8128465647c7f88730f84ab27a1e934dbd2da753930fa"
           "39a09ddcf3d28fb30cc683de3fc725e095ec865c3d41aef6065044cb12b1ff61");

  auto p256 = key_from(scalar, sig_algo::ecdsa_p256);
  CHECK(p256.public_key_hex()
        == "78a80dfe190a6068be8ddf05644c32d2540402ffc682442f6a9eeb96125d8681"
           "3789f92cf4afabf719aaba79ecec54b27e33a188f83158f6dd15ecb231b49808");
  CHECK(p256.public_key().size() == 64);
  CHECK(p256.algo() == sig_algo::ecdsa_p256);
  CHECK(k1.algo() == sig_algo::ecdsa_secp256k1);
}

// RFC 6979, A.2.5 (P-256, SHA-256, message "sample"), as repeated in Go's
// crypto/ecdsa/ecdsa_test.go (TestRFC6979). OpenSSL 3.0 signs with random
// nonces, so the signature is checked by verification.
TEST_CASE("the RFC 6979 P-256 key and signature check out") {
  auto key =
    key_from("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
             sig_algo::ecdsa_p256);
  CHECK(key.public_key_hex()
        == "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
           "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
  auto signature =
    unhex("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
          "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
  CHECK(verify_signature(sig_algo::ecdsa_p256, key.public_key(),
                         hash_algo::sha2_256, to_bytes("sample"), signature));
  CHECK_FALSE(verify_signature(sig_algo::ecdsa_p256, key.public_key(),
                               hash_algo::sha2_256, to_bytes("samplf"),
                               signature));
  CHECK_FALSE(verify_signature(sig_algo::ecdsa_p256, key.public_key(),
                               hash_algo::sha3_256, to_bytes("sample"),
                               signature));
}

// Vectors from onflow/crypto v0.27.2, ecdsa_test.go,
// TestECDSASecp256k1DeterministicSigning: RFC 6979 nonces, low S. Flow's
// implementation and libsecp256k1 both sign that way, so the bytes match.
TEST_CASE("secp256k1 signatures match Flow's deterministic vectors") {
  struct vector {
    std::string_view scalar;
    std::string_view message;
    std::string_view signature;
  };
  vector vectors[] = {
    {"0000000000000000000000000000000000000000000000000000000000000001",
     "Satoshi Nakamoto",
     "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
     "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"},
    {"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
     "Satoshi Nakamoto",
     "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0"
     "6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5"},
    {"f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181",
     "Alan Turing",
     "7063ae83e7f62bbb171798131b4a0564b956930092b33b07b395615d9ec7e15c"
     "58dfcc1e00a35e1572f366ffe34ba0fc47db1e7189759b9fb233c5b05ab388ea"},
  };
  for (const auto& v : vectors) {
    auto key = key_from(v.scalar, sig_algo::ecdsa_secp256k1);
    auto sig = key.sign(to_bytes(v.message), hash_algo::sha2_256);
    REQUIRE(sig);
    CHECK(to_hex(*sig) == v.signature);
    CHECK(verify_signature(sig_algo::ecdsa_secp256k1, key.public_key(),
                           hash_algo::sha2_256, to_bytes(v.message), *sig));
  }
}

TEST_CASE("signatures round trip for every curve and hash") {
  auto message = to_bytes("flowsync signs this");
  for (auto algo : {sig_algo::ecdsa_p256, sig_algo::ecdsa_secp256k1}) {
    for (auto hash : {hash_algo::sha2_256, hash_algo::sha3_256}) {
      CAPTURE(to_string(algo));
      CAPTURE(to_string(hash));
      auto key = private_key::generate(algo);
      REQUIRE(key);
      auto sig = key->sign(message, hash);
      REQUIRE(sig);
      CHECK(sig->size() == 64);
      CHECK(verify_signature(algo, key->public_key(), hash, message, *sig));

      auto other_hash =
        hash == hash_algo::sha2_256 ? hash_algo::sha3_256 : hash_algo::sha2_256;
      CHECK_FALSE(
        verify_signature(algo, key->public_key(), other_hash, message, *sig));

      auto tampered_message = message;
      tampered_message.back() ^= 0x01;
      CHECK_FALSE(verify_signature(algo, key->public_key(), hash,
                                   tampered_message, *sig));

      auto tampered_sig = *sig;
      tampered_sig[10] ^= 0x01;
      CHECK_FALSE(
        verify_signature(algo, key->public_key(), hash, message, tampered_sig));
      tampered_sig = *sig;
      tampered_sig[50] ^= 0x80;
      CHECK_FALSE(
        verify_signature(algo, key->public_key(), hash, message, tampered_sig));

      auto stranger = private_key::generate(algo);
      REQUIRE(stranger);
      CHECK_FALSE(
        verify_signature(algo, stranger->public_key(), hash, message, *sig));

      auto short_sig = *sig;
      short_sig.pop_back();
      CHECK_FALSE(
        verify_signature(algo, key->public_key(), hash, message, short_sig));
      CHECK_FALSE(
        verify_signature(algo, key->public_key(), hash, message, bytes(64, 0)));
    }
  }
}

TEST_CASE("a key of one curve does not verify on the other") {
  auto message = to_bytes("cross-curve");
  auto key = private_key::generate(sig_algo::ecdsa_p256);
  REQUIRE(key);
  auto sig = key->sign(message, hash_algo::sha3_256);
  REQUIRE(sig);
  CHECK_FALSE(verify_signature(sig_algo::ecdsa_secp256k1, key->public_key(),
                               hash_algo::sha3_256, message, *sig));
}

TEST_CASE("signatures with the high S value verify as Flow accepts them") {
  auto message = to_bytes("malleable");
  auto k1 = private_key::generate(sig_algo::ecdsa_secp256k1);
  auto p256 = private_key::generate(sig_algo::ecdsa_p256);
  REQUIRE(k1);
  REQUIRE(p256);
  auto sig_k1 = k1->sign(message, hash_algo::sha3_256);
  auto sig_p256 = p256->sign(message, hash_algo::sha3_256);
  REQUIRE(sig_k1);
  REQUIRE(sig_p256);

  auto flipped_k1 = flip_s(*sig_k1, secp256k1_order);
  auto flipped_p256 = flip_s(*sig_p256, p256_order);
  CHECK(flipped_k1 != *sig_k1);
  CHECK(verify_signature(sig_algo::ecdsa_secp256k1, k1->public_key(),
                         hash_algo::sha3_256, message, flipped_k1));
  CHECK(verify_signature(sig_algo::ecdsa_p256, p256->public_key(),
                         hash_algo::sha3_256, message, flipped_p256));
}

TEST_CASE("private keys print as 64 hex digits and parse back") {
  for (auto algo : {sig_algo::ecdsa_p256, sig_algo::ecdsa_secp256k1}) {
    auto key = private_key::generate(algo);
    REQUIRE(key);
    auto hex = key->to_hex();
    CHECK(hex.reveal().size() == 64);
    auto again = private_key::from_hex(hex, algo);
    REQUIRE(again);
    CHECK(again->public_key() == key->public_key());
    CHECK(again->to_hex() == hex);

    auto prefixed = private_key::from_hex(secret{"0x" + hex.reveal()}, algo);
    REQUIRE(prefixed);
    CHECK(prefixed->public_key() == key->public_key());
  }
}

TEST_CASE("two generated keys differ") {
  auto a = private_key::generate(sig_algo::ecdsa_p256);
  auto b = private_key::generate(sig_algo::ecdsa_p256);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->public_key() != b->public_key());
}

TEST_CASE("malformed private keys are rejected without echoing them") {
  std::string valid(64, 'a');
  std::string cases[] = {
    "",
    valid.substr(1),
    valid + "aa",
    "zz" + valid.substr(2),
    valid.substr(2) + " a",
  };
  for (const auto& text : cases) {
    for (auto algo : {sig_algo::ecdsa_p256, sig_algo::ecdsa_secp256k1}) {
      auto key = private_key::from_hex(secret{text}, algo);
      REQUIRE_FALSE(key);
      CHECK(key.error().code == ec::invalid_input);
      if (!text.empty())
        CHECK(key.error().message.find(text) == std::string::npos);
    }
  }
}

TEST_CASE("a zero or out-of-range scalar is rejected") {
  std::string zero(64, '0');
  for (auto algo : {sig_algo::ecdsa_p256, sig_algo::ecdsa_secp256k1}) {
    auto key = private_key::from_hex(secret{zero}, algo);
    REQUIRE_FALSE(key);
    CHECK(key.error().code == ec::invalid_input);
    CHECK_FALSE(private_key::from_hex(secret{std::string(64, 'f')}, algo));
  }
  CHECK_FALSE(private_key::from_hex(secret{std::string{p256_order}},
                                    sig_algo::ecdsa_p256));
  CHECK(private_key::from_hex(
    secret{"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"},
    sig_algo::ecdsa_p256));
  CHECK_FALSE(private_key::from_hex(secret{std::string{secp256k1_order}},
                                    sig_algo::ecdsa_secp256k1));
  CHECK(private_key::from_hex(
    secret{"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"},
    sig_algo::ecdsa_secp256k1));
  // The P-256 order is below secp256k1's: a valid secp256k1 scalar, while
  // the secp256k1 order is too large for P-256.
  CHECK_FALSE(private_key::from_hex(secret{std::string{secp256k1_order}},
                                    sig_algo::ecdsa_p256));
  CHECK(private_key::from_hex(secret{std::string{p256_order}},
                              sig_algo::ecdsa_secp256k1));
}

TEST_CASE("an empty private key refuses to sign") {
  private_key empty;
  CHECK(empty.public_key().empty());
  CHECK(empty.to_hex().empty());
  auto sig = empty.sign(to_bytes("x"), hash_algo::sha3_256);
  REQUIRE_FALSE(sig);
  CHECK(sig.error().code == ec::crypto);
}

TEST_CASE("public keys are checked to be points on the curve") {
  for (auto algo : {sig_algo::ecdsa_p256, sig_algo::ecdsa_secp256k1}) {
    auto key = private_key::generate(algo);
    REQUIRE(key);
    auto hex = key->public_key_hex();
    CHECK(is_valid_public_key(algo, hex));

    auto upper = hex;
    for (auto& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(is_valid_public_key(algo, upper));

    auto off_curve = hex;
    off_curve.back() = off_curve.back() == '0' ? '1' : '0';
    CHECK_FALSE(is_valid_public_key(algo, off_curve));
    CHECK_FALSE(is_valid_public_key(algo, hex.substr(2)));
    CHECK_FALSE(is_valid_public_key(algo, "04" + hex));
    CHECK_FALSE(is_valid_public_key(algo, "0x" + hex));
    CHECK_FALSE(is_valid_public_key(algo, std::string(128, '0')));
    CHECK_FALSE(is_valid_public_key(algo, "zz" + hex.substr(2)));
    CHECK_FALSE(is_valid_public_key(algo, ""));
  }
}

// Points whose coordinates are not reduced modulo p, from onflow/crypto
// v0.27.2, ecdsa_test.go ("public key with non-reduced coordinates").
TEST_CASE("public keys with coordinates not reduced modulo p are invalid") {
  CHECK_FALSE(is_valid_public_key(
    sig_algo::ecdsa_secp256k1,
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F"
    "0000000000000000000000000000000000000000000000000000000000000000"));
  CHECK_FALSE(is_valid_public_key(
    sig_algo::ecdsa_p256,
    "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF"
    "0000000000000000000000000000000000000000000000000000000000000000"));
  CHECK_FALSE(is_valid_public_key(
    sig_algo::ecdsa_secp256k1,
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30"
    "4218f20ae6c646b363db68605822fb14264ca8d2587fdd6fbc750d587e76a7ee"));
}
