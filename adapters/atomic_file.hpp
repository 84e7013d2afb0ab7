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

/// Replaces `path` with `content` through a temporary file and a rename,
/// like write_file_atomically, but without waiting for the disk: the caller
/// writes a batch of files this way and then makes them all durable with
/// one sync_file_system(). Thousands of small files cost one sync instead
/// of two each.
result<void> write_file_unsynced(const std::filesystem::path& path,
                                 std::string_view content,
                                 std::filesystem::perms mode);

/// Writes everything pending on the file system holding `dir` to disk:
/// file contents, new names and renames alike.
result<void> sync_file_system(const std::filesystem::path& dir);

/// Creates `dir` (and its parents) if missing and sets its mode to 0700.
result<void> ensure_private_dir(const std::filesystem::path& dir);

/// The content of a file, or `not_found` / `storage` on failure.
result<std::string> read_file(const std::filesystem::path& path);

} // namespace flowsync
