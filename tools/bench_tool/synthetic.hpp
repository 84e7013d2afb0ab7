#pragma once

#include "adapters/result.hpp"
#include "adapters/sealing.hpp"

#include <cstdint>
#include <string>
#include <vector>

/// Made-up accounts for the configuration benchmarks, the same for
/// flowsync's config writer and for the per-wallet pattern, so that both
/// write the same configuration.
namespace flowsync::bench {

/// The user id of made-up account `i`, shaped like a Supabase user id
/// (a version 4 UUID in lower case) and sorting in the order of `i`.
std::string synthetic_user_id(uint64_t i);

/// A distinct address for made-up account `i`: 16 hex digits.
std::string synthetic_address(uint64_t i);

/// A sealer under a fresh random master key: the benchmarks never touch a
/// real one.
result<sealer> random_sealer();

/// Fresh P-256 private keys for the made-up accounts `first` to
/// `first + count - 1`, each sealed for its user id.
result<std::vector<std::string>> sealed_keys(const sealer& keys, uint64_t first,
                                             uint64_t count);

} // namespace flowsync::bench
