#include "adapters/ufix64.hpp"

#include <doctest/doctest.h>

using flowsync::ec;
using flowsync::ufix64;

namespace {

uint64_t units_of(std::string_view text) {
  auto parsed = ufix64::parse(text);
  REQUIRE_MESSAGE(parsed, "parsing ", text);
  return parsed->units();
}

void check_rejected(std::string_view text) {
  auto parsed = ufix64::parse(text);
  CHECK_MESSAGE(!parsed, "accepted '", text, "'");
  if (!parsed) {
    CHECK(parsed.error().code == ec::invalid_input);
    CHECK_FALSE(parsed.error().message.empty());
  }
}

} // namespace

TEST_CASE("whole numbers and decimals parse to exact units") {
  CHECK(units_of("5") == 500'000'000);
  CHECK(units_of("0") == 0);
  CHECK(units_of("0.1") == 10'000'000);
  CHECK(units_of("0.075") == 7'500'000);
  CHECK(units_of("0.07499999") == 7'499'999);
  CHECK(units_of("5.00000000") == 500'000'000);
  CHECK(units_of("0.00000001") == 1);
  CHECK(units_of("007.5") == 750'000'000);
  CHECK(units_of("123456.78901234") == 12'345'678'901'234);
}

TEST_CASE("the largest UFix64 parses and one unit more is rejected") {
  // UFix64 stores a uint64 count of 1e-8: its maximum is 2^64 - 1 units.
  CHECK(units_of("184467440737.09551615") == UINT64_MAX);
  check_rejected("184467440737.09551616");
  check_rejected("184467440738");
  check_rejected("1000000000000");
  check_rejected("99999999999999999999999999");
}

TEST_CASE("0.07499999 is below 0.075") {
  auto low = ufix64::parse("0.07499999");
  auto threshold = ufix64::parse("0.075");
  REQUIRE(low);
  REQUIRE(threshold);
  CHECK(*low < *threshold);
  CHECK(*low <= *threshold);
  CHECK(*threshold > *low);
  CHECK(*threshold >= *low);
  CHECK(*low != *threshold);
  CHECK_FALSE(*low == *threshold);
}

TEST_CASE("amounts always print with 8 decimals") {
  CHECK(ufix64::from_units(500'000'000).to_string() == "5.00000000");
  CHECK(ufix64{}.to_string() == "0.00000000");
  CHECK(ufix64::from_units(1).to_string() == "0.00000001");
  CHECK(ufix64::from_units(7'499'999).to_string() == "0.07499999");
  CHECK(ufix64::from_units(UINT64_MAX).to_string() == "184467440737.09551615");
}

TEST_CASE("printing and parsing round trip") {
  for (auto text : {"0.00000000", "0.10000000", "42.00000001",
                    "184467440737.09551615", "1000.12345678"}) {
    auto parsed = ufix64::parse(text);
    REQUIRE(parsed);
    CHECK(parsed->to_string() == text);
  }
}

TEST_CASE("a value with nine decimals is rejected") {
  check_rejected("0.123456789");
  check_rejected("5.000000000");
}

TEST_CASE("malformed amounts are rejected with a clear error") {
  check_rejected("");
  check_rejected(".");
  check_rejected("5.");
  check_rejected(".5");
  check_rejected("-1");
  check_rejected("+1");
  check_rejected(" 1");
  check_rejected("1 ");
  check_rejected("1e5");
  check_rejected("1.5e2");
  check_rejected("1,5");
  check_rejected("1.2.3");
  check_rejected("0x10");
  check_rejected("abc");
  check_rejected("NaN");
}

TEST_CASE("checked arithmetic refuses to overflow or go below zero") {
  auto one = ufix64::from_units(ufix64::units_per_token);
  auto tenth = ufix64::from_units(10'000'000);
  auto max = ufix64::from_units(UINT64_MAX);

  auto sum = checked_add(one, tenth);
  REQUIRE(sum);
  CHECK(sum->to_string() == "1.10000000");
  CHECK(checked_add(max, ufix64{}));
  auto overflow = checked_add(max, ufix64::from_units(1));
  REQUIRE_FALSE(overflow);
  CHECK(overflow.error().code == ec::invalid_input);

  auto difference = checked_sub(one, tenth);
  REQUIRE(difference);
  CHECK(difference->to_string() == "0.90000000");
  CHECK(checked_sub(tenth, tenth)->units() == 0);
  auto underflow = checked_sub(tenth, one);
  REQUIRE_FALSE(underflow);
  CHECK(underflow.error().code == ec::invalid_input);

  auto product = checked_mul(tenth, 3);
  REQUIRE(product);
  CHECK(product->to_string() == "0.30000000");
  CHECK(checked_mul(max, 1)->units() == UINT64_MAX);
  CHECK(checked_mul(max, 0)->units() == 0);
  auto too_big = checked_mul(max, 2);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().code == ec::invalid_input);
  CHECK_FALSE(checked_mul(ufix64::from_units(UINT64_MAX / 3 + 1), 3));
}

TEST_CASE("amounts are usable in constant expressions") {
  constexpr auto threshold = ufix64::from_units(7'500'000);
  static_assert(threshold.units() == 7'500'000);
  static_assert(ufix64::from_units(1) < threshold);
  CHECK(threshold.to_string() == "0.07500000");
}
