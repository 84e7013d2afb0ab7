#pragma once

#include "adapters/bytes.hpp"
#include "adapters/result.hpp"
#include "adapters/secret.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace flowsync {

/// The signature curves Flow account keys may use.
enum class sig_algo { ecdsa_p256, ecdsa_secp256k1 };

/// The hash functions Flow account keys may use.
enum class hash_algo { sha2_256, sha3_256 };

/// Flow's name: "ECDSA_P256" or "ECDSA_secp256k1".
const char* to_string(sig_algo algo);

/// Flow's name: "SHA2_256" or "SHA3_256".
const char* to_string(hash_algo algo);

/// Reads Flow's name of a curve, ignoring case.
result<sig_algo> parse_sig_algo(std::string_view text);

/// Reads Flow's name of a hash function, ignoring case.
result<hash_algo> parse_hash_algo(std::string_view text);

/// SHA3-256 (FIPS 202, not Keccak) of `data`: 32 bytes.
bytes sha3_256(const bytes& data);

/// SHA2-256 of `data`: 32 bytes.
bytes sha2_256(const bytes& data);

/// `data` hashed with `algo`: 32 bytes.
bytes digest(hash_algo algo, const bytes& data);

/// Cryptographically secure random bytes (OpenSSL RAND_bytes).
result<bytes> random_bytes(size_t count);

/// An ECDSA private key on one of Flow's curves, with its public key. Copies
/// share one immutable key; the scalar is wiped when the last copy goes.
class private_key {
 public:
  /// An empty key: `public_key()` is empty and `sign` fails. Exists so that
  /// structs holding a key can be default-constructed.
  private_key() = default;

  /// A fresh key from the system's secure random generator.
  static result<private_key> generate(sig_algo algo);

  /// 64 hex digits (optional 0x) holding a scalar in [1, n-1] for the
  /// curve. The error message never repeats the text.
  static result<private_key> from_hex(const secret& hex, sig_algo algo);

  /// The curve of this key.
  sig_algo algo() const;

  /// Uncompressed public point without the 0x04 prefix: 64 bytes X||Y, the
  /// form Flow stores on accounts.
  const bytes& public_key() const;

  /// `public_key()` as 128 lower-case hex digits.
  std::string public_key_hex() const;

  /// The 32-byte scalar as 64 lower-case hex digits.
  secret to_hex() const;

  /// ECDSA over digest(hash, message): 64 bytes r||s, each 32 bytes
  /// big-endian.
  result<bytes> sign(const bytes& message, hash_algo hash) const;

  /// The curve internals; defined in crypto.cpp.
  struct impl;

 private:
  std::shared_ptr<const impl> impl_;
};

/// Checks an r||s signature over digest(hash, message) against a 64-byte
/// X||Y public key. False for any malformed input.
bool verify_signature(sig_algo algo, const bytes& public_key, hash_algo hash,
                      const bytes& message, const bytes& signature);

/// True if `hex` is 128 hex digits encoding a point on the curve.
bool is_valid_public_key(sig_algo algo, std::string_view hex);

} // namespace flowsync
