#pragma once

#include "adapters/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace flowsync {

/// A Flow account address: 8 bytes, printed as 16 lower-case hex digits.
class address {
 public:
  /// The all-zero address (no account has it).
  address() = default;

  /// Optional 0x/0X, then 1 to 16 hex digits of either case, left-padded
  /// with zeros: "0x1dfd237612b1e" becomes "0001dfd237612b1e". Rejects empty
  /// text, more than 16 digits and non-hex characters.
  static result<address> parse(std::string_view text);

  /// The address with these 8 bytes, big-endian as Flow encodes it.
  static address from_bytes(const std::array<uint8_t, 8>& raw);

  /// The 8 bytes, big-endian.
  const std::array<uint8_t, 8>& raw() const { return raw_; }

  /// 16 lower-case hex digits, no prefix: the form stored in the database.
  std::string hex() const;

  /// "0x" followed by `hex()`: the form Cadence and the Flow CLI show.
  std::string with_prefix() const;

  /// True for the default-constructed address.
  bool is_zero() const;

  /// Addresses compare by their bytes.
  friend bool operator==(const address& x, const address& y) {
    return x.raw_ == y.raw_;
  }

  /// See operator==.
  friend bool operator!=(const address& x, const address& y) {
    return x.raw_ != y.raw_;
  }

  /// Orders as the big-endian numbers; lets addresses key a std::map.
  friend bool operator<(const address& x, const address& y) {
    return x.raw_ < y.raw_;
  }

 private:
  std::array<uint8_t, 8> raw_{};
};

} // namespace flowsync

namespace std {

/// Lets addresses key unordered containers.
template <>
struct hash<flowsync::address> {
  size_t operator()(const flowsync::address& x) const noexcept {
    uint64_t value = 0;
    for (auto byte : x.raw())
      value = value << 8 | byte;
    return std::hash<uint64_t>{}(value);
  }
};

} // namespace std
