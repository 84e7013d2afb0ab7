#pragma once

#include "adapters/crypto.hpp"
#include "adapters/result.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flowsync {

/// One account of a Flow CLI configuration, with a key kept in a file.
struct cli_account {
  /// The account's name in the configuration: the user's id.
  std::string name;
  /// 16 hex digits, no 0x.
  std::string address;
  /// The key file, relative to the configuration file's folder.
  std::string key_location;
  uint32_t key_index = 0;
  sig_algo signing = sig_algo::ecdsa_p256;
  hash_algo hashing = hash_algo::sha3_256;
};

/// Renders `flow-production.json`: the network (name to gRPC host) and every
/// account with a `file` key, all key fields written out. `accounts` must be
/// sorted by name so that equal input gives byte-equal output.
std::string render_flow_cli_config(std::string_view network,
                                   std::string_view grpc_host,
                                   const std::vector<cli_account>& accounts);

/// The accounts listed in an existing `flow-production.json` (only those
/// with a file key); fails with `parse_error` when the text is not such a
/// configuration.
result<std::vector<cli_account>> parse_flow_cli_accounts(std::string_view text);

/// The path of `key_dir` relative to the folder of `config_file`, as the
/// Flow CLI resolves key locations ("pkeys" for the default layout).
result<std::filesystem::path>
key_dir_relative_to(const std::filesystem::path& key_dir,
                    const std::filesystem::path& config_file);

} // namespace flowsync
