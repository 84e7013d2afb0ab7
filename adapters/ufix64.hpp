#pragma once

#include "adapters/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace flowsync {

/// Cadence's UFix64: an unsigned count of 1e-8 units. Balances are compared
/// and added exactly, so floating point never touches one.
class ufix64 {
 public:
  /// Units in one whole token (8 decimals).
  static constexpr uint64_t units_per_token = 100'000'000;

  /// Zero.
  constexpr ufix64() = default;

  /// The value of `units` hundred-millionths.
  static constexpr ufix64 from_units(uint64_t units) {
    ufix64 result;
    result.units_ = units;
    return result;
  }

  /// Accepts "5", "0.1", "0.07499999", "5.00000000",
  /// "184467440737.09551615" style decimal text; rejects empty text, a
  /// sign, spaces, an exponent, more than 8 decimals, a lone ".", values
  /// above the maximum and anything else.
  static result<ufix64> parse(std::string_view text);

  /// The count of 1e-8 units.
  constexpr uint64_t units() const { return units_; }

  /// Always 8 decimals: 5 prints as "5.00000000".
  std::string to_string() const;

  /// Amounts compare by their units.
  friend constexpr bool operator==(ufix64 x, ufix64 y) {
    return x.units_ == y.units_;
  }

  /// See operator==.
  friend constexpr bool operator!=(ufix64 x, ufix64 y) {
    return x.units_ != y.units_;
  }

  /// See operator==.
  friend constexpr bool operator<(ufix64 x, ufix64 y) {
    return x.units_ < y.units_;
  }

  /// See operator==.
  friend constexpr bool operator<=(ufix64 x, ufix64 y) {
    return x.units_ <= y.units_;
  }

  /// See operator==.
  friend constexpr bool operator>(ufix64 x, ufix64 y) {
    return x.units_ > y.units_;
  }

  /// See operator==.
  friend constexpr bool operator>=(ufix64 x, ufix64 y) {
    return x.units_ >= y.units_;
  }

 private:
  uint64_t units_ = 0;
};

/// `x + y`, or `ec::invalid_input` when the sum does not fit.
result<ufix64> checked_add(ufix64 x, ufix64 y);

/// `x - y`, or `ec::invalid_input` when `y > x`.
result<ufix64> checked_sub(ufix64 x, ufix64 y);

/// `x * n`, or `ec::invalid_input` when the product does not fit.
result<ufix64> checked_mul(ufix64 x, uint64_t n);

} // namespace flowsync
