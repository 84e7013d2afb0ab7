#pragma once

#include <caf/fwd.hpp>

namespace flowsync {

/// Registers flowsync's message types (the type-ID block of
/// messages/type_ids.hpp) and its error category with an actor system
/// configuration. Call once, before the system starts.
void register_message_types(caf::actor_system_config& cfg);

} // namespace flowsync
