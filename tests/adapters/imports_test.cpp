#include "adapters/imports.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

namespace {

contract_addresses emulator_contracts() {
  return {
    {"FungibleToken", *address::parse("0xee82856bf20e2aa6")},
    {"FlowToken", *address::parse("0x0ae53cb6e3f42a79")},
    {"BaitCoin", *address::parse("0xf8d6e0586b0a20c7")},
    {"Low", *address::parse("0x1")},
  };
}

std::string resolved(std::string_view source) {
  auto out = resolve_imports(source, emulator_contracts());
  REQUIRE_MESSAGE(out, out.error().message);
  return *out;
}

} // namespace

TEST_CASE("string imports become address imports") {
  CHECK(resolved("import \"FungibleToken\"\nimport \"FlowToken\"\n")
        == "import FungibleToken from 0xee82856bf20e2aa6\n"
           "import FlowToken from 0x0ae53cb6e3f42a79\n");
}

TEST_CASE("addresses in rewritten imports keep all 16 digits") {
  CHECK(resolved("import \"Low\"") == "import Low from 0x0000000000000001");
}

TEST_CASE("the rest of the source is left untouched") {
  std::string_view source = "// header\n"
                            "import \"BaitCoin\"\n\n"
                            "access(all) fun main(a: Address): UFix64 {\n"
                            "  return 0.0\n"
                            "}\n";
  CHECK(resolved(source)
        == "// header\n"
           "import BaitCoin from 0xf8d6e0586b0a20c7\n\n"
           "access(all) fun main(a: Address): UFix64 {\n"
           "  return 0.0\n"
           "}\n");
}

TEST_CASE("address imports and identifier imports are left alone") {
  std::string_view source = "import FungibleToken from 0xf233dcee88fe0abe\n"
                            "import A, B from 0x01\n"
                            "import Crypto\n"
                            "import \"FlowToken\"\n";
  CHECK(resolved(source)
        == "import FungibleToken from 0xf233dcee88fe0abe\n"
           "import A, B from 0x01\n"
           "import Crypto\n"
           "import FlowToken from 0x0ae53cb6e3f42a79\n");
}

TEST_CASE("odd spacing around imports is handled") {
  CHECK(resolved("import   \"FlowToken\"")
        == "import FlowToken from 0x0ae53cb6e3f42a79");
  CHECK(resolved("import\t\"FlowToken\"\r\n")
        == "import FlowToken from 0x0ae53cb6e3f42a79\r\n");
  CHECK(resolved("import /* why */ \"FlowToken\"")
        == "import FlowToken from 0x0ae53cb6e3f42a79");
}

TEST_CASE("imports inside comments and strings are not touched") {
  std::string_view source = "// import \"Unknown\"\n"
                            "/* import \"Unknown\" /* nested */ still */\n"
                            "let s = \"import \\\"Unknown\\\"\"\n"
                            "let importer = 1\n";
  CHECK(resolved(source) == source);
}

TEST_CASE("an unknown contract name fails naming the contract") {
  auto out = resolve_imports("import \"Missing\"\n", emulator_contracts());
  REQUIRE_FALSE(out);
  CHECK(out.error().code == ec::config);
  CHECK(out.error().message.find("Missing") != std::string::npos);
}

TEST_CASE("string-path imports are rejected") {
  for (auto source : {"import Foo from \"./Foo.cdc\"\n",
                      "import A, B from \"../contracts/A.cdc\"\n",
                      "import \"./Foo.cdc\"\n", "import \"contracts/Foo\"\n"}) {
    auto out = resolve_imports(source, emulator_contracts());
    CHECK_MESSAGE(!out, "accepted ", source);
    if (!out)
      CHECK(out.error().code == ec::invalid_input);
  }
}

TEST_CASE("an unterminated string import is rejected") {
  auto out = resolve_imports("import \"FlowToken", emulator_contracts());
  REQUIRE_FALSE(out);
  CHECK(out.error().code == ec::invalid_input);
}

TEST_CASE("source without imports comes back unchanged") {
  CHECK(resolved("") == "");
  CHECK(resolved("transaction {}") == "transaction {}");
}
