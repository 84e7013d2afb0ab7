#pragma once

#include "adapters/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowsync {

/// A sequence of raw bytes: keys, hashes, signatures, encodings.
using bytes = std::vector<uint8_t>;

/// Lower-case hex of `data`, no prefix.
std::string to_hex(const uint8_t* data, size_t size);

/// Lower-case hex of `data`, no prefix.
inline std::string to_hex(const bytes& data) {
  return to_hex(data.data(), data.size());
}

/// Decodes hex text (either case, optional `0x`). Fails on odd length or any
/// character that is not a hex digit.
result<bytes> from_hex(std::string_view text);

/// Standard base64 with padding, as the Flow REST API uses it.
std::string to_base64(const bytes& data);

/// Decodes standard base64 (padding optional). Fails on foreign characters.
result<bytes> from_base64(std::string_view text);

/// The bytes of a string, unchanged.
inline bytes to_bytes(std::string_view text) {
  return bytes(text.begin(), text.end());
}

} // namespace flowsync
