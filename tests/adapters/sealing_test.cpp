#include "adapters/bytes.hpp"
#include "adapters/sealing.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

namespace {

const secret master_a{
  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"};

const secret master_b{
  "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"};

const secret user_key{
  "6e37a39c31a05181bf77919ace790efd0bdbcaf42b5a52871fc112fceb918c95"};

constexpr std::string_view user_1 = "3f2a6c1e-8d4b-4b7a-9c1d-0e5f6a7b8c9d";

constexpr std::string_view user_2 = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

sealer make_sealer(const secret& master) {
  auto out = sealer::from_master_key(master);
  REQUIRE(out);
  return *out;
}

} // namespace

TEST_CASE("a sealed key opens again with the same master key and user") {
  auto s = make_sealer(master_a);
  auto sealed = s.seal(user_key, user_1);
  REQUIRE(sealed);
  CHECK(sealed->rfind("fsk1:", 0) == 0);
  CHECK(sealed->find(user_key.reveal()) == std::string::npos);

  auto opened = s.open(*sealed, user_1);
  REQUIRE(opened);
  CHECK(*opened == user_key);
}

TEST_CASE("the sealed text holds nonce, ciphertext and tag") {
  auto s = make_sealer(master_a);
  auto sealed = s.seal(user_key, user_1);
  REQUIRE(sealed);
  auto raw = from_base64(std::string_view{*sealed}.substr(5));
  REQUIRE(raw);
  CHECK(raw->size() == 12 + user_key.reveal().size() + 16);
}

TEST_CASE("a key sealed for one user does not open for another") {
  auto s = make_sealer(master_a);
  auto sealed = s.seal(user_key, user_1);
  REQUIRE(sealed);
  auto opened = s.open(*sealed, user_2);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ec::crypto);
  CHECK_FALSE(s.open(*sealed, ""));
}

TEST_CASE("a key sealed under one master key does not open under another") {
  auto sealed = make_sealer(master_a).seal(user_key, user_1);
  REQUIRE(sealed);
  auto opened = make_sealer(master_b).open(*sealed, user_1);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ec::crypto);
}

TEST_CASE("two seals of the same key differ and both open") {
  auto s = make_sealer(master_a);
  auto first = s.seal(user_key, user_1);
  auto second = s.seal(user_key, user_1);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*first != *second);
  CHECK(*s.open(*first, user_1) == user_key);
  CHECK(*s.open(*second, user_1) == user_key);
}

TEST_CASE("tampered sealed text is rejected") {
  auto s = make_sealer(master_a);
  auto sealed = s.seal(user_key, user_1);
  REQUIRE(sealed);
  auto raw = *from_base64(std::string_view{*sealed}.substr(5));

  // Flip one bit in the nonce, the ciphertext and the tag in turn.
  for (size_t at : {size_t{0}, size_t{20}, raw.size() - 1}) {
    auto changed = raw;
    changed[at] ^= 0x01;
    auto opened = s.open("fsk1:" + to_base64(changed), user_1);
    CHECK_FALSE(opened);
    if (!opened)
      CHECK(opened.error().code == ec::crypto);
  }
}

TEST_CASE("truncated or foreign sealed text is rejected") {
  auto s = make_sealer(master_a);
  auto sealed = s.seal(user_key, user_1);
  REQUIRE(sealed);
  auto raw = *from_base64(std::string_view{*sealed}.substr(5));

  std::string cases[] = {
    "",
    "fsk1:",
    "fsk1:" + to_base64(bytes(raw.begin(), raw.begin() + 27)),
    "fsk1:" + to_base64(bytes(raw.begin(), raw.end() - 1)),
    sealed->substr(0, sealed->size() - 4),
    sealed->substr(5),
    "fsk2:" + sealed->substr(5),
    "fsk1:***not base64***",
    user_key.reveal(),
  };
  for (const auto& text : cases) {
    auto opened = s.open(text, user_1);
    CHECK_FALSE(opened);
    if (!opened)
      CHECK(opened.error().code == ec::crypto);
  }
}

TEST_CASE("an empty plaintext seals and opens") {
  auto s = make_sealer(master_a);
  auto sealed = s.seal(secret{}, user_1);
  REQUIRE(sealed);
  auto opened = s.open(*sealed, user_1);
  REQUIRE(opened);
  CHECK(opened->empty());
}

TEST_CASE("a bad master key fails with a hint on how to make one") {
  std::string valid = master_a.reveal();
  std::string cases[] = {
    "",
    valid.substr(2),
    valid + "00",
    "zz" + valid.substr(2),
    "0x" + valid.substr(2),
    std::string(32, 'a'),
  };
  for (const auto& text : cases) {
    auto made = sealer::from_master_key(secret{text});
    REQUIRE_FALSE(made);
    CHECK(made.error().code == ec::config);
    CHECK(made.error().message.find("openssl rand -hex 32")
          != std::string::npos);
    if (!text.empty())
      CHECK(made.error().message.find(text) == std::string::npos);
  }
  CHECK(sealer::from_master_key(secret{"0123456789ABCDEF0123456789abcdef"
                                       "0123456789ABCDEF0123456789abcdef"}));
}

TEST_CASE("a sealer without a master key refuses to work") {
  sealer none;
  auto sealed = none.seal(user_key, user_1);
  REQUIRE_FALSE(sealed);
  CHECK(sealed.error().code == ec::config);
  auto good = make_sealer(master_a).seal(user_key, user_1);
  REQUIRE(good);
  auto opened = none.open(*good, user_1);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ec::config);
}
