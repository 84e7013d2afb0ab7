#pragma once

#include "adapters/sealing.hpp"
#include "adapters/settings.hpp"
#include "messages/interfaces.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace flowsync {

/// What the config writer needs to know.
struct config_writer_config {
  output_settings output;
  /// The network's name and gRPC host, as the Flow CLI wants them.
  std::string network;
  std::string grpc_host;
  /// Write nothing (a dry run): flushes only report what they would list.
  bool read_only = false;
};

struct config_writer_state {
  static inline const char* name = "config-writer";

  /// One listed account.
  struct entry {
    std::string address;
    /// Empty for accounts read back from an earlier configuration.
    std::string sealed_key;
    uint32_t key_index = 0;
    /// The cycle that last reported the account.
    uint64_t seen = 0;
    /// The key file is known to be in place.
    bool key_file_ok = false;
    /// The key file was found on disk but not yet compared with the key:
    /// read it before writing it again.
    bool compare_file = false;
  };

  config_writer_actor::stateful_pointer<config_writer_state> self = nullptr;
  config_writer_config cfg;
  std::optional<sealer> keys;
  /// Key locations relative to the configuration file.
  std::filesystem::path key_location_dir;
  std::map<std::string, entry> accounts;
  uint64_t cycle = 0;
  /// A hash of the configuration text last written or found, so that an
  /// unchanged configuration is not written again.
  size_t written_hash = 0;
  bool dirty = false;
  bool tick_pending = false;

  /// Reads the accounts of an existing configuration so that writes made
  /// before the first cycle ends do not lose them.
  void load_existing();

  /// Adds or updates an account; marks the state dirty when it changed.
  void upsert(const account_entry& account);

  /// Drops accounts not seen in `complete_cycle` and removes their files.
  void drop_unseen(uint64_t complete_cycle);

  /// Writes the key files that are missing and the configuration, if
  /// anything changed (or `force`).
  flush_report flush(bool force);

  enum class key_file { in_place, written, failed };

  /// Writes one key file unless it is in place.
  key_file ensure_key_file(const std::string& auth_id, entry& e);
};

/// The sole owner of `flow-production.json` and the key folder: coalesces
/// updates and writes atomically, at most once per flush interval while a
/// cycle runs and once at its end.
config_writer_actor::behavior_type
config_writer(config_writer_actor::stateful_pointer<config_writer_state> self,
              config_writer_config cfg, sealer keys);

/// Spawns the config writer; detached in production since it blocks on the
/// disk.
config_writer_actor spawn_config_writer(caf::actor_system& sys,
                                        config_writer_config cfg, sealer keys,
                                        bool detached);

} // namespace flowsync
