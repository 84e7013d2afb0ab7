#include "tools/standin/jwt.hpp"

#include <array>
#include <cstdio>
#include <memory>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>

namespace flowsync::standin {

namespace {

constexpr char b64url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Issued-at and expiry of the API keys: fixed, so that keys are a function
// of the secret alone; the expiry lies ten years ahead, as a project's do.
constexpr int64_t api_key_issued_at = 1764547200;
constexpr int64_t api_key_expires_at = 2080166400;

int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-' || c == '+')
    return 62;
  if (c == '_' || c == '/')
    return 63;
  return -1;
}

std::string hmac_sha256(std::string_view data, const std::string& key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out.data(), &size);
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

} // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(data[k]));
  };
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(b64url_alphabet[(n >> 18) & 63]);
    out.push_back(b64url_alphabet[(n >> 12) & 63]);
    out.push_back(b64url_alphabet[(n >> 6) & 63]);
    out.push_back(b64url_alphabet[n & 63]);
  }
  if (data.size() - i == 1) {
    uint32_t n = byte(i) << 16;
    out.push_back(b64url_alphabet[(n >> 18) & 63]);
    out.push_back(b64url_alphabet[(n >> 12) & 63]);
  } else if (data.size() - i == 2) {
    uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8);
    out.push_back(b64url_alphabet[(n >> 18) & 63]);
    out.push_back(b64url_alphabet[(n >> 12) & 63]);
    out.push_back(b64url_alphabet[(n >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  if (text.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    auto v = b64url_value(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string sign_jwt(std::string_view payload_json, const std::string& secret) {
  auto signing_input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "."
                       + base64url_encode(payload_json);
  return signing_input + "."
         + base64url_encode(hmac_sha256(signing_input, secret));
}

std::string make_api_key(std::string_view role, const std::string& secret) {
  std::ostringstream payload;
  payload << R"({"iss":"supabase-standin","role":")" << role << R"(","iat":)"
          << api_key_issued_at << R"(,"exp":)" << api_key_expires_at << "}";
  return sign_jwt(payload.str(), secret);
}

jwt_check verify_jwt(std::string_view token, const std::string& secret,
                     int64_t now) {
  jwt_check out;
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? std::string_view::npos
                                                : token.find('.', first + 1);
  if (second == std::string_view::npos
      || token.find('.', second + 1) != std::string_view::npos) {
    out.problem = jwt_problem::malformed;
    return out;
  }

  auto header = base64url_decode(token.substr(0, first));
  auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(token.substr(second + 1));
  if (!header || !payload || !signature) {
    out.problem = jwt_problem::malformed;
    return out;
  }
  rapidjson::Document head;
  head.Parse(header->data(), header->size());
  if (head.HasParseError() || !head.IsObject()) {
    out.problem = jwt_problem::malformed;
    return out;
  }
  auto alg = head.FindMember("alg");
  if (alg == head.MemberEnd() || !alg->value.IsString()
      || std::string_view{alg->value.GetString()} != "HS256") {
    out.problem = jwt_problem::bad_algorithm;
    return out;
  }

  auto expected = hmac_sha256(token.substr(0, second), secret);
  if (expected.size() != signature->size()
      || CRYPTO_memcmp(expected.data(), signature->data(), expected.size())
           != 0) {
    out.problem = jwt_problem::bad_signature;
    return out;
  }

  rapidjson::Document claims;
  claims.Parse(payload->data(), payload->size());
  if (claims.HasParseError() || !claims.IsObject()) {
    out.problem = jwt_problem::malformed;
    return out;
  }
  auto exp = claims.FindMember("exp");
  if (exp != claims.MemberEnd()) {
    if (!exp->value.IsNumber()) {
      out.problem = jwt_problem::malformed;
      return out;
    }
    if (exp->value.GetDouble() <= static_cast<double>(now)) {
      out.problem = jwt_problem::expired;
      return out;
    }
  }
  auto text = [&](const char* key) {
    auto i = claims.FindMember(key);
    return i != claims.MemberEnd() && i->value.IsString()
             ? std::string{i->value.GetString(), i->value.GetStringLength()}
             : std::string{};
  };
  out.claims.json = std::move(*payload);
  out.claims.role = text("role");
  out.claims.sub = text("sub");
  auto anonymous = claims.FindMember("is_anonymous");
  out.claims.is_anonymous = anonymous != claims.MemberEnd()
                            && anonymous->value.IsBool()
                            && anonymous->value.GetBool();
  return out;
}

std::string read_jwt_secret(const std::string& path, std::string& error) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{
    std::fopen(path.c_str(), "rb"), &std::fclose};
  if (file == nullptr) {
    error = "cannot read the JWT secret file " + path;
    return {};
  }
  std::string secret;
  char chunk[256];
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof(chunk), file.get())) > 0)
    secret.append(chunk, n);
  while (!secret.empty()
         && (secret.back() == '\n' || secret.back() == '\r'
             || secret.back() == ' ' || secret.back() == '\t'))
    secret.pop_back();
  if (secret.size() < 32) {
    error = "the JWT secret in " + path
            + " is shorter than 32 characters; Supabase requires at least 32";
    return {};
  }
  return secret;
}

} // namespace flowsync::standin
