#include "adapters/ufix64.hpp"

#include <limits>

namespace flowsync {

namespace {

constexpr size_t max_decimals = 8;

constexpr uint64_t max_units = std::numeric_limits<uint64_t>::max();

failure bad_amount(const char* why) {
  return make_failure(ec::invalid_input,
                      std::string{"not a UFix64 amount: "} + why);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

result<ufix64> ufix64::parse(std::string_view text) {
  if (text.empty())
    return bad_amount("the text is empty");

  auto dot = text.find('.');
  auto whole = text.substr(0, dot);
  auto fraction =
    dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && fraction.empty())
    return bad_amount("a lone '.' has no digits");
  if (whole.empty())
    return bad_amount("the whole part has no digits");
  if (dot != std::string_view::npos && fraction.empty())
    return bad_amount("the '.' has no digits after it");
  if (fraction.size() > max_decimals)
    return bad_amount("more than 8 decimals");
  for (auto c : whole)
    if (!is_digit(c))
      return bad_amount("only digits and one '.' are allowed");
  for (auto c : fraction)
    if (!is_digit(c))
      return bad_amount("only digits and one '.' are allowed");

  // Scale the fraction to exactly 8 digits, then accumulate every digit
  // into one integer of units, checking for overflow at each step.
  std::string digits{whole};
  digits.append(fraction);
  digits.append(max_decimals - fraction.size(), '0');
  uint64_t units = 0;
  for (auto c : digits) {
    auto digit = static_cast<uint64_t>(c - '0');
    if (units > (max_units - digit) / 10)
      return bad_amount("the value is above the UFix64 maximum");
    units = units * 10 + digit;
  }
  return from_units(units);
}

std::string ufix64::to_string() const {
  auto whole = std::to_string(units_ / units_per_token);
  auto fraction = std::to_string(units_ % units_per_token);
  std::string out = whole;
  out.push_back('.');
  out.append(max_decimals - fraction.size(), '0');
  out.append(fraction);
  return out;
}

result<ufix64> checked_add(ufix64 x, ufix64 y) {
  if (y.units() > max_units - x.units())
    return make_failure(ec::invalid_input,
                        "UFix64 addition overflows the maximum");
  return ufix64::from_units(x.units() + y.units());
}

result<ufix64> checked_sub(ufix64 x, ufix64 y) {
  if (y > x)
    return make_failure(ec::invalid_input,
                        "UFix64 subtraction would go below zero");
  return ufix64::from_units(x.units() - y.units());
}

result<ufix64> checked_mul(ufix64 x, uint64_t n) {
  if (n != 0 && x.units() > max_units / n)
    return make_failure(ec::invalid_input,
                        "UFix64 multiplication overflows the maximum");
  return ufix64::from_units(x.units() * n);
}

} // namespace flowsync
