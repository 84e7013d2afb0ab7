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

/// A field of the report that must be an array of `expected` elements.
result<const std::vector<cvalue>*>
array_field(const cvalue& report, std::string_view name, size_t expected) {
  auto field = report.field(name);
  if (field == nullptr || field->kind() != ckind::array)
    return shape_error("no array " + std::string{name});
  if (field->elements().size() != expected)
    return shape_error(std::string{name} + " holds "
                       + std::to_string(field->elements().size())
                       + " entries, not " + std::to_string(expected));
  return &field->elements();
}

/// Flag bits of the report, as cadence/scripts/wallet_state.cdc sets them.
constexpr uint64_t exists_bit = 1;
constexpr uint64_t key_valid_bit = 2;
constexpr uint64_t flow_receiver_bit = 4;
constexpr uint64_t vault_bit = 1;
constexpr uint64_t receiver_bit = 2;
constexpr uint64_t balance_cap_bit = 4;

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
  if (value.kind() != ckind::composite)
    return shape_error("not a report struct");
  auto flags = array_field(value, "flags", expected);
  auto balances = array_field(value, "flowBalances", expected);
  auto storage = array_field(value, "storageUsed", expected);
  auto token_flags = array_field(value, "tokenFlags", expected * token_count);
  auto token_balances =
    array_field(value, "tokenBalances", expected * token_count);
  for (const auto* res :
       {&flags, &balances, &storage, &token_flags, &token_balances})
    if (!*res)
      return res->error();

  std::vector<wallet_state> out(expected);
  for (size_t i = 0; i < expected; ++i) {
    auto bits = (**flags)[i].as_uint64();
    auto balance = (**balances)[i].as_ufix64();
    auto used = (**storage)[i].as_uint64();
    if (!bits || !balance || !used)
      return shape_error("a wallet entry has a wrong type");
    auto& w = out[i];
    w.exists = (*bits & exists_bit) != 0;
    w.key_valid = (*bits & key_valid_bit) != 0;
    w.flow_receiver = (*bits & flow_receiver_bit) != 0;
    w.flow_balance = *balance;
    w.storage_used = *used;
    for (size_t t = 0; t < token_count; ++t) {
      auto k = i * token_count + t;
      auto token_bits = (**token_flags)[k].as_uint64();
      auto token_balance = (**token_balances)[k].as_ufix64();
      if (!token_bits || !token_balance)
        return shape_error("a token entry has a wrong type");
      w.tokens.push_back(
        {(*token_bits & vault_bit) != 0, (*token_bits & receiver_bit) != 0,
         (*token_bits & balance_cap_bit) != 0, *token_balance});
    }
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
