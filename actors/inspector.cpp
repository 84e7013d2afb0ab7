#include "actors/inspector.hpp"

#include "adapters/logging.hpp"

#include <set>
#include <string>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/message_view.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>

namespace flowsync {

inspector_actor::behavior_type
inspector(inspector_actor::stateful_pointer<inspector_state> self,
          supervisor_actor supervisor) {
  self->state.supervisor = supervisor;
  self->monitor(supervisor);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  // Whoever reaches the port can send an exit message too: only the
  // supervisor's going ends the inspector.
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    if (msg.source == caf::actor_cast<caf::actor_addr>(self->state.supervisor))
      self->quit(msg.reason);
  });
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
                                                uint16_t port,
                                                caf::timespan timeout) {
  // The middleman's own remote_actor waits for the handshake without end;
  // asking its actor allows a deadline.
  caf::scoped_actor self{sys};
  caf::expected<inspector_actor> out = caf::sec::request_timeout;
  self
    ->request(sys.middleman().actor_handle(), timeout, caf::connect_atom::value,
              host, port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
          const std::set<std::string>& interface) {
        if (ptr == nullptr)
          out = caf::make_error(caf::sec::no_actor_published_at_port);
        else if (interface != sys.message_types<inspector_actor>())
          out = caf::make_error(caf::sec::unexpected_actor_messaging_interface);
        else
          out = caf::actor_cast<inspector_actor>(std::move(ptr));
      },
      [&](caf::error& err) { out = std::move(err); });
  return out;
}

} // namespace flowsync
