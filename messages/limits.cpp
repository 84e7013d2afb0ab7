#include "messages/limits.hpp"

namespace flowsync {

const char* to_string(request_class x) noexcept {
  switch (x) {
  case request_class::script:
    return "script";
  case request_class::transaction:
    return "transaction";
  case request_class::access:
    return "access";
  }
  return "unknown";
}

} // namespace flowsync
