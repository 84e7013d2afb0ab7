#include "adapters/cadence_json.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

namespace {

cvalue decode(std::string_view json) {
  auto out = decode_cadence_json(json);
  REQUIRE_MESSAGE(out, json, ": ", out.error().message);
  return *out;
}

void check_round_trip(const cvalue& value) {
  auto json = encode_cadence_json(value);
  auto back = decode_cadence_json(json);
  REQUIRE_MESSAGE(back, json, ": ", back.error().message);
  CHECK_MESSAGE(*back == value, json);
  CHECK(encode_cadence_json(*back) == json);
  CHECK(back->kind() == value.kind());
  CHECK(back->type_name() == value.type_name());
}

void check_malformed(std::string_view json) {
  auto out = decode_cadence_json(json);
  CHECK_MESSAGE(!out, "accepted ", json);
  if (!out)
    CHECK(out.error().code == ec::parse_error);
}

address addr(std::string_view text) {
  auto out = address::parse(text);
  REQUIRE(out);
  return *out;
}

} // namespace

TEST_CASE("simple values encode as Cadence's own encoder does") {
  // Field order and text as produced by onflow/cadence encoding/json
  // (jsonValueObject: "value" then "type"; addresses as 0x + 16 digits).
  CHECK(encode_cadence_json(cvalue{}) == R"({"type":"Void"})");
  CHECK(encode_cadence_json(cvalue::make_string("foo"))
        == R"({"value":"foo","type":"String"})");
  CHECK(encode_cadence_json(cvalue::make_bool(true))
        == R"({"value":true,"type":"Bool"})");
  CHECK(encode_cadence_json(cvalue::make_address(addr("0x1")))
        == R"({"value":"0x0000000000000001","type":"Address"})");
  CHECK(encode_cadence_json(cvalue::make_uint64(42))
        == R"({"value":"42","type":"UInt64"})");
  CHECK(encode_cadence_json(cvalue::make_ufix64(ufix64::from_units(10'000'000)))
        == R"({"value":"0.10000000","type":"UFix64"})");
  CHECK(encode_cadence_json(cvalue::make_optional(std::nullopt))
        == R"({"value":null,"type":"Optional"})");
  CHECK(encode_cadence_json(cvalue::make_path("storage", "flowTokenVault"))
        == R"({"value":{"domain":"storage","identifier":"flowTokenVault"},)"
           R"("type":"Path"})");
}

TEST_CASE("every modelled kind survives a round trip") {
  check_round_trip(cvalue::make_void());
  check_round_trip(cvalue::make_bool(false));
  check_round_trip(cvalue::make_bool(true));
  check_round_trip(cvalue::make_string(""));
  check_round_trip(cvalue::make_string("quote \" backslash \\ tab \t é ✓"));
  check_round_trip(cvalue::make_character("x"));
  check_round_trip(cvalue::make_address(addr("0xf8d6e0586b0a20c7")));
  check_round_trip(
    cvalue::make_integer("Int", "-170141183460469231731687303715884105728000"));
  check_round_trip(cvalue::make_integer("UInt8", "255"));
  check_round_trip(cvalue::make_integer("Int8", "-128"));
  check_round_trip(cvalue::make_integer(
    "UInt256", "115792089237316195423570985008687907853269984665640564039457584"
               "007913129639935"));
  check_round_trip(cvalue::make_integer("Word64", "18446744073709551615"));
  check_round_trip(cvalue::make_uint64(0));
  check_round_trip(cvalue::make_ufix64(ufix64::from_units(UINT64_MAX)));
  check_round_trip(cvalue::make_optional(cvalue::make_string("x")));
  check_round_trip(cvalue::make_optional(std::nullopt));
  check_round_trip(cvalue::make_array({}));
  check_round_trip(cvalue::make_array(
    {cvalue::make_uint64(1), cvalue::make_string("two"), cvalue{}}));
  check_round_trip(cvalue::make_dictionary({}));
  check_round_trip(cvalue::make_dictionary(
    {{cvalue::make_string("a"), cvalue::make_uint64(1)},
     {cvalue::make_string("b"), cvalue::make_optional(std::nullopt)}}));
  for (auto kind : {"Struct", "Resource", "Event", "Contract", "Enum"})
    check_round_trip(cvalue::make_composite(
      kind, "A.0000000000000001.Foo.Bar",
      {{"id", cvalue::make_uint64(7)}, {"name", cvalue::make_string("n")}}));
  check_round_trip(cvalue::make_path("public", "baitCoinReceiver"));
}

TEST_CASE("optionals distinguish nil from a value, also when nested") {
  auto nil = cvalue::make_optional(std::nullopt);
  CHECK(nil.is_nil());
  CHECK(nil.optional_value() == nullptr);

  auto some = cvalue::make_optional(cvalue::make_uint64(3));
  CHECK_FALSE(some.is_nil());
  REQUIRE(some.optional_value() != nullptr);
  CHECK(*some.optional_value()->as_uint64() == 3);

  auto nested = decode(R"({"type":"Optional","value":{"type":"Optional",)"
                       R"("value":null}})");
  CHECK_FALSE(nested.is_nil());
  REQUIRE(nested.optional_value() != nullptr);
  CHECK(nested.optional_value()->is_nil());
  check_round_trip(nested);

  CHECK_FALSE(cvalue::make_uint64(1).is_nil());
  CHECK(cvalue::make_uint64(1).optional_value() == nullptr);
}

TEST_CASE("arrays and dictionaries decode with their contents") {
  auto array = decode(R"({"type":"Array","value":[)"
                      R"({"type":"Address","value":"0x01"},)"
                      R"({"type":"Address","value":"0xf8d6e0586b0a20c7"}]})");
  CHECK(array.kind() == ckind::array);
  REQUIRE(array.elements().size() == 2);
  CHECK(array.elements()[0].as_address()->hex() == "0000000000000001");
  CHECK(*array.elements()[1].as_address() == addr("f8d6e0586b0a20c7"));

  auto dict = decode(R"({"type":"Dictionary","value":[)"
                     R"({"key":{"type":"String","value":"balance"},)"
                     R"("value":{"type":"UFix64","value":"0.07499999"}}]})");
  CHECK(dict.kind() == ckind::dictionary);
  REQUIRE(dict.entries().size() == 1);
  CHECK(*dict.entries()[0].first.as_string() == "balance");
  CHECK(dict.entries()[0].second.as_ufix64()->units() == 7'499'999);
  CHECK(dict.elements().empty());
  CHECK(array.entries().empty());
}

TEST_CASE("UFix64 values decode exactly") {
  auto value = decode(R"({"type":"UFix64","value":"184467440737.09551615"})");
  CHECK(value.kind() == ckind::fixed_point);
  CHECK(value.as_ufix64()->units() == UINT64_MAX);
  CHECK(*value.as_string() == "184467440737.09551615");

  auto small = decode(R"({"type":"UFix64","value":"0.07499999"})");
  CHECK(*small.as_ufix64() < *ufix64::parse("0.075"));

  check_malformed(R"({"type":"UFix64","value":"184467440737.09551616"})");
  check_malformed(R"({"type":"UFix64","value":"0.123456789"})");
  check_malformed(R"({"type":"UFix64","value":"-1.0"})");
  check_malformed(R"({"type":"UFix64","value":1.5})");
}

TEST_CASE("a Fix64 is kept as text and is not a UFix64") {
  auto value = decode(R"({"type":"Fix64","value":"-12.50000000"})");
  CHECK(value.kind() == ckind::fixed_point);
  CHECK(*value.as_string() == "-12.50000000");
  CHECK_FALSE(value.as_ufix64());
  check_malformed(R"({"type":"Fix64","value":"1.123456789"})");
}

TEST_CASE("integers are range-checked for their type") {
  CHECK(
    *decode(R"({"type":"UInt64","value":"18446744073709551615"})").as_uint64()
    == UINT64_MAX);
  CHECK(*decode(R"({"type":"Int","value":"5"})").as_uint64() == 5);
  CHECK(*decode(R"({"type":"Word8","value":"0"})").as_uint64() == 0);
  check_malformed(R"({"type":"UInt64","value":"18446744073709551616"})");
  check_malformed(R"({"type":"UInt8","value":"256"})");
  check_malformed(R"({"type":"Int8","value":"-129"})");
  check_malformed(R"({"type":"Int8","value":"128"})");
  check_malformed(R"({"type":"UInt","value":"-1"})");
  check_malformed(R"({"type":"Int","value":"12a"})");
  check_malformed(R"({"type":"Int","value":""})");
  check_malformed(R"({"type":"Int","value":42})");

  auto big = decode(R"({"type":"UInt128","value":"18446744073709551616"})");
  CHECK(*big.as_string() == "18446744073709551616");
  CHECK_FALSE(big.as_uint64());
  CHECK_FALSE(decode(R"({"type":"Int","value":"-1"})").as_uint64());
}

TEST_CASE("the widest integer types are checked at their limits") {
  auto value = [](const char* type, std::string digits) {
    return R"({"type":")" + std::string{type} + R"(","value":")" + digits
           + R"("})";
  };
  std::string u256_max = "11579208923731619542357098500868790785326998466564056"
                         "4039457584007913129639935";
  std::string u256_over = "1157920892373161954235709850086879078532699846656405"
                          "64039457584007913129639936";
  std::string i256_min = "-5789604461865809771178549250434395392663499233282028"
                         "2019728792003956564819968";
  std::string i256_under = "-57896044618658097711785492504343953926634992332820"
                           "282019728792003956564819969";
  std::string i256_max = "57896044618658097711785492504343953926634992332820282"
                         "019728792003956564819967";
  std::string i256_over = "5789604461865809771178549250434395392663499233282028"
                          "2019728792003956564819968";
  decode(value("UInt256", u256_max));
  decode(value("Word256", u256_max));
  decode(value("Int256", i256_min));
  decode(value("Int256", i256_max));
  check_malformed(value("UInt256", u256_over));
  check_malformed(value("Word256", u256_over));
  check_malformed(value("Int256", i256_under));
  check_malformed(value("Int256", i256_over));
  decode(value("Int128", "-170141183460469231731687303715884105728"));
  check_malformed(value("Int128", "170141183460469231731687303715884105728"));
  decode(value("UInt128", "340282366920938463463374607431768211455"));
  check_malformed(value("UInt128", "340282366920938463463374607431768211456"));
  decode(value("Int64", "-9223372036854775808"));
  check_malformed(value("Int64", "9223372036854775808"));
  decode(value("UInt", "2037035976334486086268445688409378161051468393665936250"
                       "636140449354381299763336706183397376"));
}

TEST_CASE("make_integer refuses what does not fit its type") {
  CHECK(cvalue::make_integer("UInt8", "255").kind() == ckind::integer);
  CHECK(cvalue::make_integer("UInt8", "256").kind() == ckind::void_value);
  CHECK(cvalue::make_integer("UInt64", "-1").kind() == ckind::void_value);
  CHECK(cvalue::make_integer("Float", "1").kind() == ckind::void_value);
  CHECK(cvalue::make_integer("Int", "1.5").kind() == ckind::void_value);
}

TEST_CASE("accessors refuse values of another kind") {
  auto text = cvalue::make_string("x");
  CHECK_FALSE(text.as_bool());
  CHECK_FALSE(text.as_address());
  CHECK_FALSE(text.as_uint64());
  CHECK_FALSE(text.as_ufix64());
  CHECK(text.as_bool().error().code == ec::parse_error);
  CHECK_FALSE(cvalue::make_bool(true).as_string());
  CHECK(*cvalue::make_bool(true).as_bool());
  CHECK(*cvalue::make_uint64(9).as_string() == "9");
  CHECK(text.fields().empty());
  CHECK(text.type_id().empty());
  CHECK(text.field("x") == nullptr);
  CHECK(text.path_domain().empty());
  CHECK(text.raw_json().empty());
}

TEST_CASE("a flow.AccountCreated event payload yields the new address") {
  // The payload shape the emulator returns for the event (base64-decoded).
  auto event = decode(
    R"({"value":{"id":"flow.AccountCreated","fields":[{"value":)"
    R"({"value":"0x01cf0e2f2f715450","type":"Address"},"name":"address"}]},)"
    R"("type":"Event"})");
  CHECK(event.kind() == ckind::composite);
  CHECK(event.type_name() == "Event");
  CHECK(event.type_id() == "flow.AccountCreated");
  auto field = event.field("address");
  REQUIRE(field != nullptr);
  CHECK(field->as_address()->hex() == "01cf0e2f2f715450");
  CHECK(event.field("missing") == nullptr);
}

TEST_CASE("composites keep fields we do not know, in order") {
  auto value = decode(
    R"({"type":"Struct","value":{"id":"A.0000000000000001.State.Wallet",)"
    R"("fields":[{"name":"balance","value":{"type":"UFix64","value":"1.0"}},)"
    R"({"name":"future","value":{"type":"Array","value":[]}},)"
    R"({"name":"fn","value":{"type":"Function","value":{"functionType":)"
    R"({"kind":"Function","typeID":"fun():Void","parameters":[],)"
    R"("return":{"kind":"Void"}}}}}]}})");
  REQUIRE(value.fields().size() == 3);
  CHECK(value.fields()[0].first == "balance");
  CHECK(value.fields()[1].first == "future");
  CHECK(value.fields()[2].first == "fn");
  CHECK(value.field("balance")->as_ufix64()->units() == 100'000'000);
  CHECK(value.field("fn")->kind() == ckind::other);
  check_round_trip(value);
}

TEST_CASE("types we do not model are kept whole, not refused") {
  auto range = decode(
    R"({"type":"InclusiveRange","value":{"start":{"type":"Int","value":"1"},)"
    R"("end":{"type":"Int","value":"3"},"step":{"type":"Int","value":"1"}}})");
  CHECK(range.kind() == ckind::other);
  CHECK(range.type_name() == "InclusiveRange");
  CHECK(range.raw_json().find("\"step\"") != std::string::npos);
  check_round_trip(range);

  auto type =
    decode(R"({"type":"Type","value":{"staticType":{"kind":"UFix64"}}})");
  CHECK(type.kind() == ckind::type);
  check_round_trip(type);

  auto capability =
    decode(R"({"type":"Capability","value":{"id":"3","address":"0x01",)"
           R"("borrowType":{"kind":"Reference","type":{"kind":"String"}}}})");
  CHECK(capability.kind() == ckind::capability);
  CHECK(capability.raw_json().find("borrowType") != std::string::npos);
  check_round_trip(capability);
}

TEST_CASE("paths decode with their domain and identifier") {
  auto path = decode(R"({"type":"Path","value":{"domain":"public",)"
                     R"("identifier":"baitCoinReceiver"}})");
  CHECK(path.kind() == ckind::path);
  CHECK(path.path_domain() == "public");
  CHECK(path.path_identifier() == "baitCoinReceiver");
}

TEST_CASE("malformed JSON-Cadence is rejected with a parse error") {
  check_malformed("");
  check_malformed("{");
  check_malformed("[]");
  check_malformed("42");
  check_malformed(R"({"value":"x"})");
  check_malformed(R"({"type":7,"value":"x"})");
  check_malformed(R"({"type":"String","value":"x"} trailing)");
  check_malformed(R"({"type":"String","value":5})");
  check_malformed(R"({"type":"String"})");
  check_malformed(R"({"type":"Bool","value":"true"})");
  check_malformed(R"({"type":"Address","value":"0xzz"})");
  check_malformed(R"({"type":"Address","value":"0x11111111111111111"})");
  check_malformed(R"({"type":"Array","value":{}})");
  check_malformed(R"({"type":"Array","value":[1]})");
  check_malformed(R"({"type":"Dictionary","value":[{"key":{"type":"Void"}}]})");
  check_malformed(R"({"type":"Struct","value":{"fields":[]}})");
  check_malformed(R"({"type":"Struct","value":{"id":"A","fields":{}}})");
  check_malformed(
    R"({"type":"Event","value":{"id":"A","fields":[{"name":"x"}]}})");
  check_malformed(R"({"type":"Path","value":{"domain":"storage"}})");
  check_malformed(R"({"type":"Type","value":"UFix64"})");
  check_malformed(
    R"({"type":"Optional","value":{"type":"UInt8","value":"x"}})");
}

TEST_CASE("deeply nested input is refused instead of exhausting the stack") {
  std::string json;
  for (int i = 0; i < 5000; ++i)
    json += R"({"type":"Optional","value":)";
  json += "null";
  for (int i = 0; i < 5000; ++i)
    json += "}";
  check_malformed(json);
}

// Payloads captured from flow-emulator v1.22.0 (REST, base64-decoded), with
// the trailing newline the emulator sends.
TEST_CASE("event payloads from the emulator decode") {
  auto deposited = decode(
    R"({"value":{"id":"A.ee82856bf20e2aa6.FungibleToken.Deposited","fields":[)"
    R"({"value":{"value":"A.0ae53cb6e3f42a79.FlowToken.Vault",)"
    R"("type":"String"},)"
    R"("name":"type"},{"value":{"value":"0.00100000","type":"UFix64"},)"
    R"("name":"amount"},{"value":{"value":{"value":"0x179b6b1cb6755e31",)"
    R"("type":"Address"},"type":"Optional"},"name":"to"},{"value":{"value":)"
    R"("126443837194242","type":"UInt64"},"name":"toUUID"},{"value":{"value":)"
    R"("126443837194241","type":"UInt64"},"name":"depositedUUID"},{"value":)"
    R"({"value":"0.00100000","type":"UFix64"},"name":"balanceAfter"}]},)"
    R"("type":"Event"})"
    "\n");
  CHECK(deposited.type_id() == "A.ee82856bf20e2aa6.FungibleToken.Deposited");
  CHECK(deposited.field("amount")->as_ufix64()->units() == 100'000);
  auto to = deposited.field("to");
  REQUIRE(to != nullptr);
  REQUIRE(to->optional_value() != nullptr);
  CHECK(to->optional_value()->as_address()->hex() == "179b6b1cb6755e31");
  CHECK(*deposited.field("toUUID")->as_uint64() == 126443837194242u);

  auto published = decode(
    R"({"value":{"id":"flow.CapabilityPublished","fields":[{"value":{"value":)"
    R"("0x179b6b1cb6755e31","type":"Address"},"name":"address"},{"value":)"
    R"({"value":{"domain":"public","identifier":"flowTokenReceiver"},)"
    R"("type":"Path"},"name":"path"},{"value":{"value":{"borrowType":{"type":)"
    R"({"type":"","kind":"Resource","typeID":)"
    R"("A.0ae53cb6e3f42a79.FlowToken.Vault","fields":[{"type":{"kind":)"
    R"("UInt64"},"id":"uuid"},{"type":{"kind":"UFix64"},"id":"balance"}],)"
    R"("initializers":[]},"kind":"Reference","authorization":{"kind":)"
    R"("Unauthorized","entitlements":null}},"address":"0x179b6b1cb6755e31",)"
    R"("id":"1"},"type":"Capability"},"name":"capability"}]},)"
    R"("type":"Event"})"
    "\n");
  CHECK(published.field("path")->path_identifier() == "flowTokenReceiver");
  CHECK(published.field("capability")->kind() == ckind::capability);
  check_round_trip(published);
}
