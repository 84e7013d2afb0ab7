#pragma once

#include "messages/counters.hpp"
#include "messages/limits.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

// What `flowsync inspect` shows of a running daemon. Plain values only:
// no key, token or row content ever goes into these.

namespace flowsync {

/// One request class of the rate limiter as it stands.
struct lane_status {
  request_class cls = request_class::script;
  /// The configured limit, per second.
  uint32_t configured = 0;
  /// The limit in force: below `configured` after a rate-limit answer.
  uint32_t limit = 0;
  /// Grants within the last second.
  uint32_t last_second = 0;
  /// Requests waiting for a grant.
  uint32_t waiting = 0;
  /// Grants since the limiter started.
  uint64_t granted = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lane_status& x) {
  return f(caf::meta::type_name("lane_status"), x.cls, x.configured, x.limit,
           x.last_second, x.waiting, x.granted);
}

/// The rate limiter's three classes.
struct limiter_status {
  /// Script, transaction and access, in that order.
  std::vector<lane_status> lanes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, limiter_status& x) {
  return f(caf::meta::type_name("limiter_status"), x.lanes);
}

/// One wallet worker as the supervisor sees it.
struct worker_status {
  uint32_t index = 0;
  /// Running; false while it waits to be restarted after a crash.
  bool up = false;
  /// Its proposal key on the service account.
  uint32_t proposal_key = 0;
  /// Batches it holds: one in work, perhaps one waiting.
  uint32_t batches = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_status& x) {
  return f(caf::meta::type_name("worker_status"), x.index, x.up, x.proposal_key,
           x.batches);
}

/// The daemon as a whole, at the moment it was asked.
struct daemon_status {
  /// The network profile the daemon runs on.
  std::string network;
  /// Seconds since the supervisor started.
  double uptime_s = 0;
  /// Draining after a stop signal.
  bool stopping = false;
  /// A cycle runs now; `current` holds its counters so far.
  bool cycle_running = false;
  /// What the running cycle does, in the order a cycle goes: "starting",
  /// "reading the ledger", "reading users", "counting address claims",
  /// "looking up missed users", "reading wallets", "processing batches",
  /// "finishing"; "idle" between cycles.
  std::string phase = "idle";
  /// Users the running cycle found so far.
  uint64_t users_seen = 0;
  /// Batches of the running cycle waiting for a worker.
  uint64_t batches_ready = 0;
  /// Batches of the running cycle out with a worker.
  uint64_t batches_out = 0;
  /// Seconds until the next cycle starts; negative when none is scheduled.
  double next_cycle_in_s = -1;
  /// Sign-ups being provisioned between cycles.
  uint64_t signups_in_progress = 0;
  /// The running cycle's counters so far.
  cycle_summary current;
  /// The summary of the last cycle that ended; cycle 0 before the first.
  cycle_summary last;
  /// The wallet workers, in pool order.
  std::vector<worker_status> workers;
  /// The rate limiter's classes.
  limiter_status limiter;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, daemon_status& x) {
  return f(caf::meta::type_name("daemon_status"), x.network, x.uptime_s,
           x.stopping, x.cycle_running, x.phase, x.users_seen, x.batches_ready,
           x.batches_out, x.next_cycle_in_s, x.signups_in_progress, x.current,
           x.last, x.workers, x.limiter);
}

/// The status as text for a terminal, a few lines.
std::string to_text(const daemon_status& x);

/// The status as one JSON object, for scripts.
std::string to_json(const daemon_status& x);

} // namespace flowsync
