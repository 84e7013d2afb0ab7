#pragma once

#include <string_view>
#include <vector>

/// Resources embedded into the binaries at build time (cadence/embed.cmake),
/// so that the daemon needs no data folder next to it.
namespace flowsync {

/// The text of a Cadence file shipped in `cadence/`, by its path relative to
/// that folder (e.g. "scripts/wallet_state.cdc"); empty when there is none.
std::string_view cadence_source(std::string_view path);

/// Every embedded Cadence path, sorted.
std::vector<std::string_view> cadence_paths();

/// A network profile or SQL file shipped in `config/`, by its path relative
/// to that folder (e.g. "networks/mainnet.toml"); empty when there is none.
std::string_view config_resource(std::string_view path);

} // namespace flowsync
