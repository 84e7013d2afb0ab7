#include "messages/register.hpp"

#include "messages/error.hpp"
#include "messages/type_ids.hpp"

#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

namespace flowsync {

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::flowsync>();
  // CAF 0.17's add_error_category<T> does not compile; give the renderer.
  cfg.add_error_category(
    caf::atom("flowsync"),
    [](uint8_t code, caf::atom_value, const caf::message& context) {
      std::string out = "flowsync: ";
      out += to_string(static_cast<ec>(code));
      if (context.size() == 1 && context.match_element<std::string>(0))
        out += ": " + context.get_as<std::string>(0);
      return out;
    });
}

} // namespace flowsync
