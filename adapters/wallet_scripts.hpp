#pragma once

#include "adapters/address.hpp"
#include "adapters/cadence_json.hpp"
#include "adapters/crypto.hpp"
#include "adapters/flow_access.hpp"
#include "adapters/imports.hpp"
#include "adapters/result.hpp"
#include "adapters/transaction.hpp"
#include "adapters/ufix64.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// The daemon's side of its Cadence files (cadence/): arguments in, results
/// out, and signing. Argument order and result fields follow the files.
namespace flowsync {

/// Paths of the Cadence files, relative to cadence/.
namespace cadence_file {
constexpr std::string_view wallet_state = "scripts/wallet_state.cdc";
constexpr std::string_view create_accounts = "transactions/create_accounts.cdc";
constexpr std::string_view top_up = "transactions/top_up.cdc";
constexpr std::string_view setup_vault = "transactions/setup_vault.cdc";
} // namespace cadence_file

/// A fungible token every wallet must hold: its contract name and address.
struct token_ref {
  std::string name;
  address addr;
};

/// One token of one wallet, as the state script reports it.
struct token_state {
  bool vault = false;
  bool receiver = false;
  bool balance_cap = false;
  ufix64 balance;

  /// Vault and both capabilities are in place.
  bool healthy() const noexcept { return vault && receiver && balance_cap; }
};

/// One wallet as the state script reports it.
struct wallet_state {
  /// An account lives at the address.
  bool exists = false;
  /// The key the database holds is an unrevoked full-weight key there.
  bool key_valid = false;
  ufix64 flow_balance;
  uint64_t storage_used = 0;
  /// The FLOW receiver capability is published (top-ups can land).
  bool flow_receiver = false;
  /// One per configured token, in order.
  std::vector<token_state> tokens;
};

/// Reads a Cadence file and resolves its imports for the network.
result<std::string> load_cadence(std::string_view path,
                                 const contract_addresses& contracts);

/// Arguments of the state script: each address with the public key the
/// database says it holds, and the tokens.
std::vector<cvalue>
wallet_state_arguments(const std::vector<address>& addresses,
                       const std::vector<std::string>& public_keys,
                       const std::vector<token_ref>& tokens);

/// Parses the state script's report (flat arrays, in the order of the
/// addresses given); fails unless it holds exactly `expected` wallets with
/// `token_count` tokens each.
result<std::vector<wallet_state>>
parse_wallet_states(const cvalue& value, size_t expected, size_t token_count);

/// Arguments of the bulk creation: one account per key, each with the
/// tokens' vaults and `funding` FLOW.
std::vector<cvalue>
create_accounts_arguments(const std::vector<std::string>& public_keys,
                          ufix64 funding, const std::vector<token_ref>& tokens);

/// Arguments of the bulk top-up: `amount` to each recipient.
std::vector<cvalue> top_up_arguments(const std::vector<address>& recipients,
                                     ufix64 amount);

/// Arguments of the vault repair.
std::vector<cvalue> setup_vault_arguments(const std::vector<token_ref>& tokens);

/// The addresses of the `flow.AccountCreated` events of a transaction, in
/// the order of the events (which is the order of the keys given).
result<std::vector<address>> created_addresses(const tx_result& result);

/// A key that signs a transaction.
struct signer_ref {
  address addr;
  uint32_t key_index = 0;
  const private_key* key = nullptr;
  hash_algo hash = hash_algo::sha3_256;
};

/// What a transaction is to do, before it is signed.
struct tx_request {
  std::string script;
  std::vector<cvalue> arguments;
  uint64_t gas_limit = 9999;
  /// The proposal key and its sequence number.
  signer_ref proposer;
  uint64_t sequence_number = 0;
  signer_ref payer;
  /// Authorizers in order; the payer's account may be among them.
  std::vector<signer_ref> authorizers;
};

/// Builds and signs a transaction against a reference block: payload
/// signatures from the proposal key (unless it is the paying key) and from
/// authorizers outside the payer's account, then the payer's envelope
/// signature. Its id is known before it is sent.
result<transaction> sign_transaction(const tx_request& request,
                                     const block_header& reference);

} // namespace flowsync
