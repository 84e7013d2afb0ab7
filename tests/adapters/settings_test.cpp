#include "adapters/crypto.hpp"
#include "adapters/settings.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <doctest/doctest.h>

#include <unistd.h>

using namespace flowsync;

namespace {

/// An environment with everything a start needs, editable per test.
struct env_fixture {
  std::map<std::string, std::string> vars;
  std::filesystem::path dir;

  env_fixture() {
    auto key = private_key::generate(sig_algo::ecdsa_p256);
    vars["NETWORK"] = "emulator";
    vars["SUPABASE_URL"] = "http://127.0.0.1:54321/";
    vars["SUPABASE_SERVICE_ROLE_KEY"] = "service-role-jwt";
    vars["FLOWSYNC_MASTER_KEY"] =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    vars["FLOWSYNC_SERVICE_KEY"] = key->to_hex().reveal();
    vars["FLOWSYNC_CONTRACTS"] = "BaitCoin=179b6b1cb6755e31";
    dir = std::filesystem::temp_directory_path()
          / ("flowsync-settings-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }

  ~env_fixture() {
    std::error_code err;
    std::filesystem::remove_all(dir, err);
  }

  env_lookup env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto i = vars.find(name);
      if (i == vars.end())
        return std::nullopt;
      return i->second;
    };
  }

  std::filesystem::path file(const std::string& text) {
    auto path = dir / "flowsync.toml";
    std::ofstream{path} << text;
    return path;
  }

  std::string error_of(const std::filesystem::path& path) {
    auto res = load_settings(path, env());
    REQUIRE_FALSE(res);
    CHECK(res.error().code == ec::config);
    return res.error().message;
  }
};

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE_FIXTURE(env_fixture,
                  "the environment alone is enough for the emulator") {
  vars["FLOWSYNC_PROPOSAL_KEYS"] = "1,2,3";
  auto cfg = load_settings({}, env());
  if (!cfg)
    FAIL(cfg.error().message);
  CHECK(cfg->supabase.url == "http://127.0.0.1:54321");
  CHECK(cfg->flow.access_url == "http://127.0.0.1:8888");
  CHECK(cfg->flow.service_address.hex() == "f8d6e0586b0a20c7");
  CHECK(cfg->cycle.interval == std::chrono::seconds{300});
  CHECK(cfg->policy.min_balance == *ufix64::parse("0.075"));
  CHECK(cfg->policy.top_up_amount == *ufix64::parse("0.1"));
  CHECK(cfg->flow.contracts.count("FlowToken") == 1);
}

TEST_CASE_FIXTURE(env_fixture, "no network is ever assumed") {
  vars.erase("NETWORK");
  CHECK(mentions(error_of({}), "no network chosen"));
}

TEST_CASE_FIXTURE(env_fixture, "an unknown network is refused") {
  vars["NETWORK"] = "moonnet";
  CHECK(mentions(error_of({}), "unknown network 'moonnet'"));
}

TEST_CASE_FIXTURE(env_fixture, "the original service's variables apply") {
  vars["SYNC_INTERVAL"] = "60";
  vars.erase("SUPABASE_SERVICE_ROLE_KEY");
  vars["SUPABASE_SERVICE_KEY"] = "older-name";
  auto cfg = load_settings({}, env());
  if (!cfg)
    FAIL(cfg.error().message);
  CHECK(cfg->cycle.interval == std::chrono::seconds{60});
  CHECK(cfg->supabase.service_role_key.reveal() == "older-name");
}

TEST_CASE_FIXTURE(env_fixture, "a malformed SYNC_INTERVAL says what it wants") {
  vars["SYNC_INTERVAL"] = "5m";
  CHECK(mentions(error_of({}), "SYNC_INTERVAL must be a number of seconds"));
}

TEST_CASE_FIXTURE(env_fixture, "missing secrets name the variable to set") {
  vars.erase("FLOWSYNC_MASTER_KEY");
  CHECK(mentions(error_of({}), "FLOWSYNC_MASTER_KEY"));
  vars["FLOWSYNC_MASTER_KEY"] = "too-short";
  CHECK(mentions(error_of({}), "openssl rand -hex 32"));
}

TEST_CASE_FIXTURE(env_fixture, "an unusable service key is refused") {
  vars["FLOWSYNC_SERVICE_KEY"] = "not hex at all";
  CHECK(mentions(error_of({}), "not a valid ECDSA_P256 private key"));
}

TEST_CASE_FIXTURE(env_fixture, "the file overrides the profile") {
  auto path = file(R"(
network = "emulator"
[flow]
proposal_key_indices = [4, 5, 6]
[contracts]
BaitCoin = "0x179b6b1cb6755e31"
[policy]
min_balance = "0.05"
top_up_amount = 0.2
[batching]
state_batch = 50
[output]
flow_config = "out/flow.json"
)");
  auto cfg = load_settings(path, env());
  if (!cfg)
    FAIL(cfg.error().message);
  CHECK(cfg->flow.proposal_key_indices == std::vector<uint32_t>{4, 5, 6});
  CHECK(cfg->flow.contracts.at("BaitCoin").hex() == "179b6b1cb6755e31");
  CHECK(cfg->policy.min_balance == *ufix64::parse("0.05"));
  CHECK(cfg->policy.top_up_amount == *ufix64::parse("0.2"));
  CHECK(cfg->batching.state_batch == 50);
  CHECK(cfg->output.flow_config == "out/flow.json");
}

TEST_CASE_FIXTURE(env_fixture, "unknown keys are refused with the known ones") {
  auto message = error_of(file("[policy]\nmin_balanse = \"0.1\"\n"));
  CHECK(mentions(message, "unknown setting 'policy.min_balanse'"));
  CHECK(mentions(message, "min_balance"));
  CHECK(mentions(error_of(file("[polcy]\n")), "unknown setting 'polcy'"));
}

TEST_CASE_FIXTURE(env_fixture, "wrong types and ranges are refused") {
  CHECK(mentions(error_of(file("[batching]\nworkers = \"three\"\n")),
                 "'batching.workers' in"));
  CHECK(mentions(error_of(file("[batching]\nworkers = 0\n")),
                 "must be between 1 and 64"));
  CHECK(mentions(error_of(file("[policy]\nmin_balance = \"0.123456789\"\n")),
                 "not a valid UFix64"));
}

TEST_CASE_FIXTURE(env_fixture,
                  "the inspector listens on loopback addresses only, and "
                  "port 0 keeps it off") {
  auto cfg =
    load_settings(file("[inspector]\nport = 4247\nhost = \"::1\"\n"), env());
  if (!cfg)
    FAIL(cfg.error().message);
  CHECK(cfg->inspector.port == 4247);

  vars["FLOWSYNC_INSPECTOR_PORT"] = "0";
  cfg = load_settings(file("[inspector]\nport = 4247\n"), env());
  if (!cfg)
    FAIL(cfg.error().message);
  CHECK(cfg->inspector.port == 0);

  vars["FLOWSYNC_INSPECTOR_PORT"] = "70000";
  CHECK(mentions(error_of({}), "FLOWSYNC_INSPECTOR_PORT must be a port"));
  vars.erase("FLOWSYNC_INSPECTOR_PORT");
  CHECK(mentions(error_of(file("[inspector]\nhost = \"0.0.0.0\"\n")),
                 "must be a loopback address"));
  CHECK(mentions(error_of(file("[inspector]\nhost = \"127.example.com\"\n")),
                 "must be a loopback address"));

  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.8.9.10"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("localhost"));
  CHECK_FALSE(is_loopback_host("128.0.0.1"));
  CHECK_FALSE(is_loopback_host("::2"));
  CHECK_FALSE(is_loopback_host(""));
}

TEST_CASE_FIXTURE(env_fixture, "a broken TOML file points at the line") {
  CHECK(mentions(error_of(file("network = \n")), "line 1"));
}

TEST_CASE_FIXTURE(env_fixture, "a missing file is reported") {
  CHECK(mentions(error_of(dir / "nope.toml"), "cannot read the config file"));
}

TEST_CASE_FIXTURE(env_fixture, "more workers than proposal keys is refused") {
  vars["FLOWSYNC_PROPOSAL_KEYS"] = "1,2";
  CHECK(mentions(error_of({}), "3 workers need 3 proposal keys"));
  vars["FLOWSYNC_PROPOSAL_KEYS"] = "1,1,2";
  CHECK(mentions(error_of({}), "lists a key twice"));
}

TEST_CASE_FIXTURE(env_fixture, "a token without an address is refused") {
  vars.erase("FLOWSYNC_CONTRACTS");
  CHECK(mentions(error_of({}), "token BaitCoin has no address"));
  vars["FLOWSYNC_CONTRACTS"] = "BaitCoin";
  CHECK(mentions(error_of({}), "FLOWSYNC_CONTRACTS must list"));
}

TEST_CASE_FIXTURE(env_fixture, "the description hides every secret") {
  auto cfg = load_settings({}, env());
  if (!cfg)
    FAIL(cfg.error().message);
  auto text = describe(*cfg);
  CHECK_FALSE(mentions(text, vars["FLOWSYNC_MASTER_KEY"]));
  CHECK_FALSE(mentions(text, vars["FLOWSYNC_SERVICE_KEY"]));
  CHECK_FALSE(mentions(text, vars["SUPABASE_SERVICE_ROLE_KEY"]));
  CHECK(mentions(text, "# master key: set"));
}

TEST_CASE("the example configuration is valid and complete") {
  env_fixture fx;
  // The mainnet profile holds BaitCoin's address; the environment wins
  // over the file's network.
  fx.vars["NETWORK"] = "mainnet";
  fx.vars["FLOWSYNC_PROPOSAL_KEYS"] = "1,2,3";
  auto example =
    std::filesystem::path{FLOWSYNC_SOURCE_DIR} / "config/flowsync.example.toml";
  auto cfg = load_settings(example, fx.env());
  if (!cfg)
    FAIL(cfg.error().message);
  CHECK(cfg->flow.tokens == std::vector<std::string>{"BaitCoin"});
}
