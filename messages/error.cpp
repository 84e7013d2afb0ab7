#include "messages/error.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace flowsync {

caf::error to_error(const failure& f) {
  return caf::make_error(f.code, f.message);
}

ec code_of(const caf::error& err) {
  if (err.category() != caf::atom("flowsync"))
    return ec::none;
  return static_cast<ec>(err.code());
}

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  std::string out;
  if (err.category() == caf::atom("flowsync")) {
    out = to_string(static_cast<ec>(err.code()));
  } else if (err.category() == caf::atom("system")) {
    out = to_string(static_cast<caf::sec>(err.code()));
  } else {
    out = "error " + std::to_string(err.code());
  }
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    out += ": " + ctx.get_as<std::string>(0);
  return out;
}

} // namespace flowsync
