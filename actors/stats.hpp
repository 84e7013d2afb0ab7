#pragma once

#include "messages/interfaces.hpp"

#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace flowsync {

/// Refused wallets listed by user id in a summary; the rest are counted.
constexpr size_t max_refusals_listed = 50;

struct stats_state {
  static inline const char* name = "stats";

  uint64_t cycle = 0;
  cycle_counters counters;
  std::vector<refused_wallet> refused;
  uint64_t refused_total = 0;

  /// Logs the summary of the cycle.
  void print(const cycle_summary& summary) const;
};

/// Keeps the counters of the current cycle and prints its summary.
stats_actor::behavior_type
stats(stats_actor::stateful_pointer<stats_state> self);

/// Spawns the stats actor.
stats_actor spawn_stats(caf::actor_system& sys);

} // namespace flowsync
