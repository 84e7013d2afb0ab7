#include "tools/sandbox_tool/chain.hpp"

#include "adapters/bytes.hpp"
#include "adapters/cadence_sources.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flowsync::sandbox {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty()
         && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

/// Adds a signature for `who` unless that key has signed already: a key
/// that is both proposer and authorizer signs once.
result<void> sign_as(transaction& tx, const signer& who, bool envelope) {
  auto& list = envelope ? tx.envelope_signatures : tx.payload_signatures;
  for (const auto& sig : list)
    if (sig.addr == who.addr && sig.key_index == who.key_index)
      return {};
  return envelope ? tx.sign_envelope(who.addr, who.key_index, who.key, who.hash)
                  : tx.sign_payload(who.addr, who.key_index, who.key, who.hash);
}

} // namespace

result<contract_addresses> emulator_contracts() {
  // The profile is our own file in a fixed shape; reading the [contracts]
  // lines here keeps the tool free of a TOML dependency.
  auto text = config_resource("networks/emulator.toml");
  if (text.empty())
    return make_failure(ec::config, "the emulator profile is not embedded");
  contract_addresses out;
  bool in_contracts = false;
  std::istringstream lines{std::string{text}};
  std::string line;
  while (std::getline(lines, line)) {
    auto body = trim(line);
    if (body.empty() || body.front() == '#')
      continue;
    if (body.front() == '[') {
      in_contracts = body == "[contracts]";
      continue;
    }
    if (!in_contracts)
      continue;
    auto eq = body.find('=');
    if (eq == std::string_view::npos)
      return make_failure(ec::config, "the emulator profile has a malformed "
                                      "line in [contracts]");
    auto name = trim(body.substr(0, eq));
    auto value = trim(body.substr(eq + 1));
    if (value.size() < 2 || value.front() != '"' || value.back() != '"')
      return make_failure(ec::config, "contracts." + std::string{name}
                                        + " in the emulator profile is not "
                                          "a quoted address");
    auto addr = address::parse(value.substr(1, value.size() - 2));
    if (!addr)
      return make_failure(ec::config, "contracts." + std::string{name}
                                        + " in the emulator profile: "
                                        + addr.error().message);
    out[std::string{name}] = *addr;
  }
  if (out.empty())
    return make_failure(ec::config,
                        "the emulator profile lists no [contracts]");
  return out;
}

std::optional<std::string> read_small_file(const std::filesystem::path& file) {
  auto fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string text;
  char buffer[4096];
  for (;;) {
    auto n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      if (n < 0)
        return std::nullopt;
      return text;
    }
    text.append(buffer, static_cast<size_t>(n));
  }
}

result<private_key> read_key_file(const std::filesystem::path& file) {
  auto content = read_small_file(file);
  if (!content)
    return make_failure(ec::storage,
                        "cannot read the key file " + file.string());
  secret text{std::move(*content)};
  secret hex{std::string{trim(text.reveal())}};
  auto key = private_key::from_hex(hex, sig_algo::ecdsa_p256);
  if (!key)
    return make_failure(ec::invalid_input,
                        "the key file " + file.string()
                          + " does not hold a P-256 private key in hex: "
                          + key.error().message);
  return key;
}

result<void> write_secret_file(const std::filesystem::path& file,
                               const secret& text) {
  auto temp = file;
  temp += ".tmp";
  auto fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                   S_IRUSR | S_IWUSR);
  if (fd < 0)
    return make_failure(ec::storage, "cannot create " + temp.string() + ": "
                                       + std::strerror(errno));

  // open() honours the umask only downwards; make sure of 0600 anyway.
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
  const auto& data = text.reveal();
  size_t done = 0;
  while (ok && done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    if (ok)
      done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  auto error = errno;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), file.c_str()) != 0) {
    if (ok)
      error = errno;
    ::unlink(temp.c_str());
    return make_failure(ec::storage, "cannot write " + file.string() + ": "
                                       + std::strerror(error));
  }
  return {};
}

chain::chain(chain_options options)
    : options_(std::move(options)),
      access_(make_flow_rest_client(
        {options_.access_url, std::chrono::seconds{30}})) {
  // nop
}

void chain::set_contract(const std::string& name, const address& addr) {
  options_.contracts[name] = addr;
}

result<std::string> chain::source(std::string_view path) const {
  auto text = cadence_source(path);
  if (text.empty())
    return make_failure(ec::invalid_input,
                        "no embedded Cadence file " + std::string{path});
  return resolve_imports(text, options_.contracts);
}

result<cvalue> chain::run_script(std::string_view path,
                                 const std::vector<cvalue>& arguments) {
  auto code = source(path);
  if (!code)
    return code.error();
  return access_->execute_script(*code, arguments);
}

result<std::vector<wallet_state>>
chain::read_states(const std::vector<address>& addresses,
                   const std::vector<std::string>& keys,
                   const std::vector<token_ref>& tokens) {
  auto answer = run_script(cadence_file::wallet_state,
                           wallet_state_arguments(addresses, keys, tokens));
  if (!answer)
    return answer.error();
  return parse_wallet_states(*answer, addresses.size(), tokens.size());
}

result<transaction> chain::prepare(const tx_spec& spec) {
  auto code = source(spec.cadence_path);
  if (!code)
    return code.error();

  auto block = access_->latest_sealed_block();
  if (!block)
    return block.error();
  auto block_id = from_hex(block->id);
  if (!block_id)
    return make_failure(ec::parse_error, "the latest block id is not hex");

  auto account = access_->get_account(spec.proposer.addr);
  if (!account)
    return account.error();
  auto key = std::find_if(account->keys.begin(), account->keys.end(),
                          [&](const account_key_info& k) {
                            return k.index == spec.proposer.key_index;
                          });
  if (key == account->keys.end())
    return make_failure(ec::invalid_input,
                        spec.proposer.addr.with_prefix() + " has no key "
                          + std::to_string(spec.proposer.key_index));

  transaction tx;
  tx.script = std::move(*code);
  for (const auto& arg : spec.arguments)
    tx.arguments.push_back(encode_cadence_json(arg));
  tx.reference_block_id = std::move(*block_id);
  tx.gas_limit = spec.gas_limit;
  tx.proposer = {spec.proposer.addr, spec.proposer.key_index,
                 key->sequence_number};
  tx.payer = spec.payer.addr;
  for (const auto& who : spec.authorizers)
    tx.authorizers.push_back(who.addr);

  // Everyone but the payer's account signs the payload first; the payer's
  // keys sign the envelope, which covers those signatures.
  std::vector<const signer*> all{&spec.proposer};
  for (const auto& who : spec.authorizers)
    all.push_back(&who);
  for (const auto* who : all)
    if (who->addr != spec.payer.addr)
      if (auto res = sign_as(tx, *who, false); !res)
        return res.error();
  for (const auto* who : all)
    if (who->addr == spec.payer.addr)
      if (auto res = sign_as(tx, *who, true); !res)
        return res.error();
  if (auto res = sign_as(tx, spec.payer, true); !res)
    return res.error();
  return tx;
}

result<std::string> chain::submit(const transaction& tx) {
  auto id = access_->send_transaction(tx);
  if (!id)
    return id.error();
  auto local = tx.id_hex();
  if (*id != local)
    return make_failure(ec::parse_error, "the node names the transaction " + *id
                                           + ", but it hashes to " + local);
  return id;
}

result<tx_result> chain::wait(std::string_view id) {
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  failure last = make_failure(ec::timeout, "transaction " + std::string{id}
                                             + " was not final in time");
  for (;;) {
    auto res = access_->transaction_result(id);
    if (res && res->final()) {
      if (res->status == tx_status::expired)
        return make_failure(ec::expired,
                            "transaction " + std::string{id} + " expired");
      if (res->failed()) {
        auto f = make_failure(ec::execution_failed,
                              "transaction " + std::string{id}
                                + " failed: " + res->error_message);
        f.flow_code = res->error_code;
        return f;
      }
      return res;
    }
    if (!res && !is_retryable(res.error()))
      return res.error();
    if (!res)
      last = res.error();
    if (std::chrono::steady_clock::now() >= deadline)
      return last;
    std::this_thread::sleep_for(options_.poll_interval);
  }
}

result<tx_result> chain::execute(const tx_spec& spec) {
  auto tx = prepare(spec);
  if (!tx)
    return tx.error();
  auto id = submit(*tx);
  if (!id)
    return id.error();
  return wait(*id);
}

std::vector<address> created_accounts(const tx_result& result) {
  std::vector<address> out;
  for (const auto& event : result.events) {
    if (event.type != "flow.AccountCreated")
      continue;
    if (auto field = event.payload.field("address"))
      if (auto addr = field->as_address())
        out.push_back(*addr);
  }
  return out;
}

cvalue address_array(const std::vector<address>& addresses) {
  std::vector<cvalue> items;
  for (const auto& addr : addresses)
    items.push_back(cvalue::make_address(addr));
  return cvalue::make_array(std::move(items));
}

cvalue string_array(const std::vector<std::string>& strings) {
  std::vector<cvalue> items;
  for (const auto& text : strings)
    items.push_back(cvalue::make_string(text));
  return cvalue::make_array(std::move(items));
}

} // namespace flowsync::sandbox
