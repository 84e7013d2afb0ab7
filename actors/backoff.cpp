#include "actors/backoff.hpp"

#include <algorithm>

namespace flowsync {

std::chrono::milliseconds backoff_delay(int attempt, std::mt19937& rng,
                                        double retry_after_seconds,
                                        std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap) {
  auto exp = base.count() * (int64_t{1} << std::clamp(attempt, 0, 20));
  auto capped = std::min<int64_t>(exp, cap.count());
  std::uniform_real_distribution<double> jitter{0.5, 1.5};
  auto delay = static_cast<int64_t>(static_cast<double>(capped) * jitter(rng));
  auto floor = static_cast<int64_t>(retry_after_seconds * 1000.0);
  return std::chrono::milliseconds{std::max(delay, floor)};
}

} // namespace flowsync
