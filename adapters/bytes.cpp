#include "adapters/bytes.hpp"

#include <openssl/evp.h>

namespace flowsync {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

} // namespace

std::string to_hex(const uint8_t* data, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0x0f]);
  }
  return out;
}

result<bytes> from_hex(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.size() % 2 != 0)
    return make_failure(ec::invalid_input, "hex text has an odd length");
  bytes out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    auto hi = hex_value(text[i]);
    auto lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0)
      return make_failure(ec::invalid_input, "hex text has a non-hex digit");
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::string to_base64(const bytes& data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           data.data(), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

result<bytes> from_base64(std::string_view text) {
  // Decoded by hand: EVP_DecodeBlock accepted a lone leftover character as
  // an empty result and underflowed on text made only of '='.
  auto bad = [] {
    return make_failure(ec::invalid_input, "text is not valid base64");
  };
  size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=')
    ++pad;
  auto body = text.substr(0, text.size() - pad);
  if (pad > 2 || (pad > 0 && text.size() % 4 != 0) || body.size() % 4 == 1)
    return bad();

  bytes out;
  out.reserve(body.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (auto c : body) {
    auto value = base64_value(c);
    if (value < 0)
      return bad();
    bits = bits << 6 | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<uint8_t>(bits >> count));
    }
  }
  return out;
}

} // namespace flowsync
