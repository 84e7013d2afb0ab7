#include "adapters/sealing.hpp"

#include "adapters/bytes.hpp"
#include "adapters/crypto.hpp"

#include <memory>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace flowsync {

namespace {

constexpr std::string_view prefix = "fsk1:";

constexpr size_t key_size = 32;

constexpr size_t nonce_size = 12;

constexpr size_t tag_size = 16;

struct cipher_ctx_free {
  void operator()(EVP_CIPHER_CTX* x) const { EVP_CIPHER_CTX_free(x); }
};
using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_free>;

const unsigned char* as_uchars(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

failure not_sealed() {
  return make_failure(ec::crypto, "the sealed key is malformed");
}

failure does_not_open() {
  return make_failure(ec::crypto,
                      "the sealed key does not open: wrong master key, "
                      "another user's key, or tampered text");
}

failure no_master_key() {
  return make_failure(ec::config, "the sealer has no master key");
}

} // namespace

result<sealer> sealer::from_master_key(const secret& key_text) {
  auto decoded = from_hex(key_text.reveal());
  auto usable = decoded && decoded->size() == key_size
                && key_text.reveal().size() == key_size * 2;
  secret key;
  if (usable)
    key = secret{std::string(decoded->begin(), decoded->end())};
  if (decoded)
    OPENSSL_cleanse(decoded->data(), decoded->size());

  if (!usable)
    return make_failure(ec::config,
                        "the master key must be 64 hex digits (32 bytes); "
                        "make one with `openssl rand -hex 32`");
  return sealer{std::move(key)};
}

result<std::string> sealer::seal(const secret& plaintext,
                                 std::string_view associated_data) const {
  if (key_.reveal().size() != key_size)
    return no_master_key();
  auto nonce = random_bytes(nonce_size);
  if (!nonce)
    return nonce.error();

  // Layout: nonce || ciphertext || tag. GCM's ciphertext is as long as the
  // plaintext.
  const auto& text = plaintext.reveal();
  bytes out(*nonce);
  out.resize(nonce_size + text.size() + tag_size);
  cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new()};
  int size = 0;
  int final_size = 0;
  if (!ctx
      || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                            as_uchars(key_.reveal()), nonce->data())
           != 1
      || EVP_EncryptUpdate(ctx.get(), nullptr, &size,
                           as_uchars(associated_data),
                           static_cast<int>(associated_data.size()))
           != 1
      || EVP_EncryptUpdate(ctx.get(), out.data() + nonce_size, &size,
                           as_uchars(text), static_cast<int>(text.size()))
           != 1
      || EVP_EncryptFinal_ex(ctx.get(), out.data() + nonce_size + size,
                             &final_size)
           != 1
      || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size,
                             out.data() + nonce_size + text.size())
           != 1)
    return make_failure(ec::crypto, "AES-GCM sealing failed");

  return std::string{prefix} + to_base64(out);
}

result<secret> sealer::open(std::string_view sealed,
                            std::string_view associated_data) const {
  if (key_.reveal().size() != key_size)
    return no_master_key();
  if (sealed.substr(0, prefix.size()) != prefix)
    return not_sealed();
  auto raw = from_base64(sealed.substr(prefix.size()));
  if (!raw || raw->size() < nonce_size + tag_size)
    return not_sealed();

  auto cipher_size = raw->size() - nonce_size - tag_size;
  std::string text(cipher_size, '\0');
  auto text_out = reinterpret_cast<unsigned char*>(text.data());
  cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new()};
  int size = 0;
  int final_size = 0;
  auto ok =
    ctx
    && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                          as_uchars(key_.reveal()), raw->data())
         == 1
    && EVP_DecryptUpdate(ctx.get(), nullptr, &size, as_uchars(associated_data),
                         static_cast<int>(associated_data.size()))
         == 1
    && EVP_DecryptUpdate(ctx.get(), text_out, &size, raw->data() + nonce_size,
                         static_cast<int>(cipher_size))
         == 1
    && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size,
                           raw->data() + nonce_size + cipher_size)
         == 1
    // The tag is checked here: any change to the key, the associated data
    // or the text makes this fail.
    && EVP_DecryptFinal_ex(ctx.get(), text_out + size, &final_size) == 1;
  secret out{std::move(text)};
  if (!ok)
    return does_not_open();
  return out;
}

} // namespace flowsync
