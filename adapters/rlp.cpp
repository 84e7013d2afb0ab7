#include "adapters/rlp.hpp"

namespace flowsync {

namespace {

// Items up to this many bytes carry their length in the prefix byte.
constexpr size_t short_limit = 55;

constexpr uint8_t string_offset = 0x80;

constexpr uint8_t list_offset = 0xc0;

// The big-endian bytes of `value` without leading zeros; empty for 0.
bytes minimal_big_endian(uint64_t value) {
  bytes out;
  for (; value != 0; value >>= 8)
    out.insert(out.begin(), static_cast<uint8_t>(value & 0xff));
  return out;
}

// The prefix of a string or list item whose body has `size` bytes.
bytes length_prefix(uint8_t offset, size_t size) {
  if (size <= short_limit)
    return bytes{static_cast<uint8_t>(offset + size)};
  auto length = minimal_big_endian(size);
  bytes out{static_cast<uint8_t>(offset + short_limit + length.size())};
  out.insert(out.end(), length.begin(), length.end());
  return out;
}

} // namespace

bytes rlp_string(const uint8_t* data, size_t size) {
  // A single byte below 0x80 is its own encoding.
  if (size == 1 && data[0] < string_offset)
    return bytes{data[0]};
  auto out = length_prefix(string_offset, size);
  out.insert(out.end(), data, data + size);
  return out;
}

bytes rlp_string(const bytes& data) {
  return rlp_string(data.data(), data.size());
}

bytes rlp_string(std::string_view text) {
  return rlp_string(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

bytes rlp_uint(uint64_t value) {
  return rlp_string(minimal_big_endian(value));
}

bytes rlp_list(const std::vector<bytes>& encoded_items) {
  size_t size = 0;
  for (const auto& item : encoded_items)
    size += item.size();

  auto out = length_prefix(list_offset, size);
  out.reserve(out.size() + size);
  for (const auto& item : encoded_items)
    out.insert(out.end(), item.begin(), item.end());
  return out;
}

} // namespace flowsync
