// flowsync-sandbox: prepares a Flow emulator for flowsync and inspects
// accounts on it. Used by tools/sandbox.d/emulator.sh and by people.

#include "adapters/crypto.hpp"
#include "adapters/ufix64.hpp"
#include "tools/sandbox_tool/chain.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace fs = std::filesystem;

namespace flowsync::sandbox {

namespace {

/// FLOW given to the token's account, enough for its storage and fees.
constexpr std::string_view token_account_funding = "10.0";

/// File names inside the state folder.
constexpr std::string_view token_key_file = "baitcoin.pkey";
constexpr std::string_view token_address_file = "baitcoin.address";

int fail(const std::string& what, const failure& f) {
  std::cerr << "flowsync-sandbox: " << what << ": " << f.message << '\n';
  return 1;
}

int fail(const std::string& message) {
  std::cerr << "flowsync-sandbox: " << message << '\n';
  return 1;
}

std::optional<std::string> read_text(const fs::path& file) {
  auto text = read_small_file(file);
  while (text && !text->empty()
         && std::isspace(static_cast<unsigned char>(text->back())))
    text->pop_back();
  return text;
}

// -- keygen -------------------------------------------------------------------

int keygen(const fs::path& out, bool force) {
  std::error_code err;
  if (!force && fs::exists(out, err))
    return fail(out.string() + " exists already; pass --force to replace it");
  auto key = private_key::generate(sig_algo::ecdsa_p256);
  if (!key)
    return fail("cannot generate a key", key.error());
  if (auto res = write_secret_file(out, key->to_hex()); !res)
    return fail("cannot save the key", res.error());
  std::cout << key->public_key_hex() << '\n';
  return 0;
}

// -- bootstrap ----------------------------------------------------------------

struct bootstrap_options {
  std::string access_url;
  std::string service_address;
  fs::path service_key_file;
  uint32_t proposal_keys = 3;
  fs::path state_dir;
};

/// Gives the service account `wanted` proposal keys after key 0: weight-0
/// copies of key 0, added only when missing.
result<std::vector<uint32_t>>
ensure_proposal_keys(chain& net, const signer& service, uint32_t wanted) {
  auto account = net.access().get_account(service.addr);
  if (!account)
    return account.error();
  auto main_key = service.key.public_key_hex();
  if (account->keys.empty() || account->keys[0].public_key != main_key)
    return make_failure(ec::config,
                        "the service key file does not hold key 0 of "
                          + service.addr.with_prefix());

  std::vector<uint32_t> indices;
  for (const auto& key : account->keys)
    if (key.index > 0 && !key.revoked && key.public_key == main_key
        && indices.size() < wanted)
      indices.push_back(key.index);
  if (indices.size() >= wanted)
    return indices;

  auto missing = wanted - static_cast<uint32_t>(indices.size());
  tx_spec spec;
  spec.cadence_path = "transactions/sandbox/add_keys.cdc";
  spec.arguments = {cvalue::make_string(main_key),
                    cvalue::make_integer("Int", std::to_string(missing)),
                    cvalue::make_ufix64(ufix64{})};
  spec.proposer = spec.payer = service;
  spec.authorizers = {service};
  if (auto res = net.execute(spec); !res)
    return res.error();
  return ensure_proposal_keys(net, service, wanted);
}

/// True when `addr` is an account holding `key` as key 0.
result<bool> holds_key(chain& net, const address& addr,
                       const private_key& key) {
  auto account = net.access().get_account(addr);
  if (!account)
    return account.error().code == ec::not_found ? result<bool>{false}
                                                 : account.error();
  return !account->keys.empty()
         && account->keys[0].public_key == key.public_key_hex();
}

/// The token account from the state folder, or a new one. A saved address
/// that the chain does not know (a fresh emulator without --persist) is
/// replaced.
result<signer> ensure_token_account(chain& net, const signer& service,
                                    const fs::path& dir) {
  auto key_path = dir / token_key_file;
  auto address_path = dir / token_address_file;
  std::error_code err;

  signer token;
  if (fs::exists(key_path, err)) {
    auto key = read_key_file(key_path);
    if (!key)
      return key.error();
    token.key = *key;
  } else {
    auto key = private_key::generate(sig_algo::ecdsa_p256);
    if (!key)
      return key.error();
    if (auto res = write_secret_file(key_path, key->to_hex()); !res)
      return res.error();
    token.key = *key;
  }

  if (auto text = read_text(address_path)) {
    auto addr = address::parse(*text);
    if (!addr)
      return make_failure(ec::storage,
                          address_path.string() + " does not hold an address");
    auto held = holds_key(net, *addr, token.key);
    if (!held)
      return held.error();
    if (*held) {
      token.addr = *addr;
      return token;
    }
  }

  tx_spec spec;
  spec.cadence_path = "transactions/sandbox/create_account.cdc";
  spec.arguments = {cvalue::make_string(token.key.public_key_hex()),
                    cvalue::make_ufix64(*ufix64::parse(token_account_funding))};
  spec.proposer = spec.payer = service;
  spec.authorizers = {service};
  auto res = net.execute(spec);
  if (!res)
    return res.error();
  auto created = created_accounts(*res);
  if (created.size() != 1)
    return make_failure(ec::parse_error,
                        "creating the token account emitted no "
                        "flow.AccountCreated event");
  token.addr = created.front();
  if (auto saved = write_secret_file(address_path, secret{token.addr.hex()});
      !saved)
    return saved.error();
  return token;
}

/// Deploys BaitCoin to the token account unless it is there already.
result<void> ensure_token_contract(chain& net, const signer& token) {
  auto has = net.run_script(
    "scripts/sandbox/has_contract.cdc",
    {cvalue::make_address(token.addr), cvalue::make_string("BaitCoin")});
  if (!has)
    return has.error();
  if (auto yes = has->as_bool(); yes && *yes)
    return {};

  auto code = net.source("contracts/BaitCoin.cdc");
  if (!code)
    return code.error();
  tx_spec spec;
  spec.cadence_path = "transactions/sandbox/deploy_contract.cdc";
  spec.arguments = {cvalue::make_string("BaitCoin"),
                    cvalue::make_string(to_hex(to_bytes(*code)))};
  spec.proposer = spec.payer = token;
  spec.authorizers = {token};
  if (auto res = net.execute(spec); !res)
    return res.error();
  return {};
}

int bootstrap(const bootstrap_options& opts) {
  auto contracts = emulator_contracts();
  if (!contracts)
    return fail("cannot read the emulator profile", contracts.error());
  chain net{{opts.access_url, *contracts}};

  signer service;
  auto service_addr = address::parse(opts.service_address);
  if (!service_addr)
    return fail("--service-address", service_addr.error());
  service.addr = *service_addr;
  auto service_key = read_key_file(opts.service_key_file);
  if (!service_key)
    return fail("--service-key-file", service_key.error());
  service.key = *service_key;

  std::error_code err;
  fs::create_directories(opts.state_dir, err);
  if (err)
    return fail("cannot create " + opts.state_dir.string() + ": "
                + err.message());
  fs::permissions(opts.state_dir, fs::perms::owner_all, err);

  auto indices = ensure_proposal_keys(net, service, opts.proposal_keys);
  if (!indices)
    return fail("cannot set up the proposal keys", indices.error());
  auto token = ensure_token_account(net, service, opts.state_dir);
  if (!token)
    return fail("cannot set up the BaitCoin account", token.error());
  if (auto res = ensure_token_contract(net, *token); !res)
    return fail("cannot deploy BaitCoin", res.error());

  std::cout << "BAITCOIN_ADDRESS=" << token->addr.hex() << '\n';
  std::cout << "PROPOSAL_KEY_INDICES=";
  for (size_t i = 0; i < indices->size(); ++i)
    std::cout << (i == 0 ? "" : ",") << (*indices)[i];
  std::cout << '\n';
  return 0;
}

// -- account ------------------------------------------------------------------

using json_writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void write_string(json_writer& out, const std::string& text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

/// Writes a wallet's state as the state script reports it, with BaitCoin
/// as its one token.
void write_state(json_writer& out, const wallet_state& state) {
  out.StartObject();
  out.Key("exists");
  out.Bool(state.exists);
  out.Key("key_0_valid");
  out.Bool(state.key_valid);
  out.Key("flow_balance");
  write_string(out, state.flow_balance.to_string());
  out.Key("flow_receiver");
  out.Bool(state.flow_receiver);
  out.Key("storage_used");
  out.Uint64(state.storage_used);
  const auto& token = state.tokens.front();
  out.Key("baitcoin");
  out.StartObject();
  out.Key("vault");
  out.Bool(token.vault);
  out.Key("receiver");
  out.Bool(token.receiver);
  out.Key("balance_capability");
  out.Bool(token.balance_cap);
  out.Key("balance");
  write_string(out, token.balance.to_string());
  out.EndObject();
  out.EndObject();
}

int account(const std::string& access_url, const std::string& text,
            const std::string& token_text) {
  auto addr = address::parse(text);
  if (!addr)
    return fail("ADDRESS", addr.error());
  auto contracts = emulator_contracts();
  if (!contracts)
    return fail("cannot read the emulator profile", contracts.error());
  chain net{{access_url, *contracts}};
  std::optional<address> token;
  if (!token_text.empty()) {
    auto parsed = address::parse(token_text);
    if (!parsed)
      return fail("--baitcoin-address", parsed.error());
    token = *parsed;
    net.set_contract("BaitCoin", *token);
  }

  auto info = net.access().get_account(*addr);
  if (!info && info.error().code != ec::not_found)
    return fail("cannot read account " + addr->hex(), info.error());

  rapidjson::StringBuffer buffer;
  json_writer out{buffer};
  out.StartObject();
  out.Key("address");
  write_string(out, addr->hex());
  out.Key("exists");
  out.Bool(static_cast<bool>(info));
  if (info) {
    out.Key("balance");
    write_string(out, info->balance.to_string());
    out.Key("keys");
    out.StartArray();
    for (const auto& key : info->keys) {
      out.StartObject();
      out.Key("index");
      out.Uint(key.index);
      out.Key("public_key");
      write_string(out, key.public_key);
      out.Key("signing_algorithm");
      out.String(to_string(key.signing));
      out.Key("hashing_algorithm");
      out.String(to_string(key.hashing));
      out.Key("weight");
      out.Uint(key.weight);
      out.Key("sequence_number");
      out.Uint64(key.sequence_number);
      out.Key("revoked");
      out.Bool(key.revoked);
      out.EndObject();
    }
    out.EndArray();
  }

  // The state script judges key 0, or no key, as the database would.
  if (token) {
    std::string key0 =
      info && !info->keys.empty() ? info->keys[0].public_key : std::string{};
    auto state = net.read_states({*addr}, {key0}, {{"BaitCoin", *token}});
    if (!state)
      return fail("the state script failed", state.error());
    out.Key("state");
    write_state(out, state->front());
  }
  out.EndObject();
  std::cout << buffer.GetString() << '\n';
  return 0;
}

} // namespace

} // namespace flowsync::sandbox

int main(int argc, char** argv) {
  using namespace flowsync::sandbox;
  CLI::App app{"Prepares a Flow emulator for flowsync and inspects accounts."};
  app.require_subcommand(1);

  fs::path key_out;
  bool force = false;
  auto* keygen_cmd = app.add_subcommand(
    "keygen", "Generate a P-256 key: the private key (hex) goes to --out "
              "with mode 0600, the public key to standard output.");
  keygen_cmd->add_option("--out", key_out, "File for the private key")
    ->required();
  keygen_cmd->add_flag("--force", force, "Replace an existing file");

  bootstrap_options boot;
  auto* boot_cmd = app.add_subcommand(
    "bootstrap", "Give the service account its proposal keys and deploy "
                 "BaitCoin; idempotent. Prints KEY=VALUE lines.");
  boot_cmd
    ->add_option("--access-url", boot.access_url, "REST URL of the emulator")
    ->required();
  boot_cmd
    ->add_option("--service-address", boot.service_address,
                 "Address of the service account")
    ->required();
  boot_cmd
    ->add_option("--service-key-file", boot.service_key_file,
                 "File holding the service account's key 0 (hex)")
    ->required()
    ->check(CLI::ExistingFile);
  boot_cmd
    ->add_option("--proposal-keys", boot.proposal_keys,
                 "Proposal keys the service account should have")
    ->check(CLI::Range(1, 64));
  boot_cmd
    ->add_option("--state-dir", boot.state_dir,
                 "Folder that keeps the token account's key and address")
    ->required();

  std::string access_url;
  std::string target;
  std::string token = [] {
    auto value = std::getenv("FLOWSYNC_BAITCOIN_ADDRESS");
    return value != nullptr ? std::string{value} : std::string{};
  }();
  auto* account_cmd = app.add_subcommand(
    "account", "Print an account's FLOW balance, keys and token state as "
               "JSON.");
  account_cmd
    ->add_option("--access-url", access_url, "REST URL of the emulator")
    ->required();
  account_cmd->add_option("--baitcoin-address", token,
                          "Where BaitCoin lives (default: "
                          "$FLOWSYNC_BAITCOIN_ADDRESS); without it the token "
                          "state is left out");
  account_cmd->add_option("ADDRESS", target, "The account to show")->required();

  CLI11_PARSE(app, argc, argv);
  if (keygen_cmd->parsed())
    return keygen(key_out, force);
  if (boot_cmd->parsed())
    return bootstrap(boot);
  return account(access_url, target, token);
}
