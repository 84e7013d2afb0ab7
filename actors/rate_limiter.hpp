#pragma once

#include "actors/rate_window.hpp"
#include "adapters/settings.hpp"
#include "messages/interfaces.hpp"

#include <array>
#include <deque>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

namespace flowsync {

/// The rate limiter's state: one window and one queue of waiting requests
/// per request class.
struct rate_limiter_state {
  static inline const char* name = "rate-limiter";

  struct lane {
    rate_window window;
    std::deque<caf::typed_response_promise<uint64_t>> waiting;
    /// A wake-up is scheduled for this lane.
    bool wake_pending = false;
    /// Grants since the limiter started.
    uint64_t granted = 0;
  };

  rate_limiter_actor::stateful_pointer<rate_limiter_state> self = nullptr;
  std::array<lane, 3> lanes{lane{rate_window{1, {}}, {}, false, 0},
                            lane{rate_window{1, {}}, {}, false, 0},
                            lane{rate_window{1, {}}, {}, false, 0}};
  uint64_t grants = 0;

  lane& of(request_class cls) { return lanes[static_cast<size_t>(cls)]; }

  /// Grants as many waiting requests of the class as the window allows and
  /// schedules a wake-up for the rest.
  void serve(request_class cls);

  /// The record of grants of the class, in nanoseconds of the actor clock.
  grant_log record_of(request_class cls);

  /// Each class's limits and recent load.
  limiter_status status();
};

/// The broker every access-node request goes through: at most the
/// configured number of grants per class in any one-second window; a
/// rate-limit answer halves the class's limit for a while.
rate_limiter_actor::behavior_type
rate_limiter(rate_limiter_actor::stateful_pointer<rate_limiter_state> self,
             rate_limit_settings cfg);

/// Spawns the rate limiter.
rate_limiter_actor spawn_rate_limiter(caf::actor_system& sys,
                                      const rate_limit_settings& cfg);

} // namespace flowsync
