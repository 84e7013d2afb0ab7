#include "adapters/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flowsync {

namespace {

failure storage_error(const std::string& what, const std::filesystem::path& p) {
  return make_failure(ec::storage,
                      what + " '" + p.string() + "': " + std::strerror(errno));
}

/// Closes a file descriptor when it goes out of scope.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {
    // nop
  }

  ~fd_guard() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;

  int get() const noexcept { return fd_; }

  /// Closes now and reports whether closing worked.
  bool close() noexcept {
    auto rc = ::close(fd_);
    fd_ = -1;
    return rc == 0;
  }

 private:
  int fd_;
};

result<void> fsync_dir(const std::filesystem::path& dir) {
  fd_guard fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (fd.get() < 0)
    return storage_error("cannot open folder", dir);
  if (::fsync(fd.get()) != 0)
    return storage_error("cannot sync folder", dir);
  return {};
}

result<void> write_all(int fd, std::string_view content,
                       const std::filesystem::path& path) {
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    auto n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return storage_error("cannot write", path);
    data += n;
    left -= static_cast<size_t>(n);
  }
  return {};
}

std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path()
                                : std::filesystem::path{"."};
}

/// Writes `content` to `tmp` with exactly `mode`, synced to disk when
/// `durable`.
result<void> write_temporary(const std::filesystem::path& tmp,
                             std::string_view content,
                             std::filesystem::perms mode, bool durable) {
  fd_guard fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                     static_cast<mode_t>(mode))};
  if (fd.get() < 0)
    return storage_error("cannot create", tmp);
  // The mode given to open() is filtered by the umask: set it exactly.
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0)
    return storage_error("cannot set the mode of", tmp);
  if (auto res = write_all(fd.get(), content, tmp); !res)
    return res;
  if (durable && ::fsync(fd.get()) != 0)
    return storage_error("cannot sync", tmp);
  if (!fd.close())
    return storage_error("cannot close", tmp);
  return {};
}

} // namespace

result<void> write_file_atomically(const std::filesystem::path& path,
                                   std::string_view content,
                                   std::filesystem::perms mode,
                                   bool keep_backup) {
  auto tmp = path;
  tmp += ".tmp";
  if (auto res = write_temporary(tmp, content, mode, true); !res)
    return res;
  std::error_code err;
  if (keep_backup && std::filesystem::exists(path, err)) {
    auto backup = path;
    backup += ".backup";
    std::filesystem::remove(backup, err);
    if (::link(path.c_str(), backup.c_str()) != 0)
      return storage_error("cannot keep a backup of", path);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return storage_error("cannot rename over", path);
  return fsync_dir(folder_of(path));
}

result<void> write_file_unsynced(const std::filesystem::path& path,
                                 std::string_view content,
                                 std::filesystem::perms mode) {
  fd_guard fresh{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                        static_cast<mode_t>(mode))};
  if (fresh.get() >= 0) {
    if (::fchmod(fresh.get(), static_cast<mode_t>(mode)) != 0)
      return storage_error("cannot set the mode of", path);
    if (auto res = write_all(fresh.get(), content, path); !res)
      return res;
    if (!fresh.close())
      return storage_error("cannot close", path);
    return {};
  }
  if (errno != EEXIST)
    return storage_error("cannot create", path);
  auto tmp = path;
  tmp += ".tmp";
  if (auto res = write_temporary(tmp, content, mode, false); !res)
    return res;
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return storage_error("cannot rename over", path);
  return {};
}

result<void> ensure_private_dir(const std::filesystem::path& dir) {
  std::error_code err;
  std::filesystem::create_directories(dir, err);
  if (err)
    return make_failure(ec::storage, "cannot create folder '" + dir.string()
                                       + "': " + err.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, err);
  if (err)
    return make_failure(ec::storage, "cannot set the mode of folder '"
                                       + dir.string() + "': " + err.message());
  return {};
}

result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    std::error_code err;
    if (!std::filesystem::exists(path, err))
      return make_failure(ec::not_found, "no file '" + path.string() + "'");
    return storage_error("cannot read", path);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

} // namespace flowsync
