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

/// Writes `content` to `path` without waiting for the disk, for files the
/// caller can check and write again after a crash. A file that does not
/// exist yet is created in place (one name lookup instead of four, which is
/// most of the cost in a folder of a hundred thousand files); an existing
/// one is replaced through a temporary file and a rename, so its readers
/// never see a part. Nothing may read a new file before this returns.
result<void> write_file_unsynced(const std::filesystem::path& path,
                                 std::string_view content,
                                 std::filesystem::perms mode);

/// Creates `dir` (and its parents) if missing and sets its mode to 0700.
result<void> ensure_private_dir(const std::filesystem::path& dir);

/// The content of a file, or `not_found` / `storage` on failure.
result<std::string> read_file(const std::filesystem::path& path);

} // namespace flowsync
