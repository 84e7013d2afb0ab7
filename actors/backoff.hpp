#pragma once

#include <chrono>
#include <random>

namespace flowsync {

/// Exponential backoff with jitter for retries: the n-th retry (from 0)
/// waits about `base * 2^n`, capped at `cap`, scaled by a random factor in
/// [0.5, 1.5) so that retries of many callers spread out. A server's
/// Retry-After (seconds, 0 when none) is a lower bound.
std::chrono::milliseconds
backoff_delay(int attempt, std::mt19937& rng, double retry_after_seconds = 0,
              std::chrono::milliseconds base = std::chrono::milliseconds{200},
              std::chrono::milliseconds cap = std::chrono::milliseconds{10000});

} // namespace flowsync
