#pragma once

#include "adapters/result.hpp"
#include "adapters/secret.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace flowsync {

/// Seals private keys at rest with AES-256-GCM under a master key. The
/// associated data (the user's id) is bound into the tag, so a sealed key
/// copied into another user's row does not open.
class sealer {
 public:
  /// A sealer without a master key: `seal` and `open` fail with
  /// `ec::config`. Exists so that state structs can hold one.
  sealer() = default;

  /// The master key: 64 hex digits (32 bytes). Anything else fails with
  /// `ec::config` and a message that says how to make one
  /// (`openssl rand -hex 32`).
  static result<sealer> from_master_key(const secret& key_text);

  /// "fsk1:" + base64(nonce(12) || ciphertext || tag(16)), with a fresh
  /// random nonce each time.
  result<std::string> seal(const secret& plaintext,
                           std::string_view associated_data) const;

  /// The plaintext; `ec::crypto` when the text is malformed, the master key
  /// is wrong or the associated data differs.
  result<secret> open(std::string_view sealed,
                      std::string_view associated_data) const;

 private:
  explicit sealer(secret key) : key_(std::move(key)) {
    // nop
  }

  /// The 32 raw key bytes, held in a string so `secret` wipes them.
  secret key_;
};

} // namespace flowsync
