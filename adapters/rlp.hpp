#pragma once

#include "adapters/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace flowsync {

/// RLP (Ethereum's recursive length prefix) as Flow uses it to encode
/// transactions for signing and hashing. Encoding only: flowsync never
/// needs to read RLP.

/// The RLP string item holding `size` bytes at `data`.
bytes rlp_string(const uint8_t* data, size_t size);

/// The RLP string item holding `data`.
bytes rlp_string(const bytes& data);

/// The RLP string item holding the bytes of `text`.
bytes rlp_string(std::string_view text);

/// An unsigned integer as the RLP string of its minimal big-endian bytes;
/// 0 is the empty string (0x80).
bytes rlp_uint(uint64_t value);

/// The RLP list of items that are already encoded.
bytes rlp_list(const std::vector<bytes>& encoded_items);

} // namespace flowsync
