#include "adapters/address.hpp"

#include "adapters/bytes.hpp"

namespace flowsync {

namespace {

constexpr size_t max_digits = 16;

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

result<address> address::parse(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.empty())
    return make_failure(ec::invalid_input, "a Flow address needs hex digits");
  if (text.size() > max_digits)
    return make_failure(ec::invalid_input,
                        "a Flow address has at most 16 hex digits");

  // Digits fill the address from its last nibble backwards, which pads
  // short text with leading zeros.
  address out;
  auto nibble = max_digits - text.size();
  for (auto c : text) {
    auto value = hex_digit(c);
    if (value < 0)
      return make_failure(ec::invalid_input,
                          "a Flow address may hold only hex digits");
    auto& byte = out.raw_[nibble / 2];
    byte = static_cast<uint8_t>(nibble % 2 == 0 ? value << 4 : byte | value);
    ++nibble;
  }
  return out;
}

address address::from_bytes(const std::array<uint8_t, 8>& raw) {
  address out;
  out.raw_ = raw;
  return out;
}

std::string address::hex() const {
  return to_hex(raw_.data(), raw_.size());
}

std::string address::with_prefix() const {
  return "0x" + hex();
}

bool address::is_zero() const {
  for (auto byte : raw_)
    if (byte != 0)
      return false;
  return true;
}

} // namespace flowsync
