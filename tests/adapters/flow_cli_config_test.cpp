#include "adapters/atomic_file.hpp"
#include "adapters/flow_cli_config.hpp"

#include <filesystem>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <sys/stat.h>
#include <unistd.h>

using namespace flowsync;

namespace {

struct temp_dir {
  std::filesystem::path path;

  temp_dir() {
    path = std::filesystem::temp_directory_path()
           / ("flowsync-files-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }

  ~temp_dir() {
    std::error_code err;
    std::filesystem::remove_all(path, err);
  }
};

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

} // namespace

TEST_CASE("the Flow CLI configuration lists every account with a file key") {
  std::vector<cli_account> accounts(2);
  accounts[0] = {"3f2a6c1e-8d4b-4b7a-9c1d-0e5f6a7b8c9d",
                 "01cf0e2f2f715450",
                 "pkeys/3f2a6c1e-8d4b-4b7a-9c1d-0e5f6a7b8c9d.pkey",
                 0,
                 sig_algo::ecdsa_p256,
                 hash_algo::sha3_256};
  accounts[1] = {"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                 "179b6b1cb6755e31",
                 "pkeys/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.pkey",
                 0,
                 sig_algo::ecdsa_p256,
                 hash_algo::sha3_256};
  auto text = render_flow_cli_config("emulator", "127.0.0.1:3569", accounts);
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string{doc["networks"]["emulator"].GetString()}
        == "127.0.0.1:3569");
  const auto& acct = doc["accounts"]["a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"];
  CHECK(std::string{acct["address"].GetString()} == "179b6b1cb6755e31");
  const auto& key = acct["key"];
  CHECK(std::string{key["type"].GetString()} == "file");
  CHECK(std::string{key["location"].GetString()}
        == "pkeys/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.pkey");
  CHECK(std::string{key["signatureAlgorithm"].GetString()} == "ECDSA_P256");
  CHECK(std::string{key["hashAlgorithm"].GetString()} == "SHA3_256");
  CHECK(key["index"].GetUint() == 0);

  auto parsed = parse_flow_cli_accounts(text);
  REQUIRE(parsed);
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0].address == "01cf0e2f2f715450");
}

TEST_CASE("equal input renders byte-equal configurations") {
  std::vector<cli_account> accounts(1);
  accounts[0].name = "x";
  accounts[0].address = "01cf0e2f2f715450";
  accounts[0].key_location = "pkeys/x.pkey";
  CHECK(render_flow_cli_config("emulator", "h:1", accounts)
        == render_flow_cli_config("emulator", "h:1", accounts));
}

TEST_CASE("a text that is no configuration is refused") {
  CHECK_FALSE(parse_flow_cli_accounts("[1,2"));
  CHECK_FALSE(parse_flow_cli_accounts("[]"));
}

TEST_CASE("key locations are relative to the configuration's folder") {
  auto rel = key_dir_relative_to("flow/accounts/pkeys",
                                 "flow/accounts/flow-production.json");
  REQUIRE(rel);
  CHECK(rel->string() == "pkeys");
  auto up = key_dir_relative_to("/srv/keys", "/etc/flow/flow.json");
  REQUIRE(up);
  CHECK(up->string() == "../../srv/keys");
}

TEST_CASE("an atomic write replaces the file and keeps one backup") {
  temp_dir tmp;
  auto file = tmp.path / "flow-production.json";
  auto mode =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  REQUIRE(write_file_atomically(file, "first", mode, true));
  REQUIRE(write_file_atomically(file, "second", mode, true));
  REQUIRE(write_file_atomically(file, "third", mode, true));
  CHECK(*read_file(file) == "third");
  CHECK(*read_file(tmp.path / "flow-production.json.backup") == "second");
  CHECK_FALSE(std::filesystem::exists(tmp.path / "flow-production.json.tmp"));
  CHECK(mode_of(file) == 0600);
}

TEST_CASE("an unsynced write creates a new file in place and replaces an "
          "existing one whole, with the mode asked for") {
  temp_dir tmp;
  auto file = tmp.path / "user.pkey";
  auto mode =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  auto old_mask = ::umask(0);
  auto created = write_file_unsynced(file, "first", mode);
  ::umask(old_mask);
  REQUIRE(created);
  CHECK(*read_file(file) == "first");
  CHECK(mode_of(file) == 0600);

  std::filesystem::permissions(file, std::filesystem::perms::owner_all);
  REQUIRE(write_file_unsynced(file, "second", mode));
  CHECK(*read_file(file) == "second");
  CHECK(mode_of(file) == 0600);
  CHECK_FALSE(std::filesystem::exists(tmp.path / "user.pkey.tmp"));

  auto missing = write_file_unsynced(tmp.path / "no" / "x.pkey", "x", mode);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ec::storage);
}

TEST_CASE("a private folder gets mode 0700") {
  temp_dir tmp;
  auto dir = tmp.path / "a" / "pkeys";
  REQUIRE(ensure_private_dir(dir));
  CHECK(mode_of(dir) == 0700);
}

TEST_CASE("writing into a missing folder fails with a message") {
  auto res = write_file_atomically("/nonexistent-flowsync/x", "x",
                                   std::filesystem::perms::owner_read, false);
  REQUIRE_FALSE(res);
  CHECK(res.error().code == ec::storage);
  CHECK(res.error().message.find("/nonexistent-flowsync/x")
        != std::string::npos);
}
