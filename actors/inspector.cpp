#include "actors/inspector.hpp"

#include "adapters/logging.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/message_view.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>

namespace flowsync {

inspector_actor::behavior_type
inspector(inspector_actor::stateful_pointer<inspector_state> self,
          supervisor_actor supervisor) {
  self->state.supervisor = supervisor;
  self->monitor(supervisor);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  // Whoever reaches the port can send anything: a message outside the
  // interface is answered with an error, logged, and changes nothing.
  self->set_default_handler(
    [](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      FLOWSYNC_WARN("inspector refused a message outside its interface");
      return caf::sec::unexpected_message;
    });
  return {
    [self](atom::status) {
      auto promise = self->make_response_promise<daemon_status>();
      self
        ->request(self->state.supervisor, inspector_timeout,
                  atom::inspect::value)
        .then(
          [promise](daemon_status& status) mutable {
            promise.deliver(std::move(status));
          },
          [promise](caf::error& err) mutable {
            promise.deliver(std::move(err));
          });
      return promise;
    },
  };
}

inspector_actor spawn_inspector(caf::actor_system& sys,
                                supervisor_actor supervisor) {
  return sys.spawn(inspector, std::move(supervisor));
}

caf::expected<uint16_t> publish_inspector(caf::actor_system& sys,
                                          const inspector_actor& inspector,
                                          const std::string& host,
                                          uint16_t port) {
  // Reusing the address lets a restarted daemon take its port back at once.
  return sys.middleman().publish(inspector, port, host.c_str(), true);
}

caf::expected<inspector_actor> attach_inspector(caf::actor_system& sys,
                                                const std::string& host,
                                                uint16_t port) {
  return sys.middleman().remote_actor<inspector_actor>(host, port);
}

} // namespace flowsync
