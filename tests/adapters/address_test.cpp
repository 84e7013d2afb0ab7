#include "adapters/address.hpp"

#include <set>
#include <unordered_set>

#include <doctest/doctest.h>

using flowsync::address;
using flowsync::ec;

TEST_CASE("a short address is left-padded with zeros") {
  auto parsed = address::parse("0x1dfd237612b1e");
  REQUIRE(parsed);
  CHECK(parsed->hex() == "0001dfd237612b1e");
  CHECK(parsed->with_prefix() == "0x0001dfd237612b1e");
}

TEST_CASE("addresses parse with or without a prefix and in either case") {
  auto a = address::parse("0xF8D6E0586B0A20C7");
  auto b = address::parse("f8d6e0586b0a20c7");
  auto c = address::parse("0Xf8d6e0586b0a20c7");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(*a == *b);
  CHECK(*b == *c);
  CHECK(a->hex() == "f8d6e0586b0a20c7");
  std::array<uint8_t, 8> raw{0xf8, 0xd6, 0xe0, 0x58, 0x6b, 0x0a, 0x20, 0xc7};
  CHECK(a->raw() == raw);
}

TEST_CASE("single-digit and odd-length addresses parse") {
  auto one = address::parse("0x1");
  REQUIRE(one);
  CHECK(one->hex() == "0000000000000001");
  CHECK(one->raw()[7] == 1);
  auto odd = address::parse("abc");
  REQUIRE(odd);
  CHECK(odd->hex() == "0000000000000abc");
}

TEST_CASE("malformed addresses are rejected") {
  for (auto text : {"", "0x", "0X", "0x11111111111111111", "12345678901234567",
                    "0xg000000000000000", "0x 1", "1 ", "-1", "0x0x1",
                    "f8d6e0586b0a20c7\n"}) {
    auto parsed = address::parse(text);
    CHECK_MESSAGE(!parsed, "accepted '", text, "'");
    if (!parsed)
      CHECK(parsed.error().code == ec::invalid_input);
  }
}

TEST_CASE("the default address is zero and others are not") {
  CHECK(address{}.is_zero());
  CHECK(address{}.hex() == "0000000000000000");
  CHECK(address::parse("0")->is_zero());
  CHECK_FALSE(address::parse("0x1")->is_zero());
}

TEST_CASE("from_bytes keeps the bytes in order") {
  std::array<uint8_t, 8> raw{0x0a, 0xe5, 0x3c, 0xb6, 0xe3, 0xf4, 0x2a, 0x79};
  auto addr = address::from_bytes(raw);
  CHECK(addr.hex() == "0ae53cb6e3f42a79");
  CHECK(addr.raw() == raw);
}

TEST_CASE("addresses order and hash by value") {
  auto low = *address::parse("0x01");
  auto high = *address::parse("0x0100");
  CHECK(low < high);
  CHECK_FALSE(high < low);
  CHECK(low != high);

  std::set<address> ordered{high, low, low};
  CHECK(ordered.size() == 2);
  CHECK(*ordered.begin() == low);

  std::unordered_set<address> unique{low, high, *address::parse("1")};
  CHECK(unique.size() == 2);
  CHECK(unique.count(*address::parse("0x0000000000000100")) == 1);
}
