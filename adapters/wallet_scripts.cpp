#include "adapters/wallet_scripts.hpp"

#include "adapters/bytes.hpp"
#include "adapters/cadence_sources.hpp"

namespace flowsync {

namespace {

cvalue address_array(const std::vector<address>& addresses) {
  std::vector<cvalue> items;
  items.reserve(addresses.size());
  for (const auto& addr : addresses)
    items.push_back(cvalue::make_address(addr));
  return cvalue::make_array(std::move(items));
}

cvalue string_array(const std::vector<std::string>& texts) {
  std::vector<cvalue> items;
  items.reserve(texts.size());
  for (const auto& text : texts)
    items.push_back(cvalue::make_string(text));
  return cvalue::make_array(std::move(items));
}

void append_tokens(std::vector<cvalue>& args,
                   const std::vector<token_ref>& tokens) {
  std::vector<address> addresses;
  std::vector<std::string> names;
  for (const auto& token : tokens) {
    addresses.push_back(token.addr);
    names.push_back(token.name);
  }
  args.push_back(address_array(addresses));
  args.push_back(string_array(names));
}

failure shape_error(const std::string& what) {
  return make_failure(ec::parse_error,
                      "the state script answered in an unknown shape: " + what);
}

/// Reads a Bool field of a struct.
result<bool> bool_field(const cvalue& item, std::string_view name) {
  auto field = item.field(name);
  if (field == nullptr)
    return shape_error("no field " + std::string{name});
  return field->as_bool();
}

result<ufix64> ufix64_field(const cvalue& item, std::string_view name) {
  auto field = item.field(name);
  if (field == nullptr)
    return shape_error("no field " + std::string{name});
  return field->as_ufix64();
}

result<uint64_t> uint64_field(const cvalue& item, std::string_view name) {
  auto field = item.field(name);
  if (field == nullptr)
    return shape_error("no field " + std::string{name});
  return field->as_uint64();
}

result<token_state> parse_token(const cvalue& item) {
  token_state out;
  auto vault = bool_field(item, "vault");
  auto receiver = bool_field(item, "receiver");
  auto balance_cap = bool_field(item, "balanceCap");
  auto balance = ufix64_field(item, "balance");
  if (!vault || !receiver || !balance_cap || !balance)
    return shape_error("a token state lacks vault, receiver, balanceCap or "
                       "balance");
  out.vault = *vault;
  out.receiver = *receiver;
  out.balance_cap = *balance_cap;
  out.balance = *balance;
  return out;
}

result<wallet_state> parse_wallet(const cvalue& item, size_t token_count) {
  if (item.kind() != ckind::composite)
    return shape_error("an entry is not a struct");
  wallet_state out;
  auto addr = item.field("address");
  if (addr == nullptr)
    return shape_error("no field address");
  auto parsed_addr = addr->as_address();
  auto exists = bool_field(item, "exists");
  auto key_valid = bool_field(item, "keyValid");
  auto balance = ufix64_field(item, "flowBalance");
  auto available = ufix64_field(item, "availableBalance");
  auto used = uint64_field(item, "storageUsed");
  auto capacity = uint64_field(item, "storageCapacity");
  auto receiver = bool_field(item, "flowReceiver");
  if (!parsed_addr || !exists || !key_valid || !balance || !available || !used
      || !capacity || !receiver)
    return shape_error("a wallet state lacks a field or has a wrong type");
  out.addr = *parsed_addr;
  out.exists = *exists;
  out.key_valid = *key_valid;
  out.flow_balance = *balance;
  out.available_balance = *available;
  out.storage_used = *used;
  out.storage_capacity = *capacity;
  out.flow_receiver = *receiver;
  auto tokens = item.field("tokens");
  if (tokens == nullptr || tokens->kind() != ckind::array
      || tokens->elements().size() != token_count)
    return shape_error("a wallet state has the wrong number of tokens");
  for (const auto& token : tokens->elements()) {
    auto parsed = parse_token(token);
    if (!parsed)
      return parsed.error();
    out.tokens.push_back(*parsed);
  }
  return out;
}

result<void> sign_with(transaction& tx, const signer_ref& signer,
                       bool envelope) {
  if (signer.key == nullptr)
    return make_failure(ec::invalid_input, "a signer has no key");
  return envelope ? tx.sign_envelope(signer.addr, signer.key_index, *signer.key,
                                     signer.hash)
                  : tx.sign_payload(signer.addr, signer.key_index, *signer.key,
                                    signer.hash);
}

} // namespace

result<std::string> load_cadence(std::string_view path,
                                 const contract_addresses& contracts) {
  auto source = cadence_source(path);
  if (source.empty())
    return make_failure(ec::config, "no Cadence file '" + std::string{path}
                                      + "' is built into this binary");
  return resolve_imports(source, contracts);
}

std::vector<cvalue>
wallet_state_arguments(const std::vector<address>& addresses,
                       const std::vector<std::string>& public_keys,
                       const std::vector<token_ref>& tokens) {
  std::vector<cvalue> args;
  args.push_back(address_array(addresses));
  args.push_back(string_array(public_keys));
  append_tokens(args, tokens);
  return args;
}

result<std::vector<wallet_state>>
parse_wallet_states(const cvalue& value, size_t expected, size_t token_count) {
  if (value.kind() != ckind::array)
    return shape_error("not an array");
  if (value.elements().size() != expected)
    return shape_error("expected " + std::to_string(expected) + " wallets, got "
                       + std::to_string(value.elements().size()));
  std::vector<wallet_state> out;
  out.reserve(expected);
  for (const auto& item : value.elements()) {
    auto parsed = parse_wallet(item, token_count);
    if (!parsed)
      return parsed.error();
    out.push_back(std::move(*parsed));
  }
  return out;
}

std::vector<cvalue>
create_accounts_arguments(const std::vector<std::string>& public_keys,
                          ufix64 funding,
                          const std::vector<token_ref>& tokens) {
  std::vector<cvalue> args;
  args.push_back(string_array(public_keys));
  args.push_back(cvalue::make_ufix64(funding));
  append_tokens(args, tokens);
  return args;
}

std::vector<cvalue> top_up_arguments(const std::vector<address>& recipients,
                                     ufix64 amount) {
  std::vector<cvalue> args;
  args.push_back(address_array(recipients));
  args.push_back(cvalue::make_ufix64(amount));
  return args;
}

std::vector<cvalue>
setup_vault_arguments(const std::vector<token_ref>& tokens) {
  std::vector<cvalue> args;
  append_tokens(args, tokens);
  return args;
}

result<std::vector<address>> created_addresses(const tx_result& result) {
  std::vector<address> out;
  for (const auto& event : result.events) {
    if (event.type != "flow.AccountCreated")
      continue;
    auto field = event.payload.field("address");
    if (field == nullptr)
      return make_failure(ec::parse_error,
                          "an AccountCreated event has no address");
    auto addr = field->as_address();
    if (!addr)
      return addr.error();
    out.push_back(*addr);
  }
  return out;
}

result<transaction> sign_transaction(const tx_request& request,
                                     const block_header& reference) {
  auto block_id = from_hex(reference.id);
  if (!block_id || block_id->size() != 32)
    return make_failure(ec::invalid_input,
                        "the reference block id is not 32 bytes of hex");
  transaction tx;
  tx.script = request.script;
  for (const auto& arg : request.arguments)
    tx.arguments.push_back(encode_cadence_json(arg));
  tx.reference_block_id = std::move(*block_id);
  tx.gas_limit = request.gas_limit;
  tx.proposer.addr = request.proposer.addr;
  tx.proposer.key_index = request.proposer.key_index;
  tx.proposer.sequence_number = request.sequence_number;
  tx.payer = request.payer.addr;
  for (const auto& auth : request.authorizers)
    tx.authorizers.push_back(auth.addr);

  // Payload first: the proposal key unless it is the paying key itself (one
  // key may not sign both), and every authorizer outside the payer's
  // account (the payer's envelope signature authorizes for its account).
  const auto& payer = request.payer;
  auto same_key = [](const signer_ref& x, const signer_ref& y) {
    return x.addr == y.addr && x.key_index == y.key_index;
  };
  if (!same_key(request.proposer, payer))
    if (auto res = sign_with(tx, request.proposer, false); !res)
      return res.error();
  for (const auto& auth : request.authorizers)
    if (auth.addr != payer.addr && !same_key(auth, request.proposer))
      if (auto res = sign_with(tx, auth, false); !res)
        return res.error();

  // Then the envelope, by the payer.
  if (auto res = sign_with(tx, payer, true); !res)
    return res.error();
  return tx;
}

} // namespace flowsync
