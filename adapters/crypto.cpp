#include "adapters/crypto.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <climits>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <secp256k1.h>

namespace flowsync {

namespace {

constexpr size_t scalar_size = 32;

constexpr size_t point_size = 64;

constexpr size_t signature_size = 64;

// -- RAII over the C handles --------------------------------------------------

struct bn_free {
  void operator()(BIGNUM* x) const { BN_clear_free(x); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;

struct bn_ctx_free {
  void operator()(BN_CTX* x) const { BN_CTX_free(x); }
};
using bn_ctx_ptr = std::unique_ptr<BN_CTX, bn_ctx_free>;

struct ec_group_free {
  void operator()(EC_GROUP* x) const { EC_GROUP_free(x); }
};
using ec_group_ptr = std::unique_ptr<EC_GROUP, ec_group_free>;

struct ec_point_free {
  void operator()(EC_POINT* x) const { EC_POINT_free(x); }
};
using ec_point_ptr = std::unique_ptr<EC_POINT, ec_point_free>;

struct pkey_free {
  void operator()(EVP_PKEY* x) const { EVP_PKEY_free(x); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* x) const { EVP_PKEY_CTX_free(x); }
};
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;

struct param_bld_free {
  void operator()(OSSL_PARAM_BLD* x) const { OSSL_PARAM_BLD_free(x); }
};
using param_bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, param_bld_free>;

struct params_free {
  void operator()(OSSL_PARAM* x) const { OSSL_PARAM_free(x); }
};
using params_ptr = std::unique_ptr<OSSL_PARAM, params_free>;

struct ecdsa_sig_free {
  void operator()(ECDSA_SIG* x) const { ECDSA_SIG_free(x); }
};
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, ecdsa_sig_free>;

/// One libsecp256k1 context for the process, randomized once against side
/// channels. Functions taking a const context are safe from any thread.
class secp_context {
 public:
  secp_context() {
    ctx_ = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::array<unsigned char, 32> seed{};
    if (ctx_ != nullptr && RAND_bytes(seed.data(), seed.size()) == 1)
      randomized_ = secp256k1_context_randomize(ctx_, seed.data()) == 1;
    OPENSSL_cleanse(seed.data(), seed.size());
  }

  secp_context(const secp_context&) = delete;

  secp_context& operator=(const secp_context&) = delete;

  ~secp_context() {
    if (ctx_ != nullptr)
      secp256k1_context_destroy(ctx_);
  }

  /// The context, or nullptr when it could not be created or randomized.
  const secp256k1_context* get() const { return randomized_ ? ctx_ : nullptr; }

 private:
  secp256k1_context* ctx_ = nullptr;
  bool randomized_ = false;
};

const secp256k1_context* secp() {
  static secp_context instance;
  return instance.get();
}

/// The P-256 group, built once; EC_GROUP is read-only after creation.
const EC_GROUP* p256_group() {
  static ec_group_ptr group{EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)};
  return group.get();
}

failure crypto_failure(std::string message) {
  return make_failure(ec::crypto, std::move(message));
}

bool iequals(std::string_view x, std::string_view y) {
  return x.size() == y.size()
         && std::equal(x.begin(), x.end(), y.begin(), [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a))
                     == std::tolower(static_cast<unsigned char>(b));
            });
}

/// The uncompressed SEC1 encoding (0x04 || X || Y) of a raw X||Y key.
bytes sec1_point(const bytes& raw) {
  bytes out;
  out.reserve(raw.size() + 1);
  out.push_back(0x04);
  out.insert(out.end(), raw.begin(), raw.end());
  return out;
}

// -- P-256 over OpenSSL 3 -----------------------------------------------------

/// A P-256 EVP key from a public point and, optionally, its scalar.
pkey_ptr p256_pkey(const bytes& raw_public, const uint8_t* scalar) {
  param_bld_ptr bld{OSSL_PARAM_BLD_new()};
  if (!bld)
    return nullptr;
  auto point = sec1_point(raw_public);
  bn_ptr priv;
  if (scalar != nullptr) {
    priv.reset(BN_secure_new());
    if (!priv || BN_bin2bn(scalar, scalar_size, priv.get()) == nullptr)
      return nullptr;
  }
  if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      SN_X9_62_prime256v1, 0)
        != 1
      || OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                          point.data(), point.size())
           != 1)
    return nullptr;
  if (priv
      && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get())
           != 1)
    return nullptr;
  params_ptr params{OSSL_PARAM_BLD_to_param(bld.get())};
  if (!params)
    return nullptr;

  pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)};
  EVP_PKEY* raw = nullptr;
  auto selection = priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1
      || EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1)
    return nullptr;
  return pkey_ptr{raw};
}

/// The X||Y public point of a P-256 scalar already known to be in range.
bytes p256_public_key(const uint8_t* scalar) {
  auto group = p256_group();
  bn_ctx_ptr ctx{BN_CTX_secure_new()};
  bn_ptr k{BN_secure_new()};
  if (group == nullptr || !ctx || !k
      || BN_bin2bn(scalar, scalar_size, k.get()) == nullptr)
    return {};
  ec_point_ptr point{EC_POINT_new(group)};
  bytes out(point_size + 1);
  if (!point
      || EC_POINT_mul(group, point.get(), k.get(), nullptr, nullptr, ctx.get())
           != 1
      || EC_POINT_point2oct(group, point.get(), POINT_CONVERSION_UNCOMPRESSED,
                            out.data(), out.size(), ctx.get())
           != out.size())
    return {};
  out.erase(out.begin());
  return out;
}

/// True if the big-endian scalar lies in [1, n-1] for P-256.
bool p256_scalar_in_range(const uint8_t* scalar) {
  auto group = p256_group();
  bn_ptr k{BN_secure_new()};
  if (group == nullptr || !k
      || BN_bin2bn(scalar, scalar_size, k.get()) == nullptr)
    return false;
  return !BN_is_zero(k.get())
         && BN_cmp(k.get(), EC_GROUP_get0_order(group)) < 0;
}

bool p256_point_valid(const bytes& raw_public) {
  auto group = p256_group();
  if (group == nullptr || raw_public.size() != point_size)
    return false;
  auto point_bytes = sec1_point(raw_public);
  ec_point_ptr point{EC_POINT_new(group)};
  // oct2point refuses coordinates not reduced modulo p and points off the
  // curve; the explicit check below states the second requirement again.
  return point
         && EC_POINT_oct2point(group, point.get(), point_bytes.data(),
                               point_bytes.size(), nullptr)
              == 1
         && EC_POINT_is_on_curve(group, point.get(), nullptr) == 1;
}

result<bytes> p256_sign(EVP_PKEY* key, const bytes& hash) {
  pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr)};
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1)
    return crypto_failure("could not start a P-256 signature");
  size_t der_size = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &der_size, hash.data(), hash.size())
      != 1)
    return crypto_failure("could not size a P-256 signature");
  bytes der(der_size);
  if (EVP_PKEY_sign(ctx.get(), der.data(), &der_size, hash.data(), hash.size())
      != 1)
    return crypto_failure("P-256 signing failed");

  // OpenSSL speaks DER; Flow wants the two integers side by side.
  const unsigned char* cursor = der.data();
  ecdsa_sig_ptr sig{
    d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_size))};
  if (!sig)
    return crypto_failure("OpenSSL returned an unreadable signature");
  bytes out(signature_size);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), scalar_size) < 0
      || BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + scalar_size,
                      scalar_size)
           < 0)
    return crypto_failure("a P-256 signature did not fit 64 bytes");
  return out;
}

bool p256_verify(const bytes& raw_public, const bytes& hash,
                 const bytes& signature) {
  if (!p256_point_valid(raw_public))
    return false;
  auto key = p256_pkey(raw_public, nullptr);
  if (!key)
    return false;

  ecdsa_sig_ptr sig{ECDSA_SIG_new()};
  if (!sig)
    return false;
  bn_ptr r{BN_bin2bn(signature.data(), scalar_size, nullptr)};
  bn_ptr s{BN_bin2bn(signature.data() + scalar_size, scalar_size, nullptr)};
  if (!r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
    return false;
  // The signature owns them now.
  r.release();
  s.release();
  unsigned char* der = nullptr;
  auto der_size = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_size <= 0)
    return false;
  bytes der_bytes(der, der + der_size);
  OPENSSL_free(der);

  pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr)};
  return ctx && EVP_PKEY_verify_init(ctx.get()) == 1
         && EVP_PKEY_verify(ctx.get(), der_bytes.data(), der_bytes.size(),
                            hash.data(), hash.size())
              == 1;
}

// -- secp256k1 over libsecp256k1 ----------------------------------------------

bytes secp_public_key(const uint8_t* scalar) {
  auto ctx = secp();
  secp256k1_pubkey pub;
  if (ctx == nullptr || secp256k1_ec_pubkey_create(ctx, &pub, scalar) != 1)
    return {};
  bytes out(point_size + 1);
  size_t size = out.size();
  if (secp256k1_ec_pubkey_serialize(ctx, out.data(), &size, &pub,
                                    SECP256K1_EC_UNCOMPRESSED)
        != 1
      || size != out.size())
    return {};
  out.erase(out.begin());
  return out;
}

bool secp_parse_point(const bytes& raw_public, secp256k1_pubkey& pub) {
  auto ctx = secp();
  if (ctx == nullptr || raw_public.size() != point_size)
    return false;
  auto point = sec1_point(raw_public);
  return secp256k1_ec_pubkey_parse(ctx, &pub, point.data(), point.size()) == 1;
}

result<bytes> secp_sign(const uint8_t* scalar, const bytes& hash) {
  auto ctx = secp();
  if (ctx == nullptr)
    return crypto_failure("the secp256k1 context is not available");
  // The default nonce is RFC 6979 and the result is low-S, as Flow's own
  // implementation produces.
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_sign(ctx, &sig, hash.data(), scalar, nullptr, nullptr)
      != 1)
    return crypto_failure("secp256k1 signing failed");
  bytes out(signature_size);
  secp256k1_ecdsa_signature_serialize_compact(ctx, out.data(), &sig);
  return out;
}

bool secp_verify(const bytes& raw_public, const bytes& hash,
                 const bytes& signature) {
  auto ctx = secp();
  secp256k1_pubkey pub;
  if (ctx == nullptr || !secp_parse_point(raw_public, pub))
    return false;
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx, &sig, signature.data()) != 1)
    return false;
  // Flow accepts both S and n-S; libsecp256k1 only the lower one.
  secp256k1_ecdsa_signature_normalize(ctx, &sig, &sig);
  return secp256k1_ecdsa_verify(ctx, &sig, hash.data(), &pub) == 1;
}

} // namespace

// -- names
// ----------------------------------------------------------------------

const char* to_string(sig_algo algo) {
  switch (algo) {
  case sig_algo::ecdsa_p256:
    return "ECDSA_P256";
  case sig_algo::ecdsa_secp256k1:
    return "ECDSA_secp256k1";
  }
  return "unknown";
}

const char* to_string(hash_algo algo) {
  switch (algo) {
  case hash_algo::sha2_256:
    return "SHA2_256";
  case hash_algo::sha3_256:
    return "SHA3_256";
  }
  return "unknown";
}

result<sig_algo> parse_sig_algo(std::string_view text) {
  for (auto algo : {sig_algo::ecdsa_p256, sig_algo::ecdsa_secp256k1})
    if (iequals(text, to_string(algo)))
      return algo;
  return make_failure(ec::invalid_input,
                      "unknown signature algorithm '" + std::string{text}
                        + "' (expected ECDSA_P256 or ECDSA_secp256k1)");
}

result<hash_algo> parse_hash_algo(std::string_view text) {
  for (auto algo : {hash_algo::sha2_256, hash_algo::sha3_256})
    if (iequals(text, to_string(algo)))
      return algo;
  return make_failure(ec::invalid_input,
                      "unknown hash algorithm '" + std::string{text}
                        + "' (expected SHA2_256 or SHA3_256)");
}

// -- hashes and randomness
// -------------------------------------------------------

namespace {

bytes evp_digest(const EVP_MD* md, const bytes& data) {
  bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr) != 1)
    return {};
  out.resize(size);
  return out;
}

} // namespace

bytes sha3_256(const bytes& data) {
  return evp_digest(EVP_sha3_256(), data);
}

bytes sha2_256(const bytes& data) {
  return evp_digest(EVP_sha256(), data);
}

bytes digest(hash_algo algo, const bytes& data) {
  return algo == hash_algo::sha3_256 ? sha3_256(data) : sha2_256(data);
}

result<bytes> random_bytes(size_t count) {
  if (count > static_cast<size_t>(INT_MAX))
    return make_failure(ec::invalid_input, "too many random bytes asked for");
  bytes out(count);
  if (count > 0 && RAND_bytes(out.data(), static_cast<int>(count)) != 1)
    return crypto_failure("the system's random generator failed");
  return out;
}

// -- private keys
// ----------------------------------------------------------------

struct private_key::impl {
  sig_algo algo = sig_algo::ecdsa_p256;
  std::array<uint8_t, scalar_size> scalar{};
  bytes public_key;
  /// P-256 only: the key as OpenSSL wants it, built once.
  pkey_ptr pkey;

  impl() = default;

  impl(const impl&) = delete;

  impl& operator=(const impl&) = delete;

  ~impl() { OPENSSL_cleanse(scalar.data(), scalar.size()); }
};

namespace {

bool scalar_in_range(sig_algo algo, const uint8_t* scalar) {
  if (algo == sig_algo::ecdsa_p256)
    return p256_scalar_in_range(scalar);
  auto ctx = secp();
  return ctx != nullptr && secp256k1_ec_seckey_verify(ctx, scalar) == 1;
}

/// Wipes a buffer that held key material when it goes out of scope.
struct wipe_on_exit {
  bytes& buffer;
  ~wipe_on_exit() { OPENSSL_cleanse(buffer.data(), buffer.size()); }
};

} // namespace

/// Builds the key from a scalar already known to be in range.
static result<std::shared_ptr<const private_key::impl>>
make_key_impl(sig_algo algo, const uint8_t* scalar) {
  auto out = std::make_shared<private_key::impl>();
  out->algo = algo;
  std::copy(scalar, scalar + scalar_size, out->scalar.begin());
  out->public_key = algo == sig_algo::ecdsa_p256 ? p256_public_key(scalar)
                                                 : secp_public_key(scalar);
  if (out->public_key.size() != point_size)
    return crypto_failure("could not derive the public key");
  if (algo == sig_algo::ecdsa_p256) {
    out->pkey = p256_pkey(out->public_key, scalar);
    if (!out->pkey)
      return crypto_failure("OpenSSL refused the P-256 key");
  }
  return std::shared_ptr<const private_key::impl>{std::move(out)};
}

result<private_key> private_key::generate(sig_algo algo) {
  // A uniform 256-bit value is out of range with probability below 2^-32,
  // so this loop runs once in practice.
  for (int attempt = 0; attempt < 64; ++attempt) {
    auto candidate = random_bytes(scalar_size);
    if (!candidate)
      return candidate.error();
    wipe_on_exit guard{*candidate};
    if (!scalar_in_range(algo, candidate->data()))
      continue;
    auto made = make_key_impl(algo, candidate->data());
    if (!made)
      return made.error();
    private_key out;
    out.impl_ = std::move(*made);
    return out;
  }
  return crypto_failure("could not draw a private key in range");
}

result<private_key> private_key::from_hex(const secret& hex, sig_algo algo) {
  std::string_view text = hex.reveal();
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.size() != scalar_size * 2)
    return make_failure(ec::invalid_input,
                        "a private key must be 64 hex digits");
  auto decoded = flowsync::from_hex(text);
  if (!decoded)
    return make_failure(ec::invalid_input,
                        "a private key may hold only hex digits");
  wipe_on_exit guard{*decoded};
  if (!scalar_in_range(algo, decoded->data()))
    return make_failure(ec::invalid_input,
                        std::string{"the private key is zero or not below the "
                                    "order of the "}
                          + to_string(algo) + " curve");

  auto made = make_key_impl(algo, decoded->data());
  if (!made)
    return made.error();
  private_key out;
  out.impl_ = std::move(*made);
  return out;
}

sig_algo private_key::algo() const {
  return impl_ ? impl_->algo : sig_algo::ecdsa_p256;
}

const bytes& private_key::public_key() const {
  static const bytes none;
  return impl_ ? impl_->public_key : none;
}

std::string private_key::public_key_hex() const {
  return flowsync::to_hex(public_key());
}

secret private_key::to_hex() const {
  if (!impl_)
    return secret{};
  return secret{flowsync::to_hex(impl_->scalar.data(), impl_->scalar.size())};
}

result<bytes> private_key::sign(const bytes& message, hash_algo hash) const {
  if (!impl_)
    return crypto_failure("cannot sign with an empty private key");
  auto hashed = digest(hash, message);
  if (hashed.size() != scalar_size)
    return crypto_failure("hashing the message failed");
  if (impl_->algo == sig_algo::ecdsa_p256)
    return p256_sign(impl_->pkey.get(), hashed);
  return secp_sign(impl_->scalar.data(), hashed);
}

bool verify_signature(sig_algo algo, const bytes& public_key, hash_algo hash,
                      const bytes& message, const bytes& signature) {
  if (public_key.size() != point_size || signature.size() != signature_size)
    return false;
  auto hashed = digest(hash, message);
  if (hashed.size() != scalar_size)
    return false;
  if (algo == sig_algo::ecdsa_p256)
    return p256_verify(public_key, hashed, signature);
  return secp_verify(public_key, hashed, signature);
}

bool is_valid_public_key(sig_algo algo, std::string_view hex) {
  if (hex.size() != point_size * 2)
    return false;
  auto raw = from_hex(hex);
  if (!raw)
    return false;
  if (algo == sig_algo::ecdsa_p256)
    return p256_point_valid(*raw);
  secp256k1_pubkey pub;
  return secp_parse_point(*raw, pub);
}

} // namespace flowsync
