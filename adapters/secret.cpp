#include "adapters/secret.hpp"

#include <openssl/crypto.h>

namespace flowsync {

void secret::wipe() noexcept {
  // Wipe the whole buffer, not only the used part: a moved-from string keeps
  // its old characters in the small-string buffer.
  value_.resize(value_.capacity());
  OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
}

} // namespace flowsync
