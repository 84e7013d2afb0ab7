#pragma once

#include "messages/interfaces.hpp"

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace flowsync {

/// Longest wait of the inspector for the supervisor's status.
constexpr std::chrono::seconds inspector_timeout{10};

/// The inspector's state: the supervisor it asks.
struct inspector_state {
  static inline const char* name = "inspector";

  supervisor_actor supervisor;
};

/// The read-only face of the daemon: answers status requests by asking the
/// supervisor, and quits when the supervisor goes. It is what the daemon
/// publishes, so that an attached client can look but not steer.
inspector_actor::behavior_type
inspector(inspector_actor::stateful_pointer<inspector_state> self,
          supervisor_actor supervisor);

/// Spawns the inspector of `supervisor`.
inspector_actor spawn_inspector(caf::actor_system& sys,
                                supervisor_actor supervisor);

/// Publishes `inspector` on `host`:`port` through CAF's middleman, which
/// must be loaded; port 0 takes any free one. Returns the port bound.
caf::expected<uint16_t> publish_inspector(caf::actor_system& sys,
                                          const inspector_actor& inspector,
                                          const std::string& host,
                                          uint16_t port);

/// Attaches to the inspector a daemon published on `host`:`port`, waiting
/// at most `timeout` for the handshake (a port held by something that is
/// not a CAF node may never answer it).
caf::expected<inspector_actor> attach_inspector(caf::actor_system& sys,
                                                const std::string& host,
                                                uint16_t port,
                                                caf::timespan timeout);

} // namespace flowsync
