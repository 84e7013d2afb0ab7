#include "adapters/bytes.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

TEST_CASE("hex encodes lower-case without a prefix") {
  CHECK(to_hex(bytes{}) == "");
  CHECK(to_hex(bytes{0x00, 0x0f, 0xa0, 0xff}) == "000fa0ff");
}

TEST_CASE("hex decodes either case with an optional 0x prefix") {
  auto plain = from_hex("000fA0Ff");
  REQUIRE(plain);
  CHECK(*plain == bytes{0x00, 0x0f, 0xa0, 0xff});
  CHECK(*from_hex("0x000fa0ff") == *plain);
  CHECK(*from_hex("0X000FA0FF") == *plain);
  CHECK(from_hex("")->empty());
  CHECK(from_hex("0x")->empty());
}

TEST_CASE("hex round trips every byte value") {
  bytes all(256);
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<uint8_t>(i);
  auto back = from_hex(to_hex(all));
  REQUIRE(back);
  CHECK(*back == all);
}

TEST_CASE("hex with an odd length or a non-hex digit is rejected") {
  for (auto text :
       {"abc", "0x1", "0g", "zz", "12 4", " 12", "12\n", "0x0x12", "-1"}) {
    auto decoded = from_hex(text);
    CHECK_MESSAGE(!decoded, "accepted '", text, "'");
    if (!decoded)
      CHECK(decoded.error().code == ec::invalid_input);
  }
}

TEST_CASE("base64 matches the RFC 4648 test vectors") {
  // RFC 4648, section 10.
  std::pair<const char*, const char*> vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CHECK(to_base64(to_bytes(plain)) == encoded);
    auto decoded = from_base64(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == to_bytes(plain));
  }
}

TEST_CASE("base64 padding is optional when decoding") {
  CHECK(*from_base64("Zg") == to_bytes("f"));
  CHECK(*from_base64("Zm8") == to_bytes("fo"));
  CHECK(*from_base64("Zm9vYg") == to_bytes("foob"));
}

TEST_CASE("base64 round trips binary data of every length") {
  bytes data;
  for (int n = 0; n < 70; ++n) {
    auto back = from_base64(to_base64(data));
    REQUIRE(back);
    CHECK(*back == data);
    data.push_back(static_cast<uint8_t>(n * 37 + 0x80));
  }
  CHECK(to_base64(bytes{0xfb, 0xff}) == "+/8=");
  CHECK(*from_base64("+/8=") == bytes{0xfb, 0xff});
}

TEST_CASE("malformed base64 is rejected, never thrown") {
  // "Q" and "Q===" leave six bits: no byte can come from them. Text made of
  // padding alone once made the decoder underflow and throw.
  for (auto text :
       {"Q", "Q===", "=", "==", "====", "Zg===", "Zg=", "Z=g=", "Zm9v=Zm9v",
        "Zm 9v", " Zm9v", "Zm9v\n", "Zm9v!", "Zm-_", "Zm9vYmFy=="}) {
    auto decoded = from_base64(text);
    CHECK_MESSAGE(!decoded, "accepted '", text, "'");
    if (!decoded)
      CHECK(decoded.error().code == ec::invalid_input);
  }
}
