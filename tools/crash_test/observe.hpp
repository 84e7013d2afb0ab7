#pragma once

#include "adapters/address.hpp"
#include "adapters/cadence_json.hpp"
#include "adapters/flow_access.hpp"
#include "adapters/result.hpp"
#include "adapters/sealing.hpp"
#include "tools/crash_test/audit.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <libpq-fe.h>

/// How the crash test looks at the sandbox: the database straight through
/// libpq, the chain through the access node's REST API. Never through the
/// daemon or its records in memory.
namespace flowsync::crash {

/// The REST API answers at most this many heights per events request.
constexpr uint64_t event_heights_per_request = 250;

/// Direct SQL on the sandbox database.
class database {
 public:
  /// Connects to `url` (a libpq URL); check `error()` afterwards.
  explicit database(const std::string& url);
  ~database();

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Empty when connected, else why not.
  std::string error() const;

  /// The rows of a query, each a list of text values ("" for NULL).
  result<std::vector<std::vector<std::string>>>
  query(const std::string& sql, const std::vector<std::string>& params = {});

 private:
  PGconn* conn_;
};

/// One event of a scan over block heights.
struct event_record {
  std::string tx_id;
  uint64_t height = 0;
  cvalue payload;
};

/// Every event of `type` in blocks `from` to `to` (inclusive), in chain
/// order, read `event_heights_per_request` heights at a time.
result<std::vector<event_record>> scan_events(const std::string& access_url,
                                              const std::string& type,
                                              uint64_t from, uint64_t to);

/// Reads how often each address was drained from a file of one address
/// per line (a missing file means no drains).
result<std::map<address, int>> read_drains(const std::string& file);

/// Reads the first public key seen of each user from a file of
/// "auth_id public_key" lines (a missing file means none yet).
result<std::map<std::string, std::string>>
read_key_record(const std::string& file);

/// Collects the evidence for the verdict: users, keys and ledger from the
/// database; created accounts with their keys, deposits and the outcome of
/// every ledger transaction from the chain. `flow_token` is the address of
/// the FlowToken contract.
result<evidence> gather(database& db, flow_access& node,
                        const std::string& access_url, const sealer& keys,
                        const address& flow_token, uint64_t from_height,
                        std::map<address, int> drains,
                        std::map<std::string, std::string> first_keys);

/// Where the daemon's work stood when it was killed: the windows between
/// its writes that a kill can fall into.
struct snapshot {
  size_t users = 0;
  /// Wallet rows with an address.
  size_t addresses = 0;
  /// Keys stored with no ledger row for the user yet.
  size_t keys_only = 0;
  /// Open ledger transactions by what the chain says of them: unknown
  /// (written, not sent), pending (sent, in flight), sealed or failed
  /// (executed, result not recorded), expired.
  std::map<std::string, size_t> open_txs;
  /// Sealed creation rows whose wallet row still has no address.
  size_t unstored_addresses = 0;
  /// Rows whose key differs from the first one recorded for the user.
  size_t replaced_keys = 0;
};

/// Takes a snapshot of the database and the chain, and adds the keys seen
/// for the first time to `key_record` (see read_key_record).
result<snapshot> take_snapshot(database& db, flow_access& node,
                               const std::string& key_record);

/// One line describing a snapshot.
std::string describe(const snapshot& s);

} // namespace flowsync::crash
