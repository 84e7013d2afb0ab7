#include "adapters/rlp.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

// The worked examples of ethereum.org's page "Recursive-length prefix (RLP)
// serialization" ("dog", ["cat", "dog"], 0, 15, 1024, the set-theoretic
// three, the 56-byte "Lorem ipsum" string); the other vectors follow from
// the rules on that page.

namespace {

std::string hex_of(const bytes& data) {
  return to_hex(data);
}

} // namespace

TEST_CASE("short strings get a one-byte length prefix") {
  CHECK(hex_of(rlp_string("dog")) == "83646f67");
  CHECK(hex_of(rlp_string("")) == "80");
  CHECK(hex_of(rlp_string(bytes{})) == "80");
}

TEST_CASE("a single byte below 0x80 is its own encoding") {
  CHECK(hex_of(rlp_string(bytes{0x00})) == "00");
  CHECK(hex_of(rlp_string(bytes{0x7f})) == "7f");
  CHECK(hex_of(rlp_string("a")) == "61");
  CHECK(hex_of(rlp_string(bytes{0x80})) == "8180");
  CHECK(hex_of(rlp_string(bytes{0xff})) == "81ff");
}

TEST_CASE("strings longer than 55 bytes carry their length's length") {
  std::string_view lorem =
    "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  REQUIRE(lorem.size() == 56);
  CHECK(hex_of(rlp_string(lorem)) == "b838" + to_hex(to_bytes(lorem)));

  std::string fifty_five(55, 'x');
  CHECK(hex_of(rlp_string(fifty_five)).substr(0, 2) == "b7");

  std::string long_text(1024, 'a');
  auto encoded = rlp_string(long_text);
  CHECK(encoded.size() == 1024 + 3);
  CHECK(hex_of(bytes(encoded.begin(), encoded.begin() + 3)) == "b90400");
}

TEST_CASE("integers are minimal big-endian strings and zero is empty") {
  CHECK(hex_of(rlp_uint(0)) == "80");
  CHECK(hex_of(rlp_uint(1)) == "01");
  CHECK(hex_of(rlp_uint(15)) == "0f");
  CHECK(hex_of(rlp_uint(127)) == "7f");
  CHECK(hex_of(rlp_uint(128)) == "8180");
  CHECK(hex_of(rlp_uint(1000)) == "8203e8");
  CHECK(hex_of(rlp_uint(1024)) == "820400");
  CHECK(hex_of(rlp_uint(100000)) == "830186a0");
  CHECK(hex_of(rlp_uint(UINT64_MAX)) == "88ffffffffffffffff");
}

TEST_CASE("lists wrap their encoded items") {
  CHECK(hex_of(rlp_list({})) == "c0");
  CHECK(hex_of(rlp_list({rlp_string("cat"), rlp_string("dog")}))
        == "c88363617483646f67");
  CHECK(
    hex_of(rlp_list({rlp_string("dog"), rlp_string("god"), rlp_string("cat")}))
    == "cc83646f6783676f6483636174");
}

TEST_CASE("nested lists encode the set-theoretic three") {
  // [ [], [[]], [ [], [[]] ] ]
  auto empty = rlp_list({});
  auto one = rlp_list({empty});
  auto two = rlp_list({empty, one});
  CHECK(hex_of(rlp_list({empty, one, two})) == "c7c0c1c0c3c0c1c0");
}

TEST_CASE("lists longer than 55 bytes carry their length's length") {
  std::vector<bytes> items(4, rlp_string(std::string(20, 'z')));
  auto encoded = rlp_list(items);
  // 4 * 21 = 84 bytes of payload.
  CHECK(hex_of(bytes(encoded.begin(), encoded.begin() + 2)) == "f854");
  CHECK(encoded.size() == 86);
}
