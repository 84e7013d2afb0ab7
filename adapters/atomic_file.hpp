#pragma once

#include "adapters/result.hpp"

#include <filesystem>
#include <string_view>

namespace flowsync {

/// Replaces `path` with `content` so that readers see either the old or the
/// new file, never a part: writes a temporary file beside it, fsyncs it,
/// keeps the old file as `<path>.backup` when asked, renames the temporary
/// file over `path` and fsyncs the folder. The file gets `mode`.
result<void> write_file_atomically(const std::filesystem::path& path,
                                   std::string_view content,
                                   std::filesystem::perms mode,
                                   bool keep_backup);

/// Creates `dir` (and its parents) if missing and sets its mode to 0700.
result<void> ensure_private_dir(const std::filesystem::path& dir);

/// The content of a file, or `not_found` / `storage` on failure.
result<std::string> read_file(const std::filesystem::path& path);

} // namespace flowsync
