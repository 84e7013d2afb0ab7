#include "actors/stats.hpp"

#include "adapters/logging.hpp"

#include <caf/actor_system.hpp>

namespace flowsync {

void stats_state::print(const cycle_summary& summary) const {
  const auto& c = summary.counters;
  FLOWSYNC_INFO("stats: cycle {} {} in {:.1f} s: {} wallets, {} synced, {} "
                "corrupted, {} created, {} creation errors, {} vaults "
                "created, {} vaults already there, {} vault errors, {} "
                "balance checks, {} funding needed, {} funding sealed, {} "
                "funding errors, {} skipped, {} pending, {} bad user records, "
                "{} scripts, {} transactions",
                summary.cycle, summary.complete ? "completed" : "was cut short",
                summary.seconds, c.total, c.synced, c.corrupted, c.created,
                c.creation_errors, c.vaults_created, c.vaults_present,
                c.vault_errors, c.balance_checks, c.funding_needed,
                c.funding_sealed, c.funding_errors, c.skipped, c.pending,
                c.bad_records, c.scripts, c.transactions);
  if (c.planned_creations + c.planned_top_ups + c.planned_repairs > 0)
    FLOWSYNC_INFO("stats: cycle {} would create {} accounts, top up {} and "
                  "repair {} vaults (dry run: nothing was sent)",
                  summary.cycle, c.planned_creations, c.planned_top_ups,
                  c.planned_repairs);
  for (const auto& r : refused)
    FLOWSYNC_WARN("stats: cycle {} refused wallet of user {}: {}",
                  summary.cycle, r.auth_id, r.reason);
  if (refused_total > refused.size())
    FLOWSYNC_WARN("stats: cycle {} refused {} more wallets", summary.cycle,
                  refused_total - refused.size());
}

stats_actor::behavior_type
stats(stats_actor::stateful_pointer<stats_state> self) {
  return {
    [self](atom::begin, uint64_t cycle) {
      self->state.cycle = cycle;
      self->state.counters = cycle_counters{};
      self->state.refused.clear();
      self->state.refused_total = 0;
    },
    [self](atom::count, const cycle_counters& delta) {
      self->state.counters += delta;
    },
    [self](atom::refused, refused_wallet& wallet) {
      ++self->state.refused_total;
      if (self->state.refused.size() < max_refusals_listed)
        self->state.refused.push_back(std::move(wallet));
    },
    [self](atom::end, uint64_t cycle, bool complete, double seconds) {
      cycle_summary summary{cycle, complete, seconds, self->state.counters};
      self->state.print(summary);
      return summary;
    },
    [self](atom::status) {
      return cycle_summary{self->state.cycle, false, 0, self->state.counters};
    },
  };
}

stats_actor spawn_stats(caf::actor_system& sys) {
  return sys.spawn(stats);
}

} // namespace flowsync
