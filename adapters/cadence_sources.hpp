#pragma once

#include <string_view>
#include <vector>

namespace flowsync {

/// The text of a Cadence file shipped in `cadence/`, by its path relative to
/// that folder (e.g. "scripts/wallet_state.cdc"); empty when there is none.
/// The files are embedded at build time so the daemon needs no data folder.
std::string_view cadence_source(std::string_view path);

/// Every embedded path, sorted.
std::vector<std::string_view> cadence_paths();

} // namespace flowsync
