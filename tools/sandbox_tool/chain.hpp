#pragma once

#include "adapters/address.hpp"
#include "adapters/cadence_json.hpp"
#include "adapters/crypto.hpp"
#include "adapters/flow_access.hpp"
#include "adapters/imports.hpp"
#include "adapters/result.hpp"
#include "adapters/secret.hpp"
#include "adapters/transaction.hpp"
#include "adapters/wallet_scripts.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// A small synchronous client of a Flow chain for the sandbox tool and the
/// integration tests: it builds, signs and sends the embedded Cadence and
/// waits for the outcome. The daemon has its own, asynchronous path; this
/// one favours plainness over throughput.
namespace flowsync::sandbox {

/// One key that signs: whose, which, and the private key.
struct signer {
  address addr;
  uint32_t key_index = 0;
  private_key key;
  hash_algo hash = hash_algo::sha3_256;
};

/// A transaction to send: the embedded Cadence file, its arguments and who
/// signs in which role. Signers that share an address with the payer sign
/// the envelope, all others the payload.
struct tx_spec {
  /// A path under cadence/, e.g. "transactions/top_up.cdc".
  std::string cadence_path;
  std::vector<cvalue> arguments;
  /// Whose key's sequence number the transaction consumes.
  signer proposer;
  signer payer;
  std::vector<signer> authorizers;
  uint64_t gas_limit = 9999;
};

struct chain_options {
  /// The REST base URL, e.g. "http://127.0.0.1:8888".
  std::string access_url;
  /// Addresses for `import "Name"`.
  contract_addresses contracts;
  /// Time between looks at a transaction in flight.
  std::chrono::milliseconds poll_interval{100};
  /// Longest wait for a transaction to become final.
  std::chrono::milliseconds timeout{60000};
};

/// The contract addresses of the emulator profile (config/networks/
/// emulator.toml, embedded at build time); BaitCoin is not among them.
result<contract_addresses> emulator_contracts();

/// The whole content of a small file, or nothing when it cannot be read.
std::optional<std::string> read_small_file(const std::filesystem::path& file);

/// Reads a private key written by `flowsync-sandbox keygen`: hex, with or
/// without a trailing newline. The error names the file, never its text.
result<private_key> read_key_file(const std::filesystem::path& file);

/// Writes `text` to `file` with mode 0600 and no trailing newline, through
/// a temporary file and a rename, so a reader never sees half a key.
result<void> write_secret_file(const std::filesystem::path& file,
                               const secret& text);

/// A chain reached over REST, with the contract map that resolves imports.
class chain {
 public:
  explicit chain(chain_options options);

  /// The access-node client underneath.
  flow_access& access() { return *access_; }

  /// Adds or replaces a contract address for `import "Name"`.
  void set_contract(const std::string& name, const address& addr);

  const contract_addresses& contracts() const { return options_.contracts; }

  /// The embedded Cadence at `path` with its imports resolved.
  result<std::string> source(std::string_view path) const;

  /// Runs the embedded script at `path`.
  result<cvalue> run_script(std::string_view path,
                            const std::vector<cvalue>& arguments);

  /// The daemon's state script over `addresses`, each judged against the
  /// public key at the same place in `keys`, for `tokens`; parsed as the
  /// daemon parses it.
  result<std::vector<wallet_state>>
  read_states(const std::vector<address>& addresses,
              const std::vector<std::string>& keys,
              const std::vector<token_ref>& tokens);

  /// Builds and signs a transaction against the latest sealed block and
  /// the proposer's current sequence number, without sending it.
  result<transaction> prepare(const tx_spec& spec);

  /// Sends a signed transaction; fails unless the id the node gives back
  /// equals the one computed locally.
  result<std::string> submit(const transaction& tx);

  /// Polls the result of `id` until it is final or the timeout passes. An
  /// expired transaction is `ec::expired`; one sealed with an error is
  /// `ec::execution_failed` with its Flow error code.
  result<tx_result> wait(std::string_view id);

  /// prepare, submit and wait in one.
  result<tx_result> execute(const tx_spec& spec);

 private:
  chain_options options_;
  std::unique_ptr<flow_access> access_;
};

/// The address of each `flow.AccountCreated` event, in event order.
std::vector<address> created_accounts(const tx_result& result);

/// Cadence values for the common argument shapes.
cvalue address_array(const std::vector<address>& addresses);
cvalue string_array(const std::vector<std::string>& strings);

} // namespace flowsync::sandbox
