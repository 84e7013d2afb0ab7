#pragma once

#include "adapters/address.hpp"
#include "adapters/cadence_json.hpp"
#include "adapters/crypto.hpp"
#include "adapters/http.hpp"
#include "adapters/result.hpp"
#include "adapters/transaction.hpp"
#include "adapters/ufix64.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flowsync {

/// A block as far as the daemon cares: its id (64 hex digits) and height.
struct block_header {
  std::string id;
  uint64_t height = 0;
};

/// One key of an account.
struct account_key_info {
  uint32_t index = 0;
  /// 64 raw bytes as 128 lower-case hex digits, no prefix.
  std::string public_key;
  sig_algo signing = sig_algo::ecdsa_p256;
  hash_algo hashing = hash_algo::sha3_256;
  uint32_t weight = 0;
  uint64_t sequence_number = 0;
  bool revoked = false;
};

/// An account with its FLOW balance and keys.
struct account_info {
  address addr;
  ufix64 balance;
  std::vector<account_key_info> keys;
};

/// Where a transaction is in its life.
enum class tx_status { unknown, pending, finalized, executed, sealed, expired };

/// A short name for logs and the ledger: "sealed", "expired", ...
const char* to_string(tx_status status) noexcept;

/// One event emitted by a transaction.
struct flow_event {
  /// The fully qualified type, e.g. "flow.AccountCreated".
  std::string type;
  uint32_t event_index = 0;
  cvalue payload;
};

/// The result of a transaction as the access node reports it.
struct tx_result {
  tx_status status = tx_status::unknown;
  /// Non-zero when execution failed.
  uint32_t status_code = 0;
  /// The execution error, empty on success.
  std::string error_message;
  /// N from "[Error Code: N]" in `error_message`, 0 when absent.
  int error_code = 0;
  std::vector<flow_event> events;

  /// True once the result cannot change any more.
  bool final() const noexcept {
    return status == tx_status::sealed || status == tx_status::expired;
  }

  /// True when the transaction executed and its execution failed. A sealed
  /// transaction with an error is a failure, never a success.
  bool failed() const noexcept {
    return (status == tx_status::executed || status == tx_status::sealed)
           && (status_code != 0 || !error_message.empty());
  }
};

/// The access-node API the daemon uses. Blocking; one instance per actor.
/// The REST implementation is the real one; tests substitute fakes.
class flow_access {
 public:
  virtual ~flow_access() = default;

  /// Runs a read-only script against the latest sealed block. A script that
  /// aborts is `execution_failed`; one over its compute limit or the request
  /// size cap is `compute_limit` (never `rate_limited`).
  virtual result<cvalue>
  execute_script(std::string_view script,
                 const std::vector<cvalue>& arguments) = 0;

  /// The account at `addr` with its keys; `not_found` when there is none.
  virtual result<account_info> get_account(const address& addr) = 0;

  /// The latest sealed block, the reference for new transactions.
  virtual result<block_header> latest_sealed_block() = 0;

  /// Submits a signed transaction and returns the id the node computed
  /// (64 hex digits).
  virtual result<std::string> send_transaction(const transaction& tx) = 0;

  /// The status and, once executed, the outcome of a transaction. One the
  /// node does not know is `tx_status::unknown`, not a failure.
  virtual result<tx_result> transaction_result(std::string_view id) = 0;
};

struct flow_rest_options {
  /// The REST base URL, e.g. "http://127.0.0.1:8888" (no "/v1").
  std::string base_url;
  std::chrono::milliseconds timeout = default_http_timeout;
};

/// The Flow access-node REST API (`/v1/...`) over libcurl.
std::unique_ptr<flow_access> make_flow_rest_client(flow_rest_options options);

/// N from "[Error Code: N]" in a Flow error message, 0 when absent.
int flow_error_code(std::string_view message);

} // namespace flowsync
