#include "tools/bench_tool/synthetic.hpp"

#include "adapters/bytes.hpp"
#include "adapters/crypto.hpp"

#include <cstdio>

namespace flowsync::bench {

std::string synthetic_user_id(uint64_t i) {
  char text[40];
  std::snprintf(text, sizeof(text), "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(i >> 48),
                static_cast<unsigned long long>(i & 0xffffffffffffULL));
  return text;
}

std::string synthetic_address(uint64_t i) {
  // Spread over the whole range so that the addresses do not look like a
  // counter; the multiplier is odd, so distinct `i` stay distinct.
  char text[20];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(i * 0x9e3779b97f4a7c15ULL));
  return text;
}

result<sealer> random_sealer() {
  auto raw = random_bytes(32);
  if (!raw)
    return raw.error();
  return sealer::from_master_key(secret{to_hex(*raw)});
}

result<std::vector<std::string>> sealed_keys(const sealer& keys, uint64_t first,
                                             uint64_t count) {
  std::vector<std::string> out;
  out.reserve(count);
  for (uint64_t i = first; i < first + count; ++i) {
    auto key = private_key::generate(sig_algo::ecdsa_p256);
    if (!key)
      return key.error();
    auto sealed = keys.seal(key->to_hex(), synthetic_user_id(i));
    if (!sealed)
      return sealed.error();
    out.push_back(std::move(*sealed));
  }
  return out;
}

} // namespace flowsync::bench
