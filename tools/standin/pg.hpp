#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace flowsync::standin {

/// A PostgreSQL error as the server reported it, or a lost connection.
struct pg_error {
  std::string sqlstate;
  std::string message;
  std::optional<std::string> detail;
  std::optional<std::string> hint;
  /// No answer from the server at all: the connection is gone.
  bool connection_lost = false;
};

/// Query parameters; nullopt is SQL NULL. Always sent as untyped text, so
/// the server infers each type from where the parameter stands.
using pg_params = std::vector<std::optional<std::string>>;

/// The answer to one statement: rows, or an error. Owns its PGresult.
class pg_rows {
 public:
  pg_rows() = default;
  explicit pg_rows(::pg_result* raw, pg_error error);
  pg_rows(pg_rows&& other) noexcept;
  pg_rows& operator=(pg_rows&& other) noexcept;
  pg_rows(const pg_rows&) = delete;
  pg_rows& operator=(const pg_rows&) = delete;
  ~pg_rows();

  /// True when the statement succeeded.
  bool ok() const noexcept { return ok_; }

  const pg_error& error() const noexcept { return error_; }

  int rows() const noexcept;

  int columns() const noexcept;

  bool is_null(int row, int column) const noexcept;

  /// The text of a field; empty for NULL.
  std::string_view get(int row, int column) const noexcept;

  /// Rows an INSERT, UPDATE or DELETE touched.
  long affected() const noexcept;

 private:
  ::pg_result* raw_ = nullptr;
  bool ok_ = false;
  pg_error error_;
};

/// One libpq connection. Not thread-safe: the pool lends it to one request.
class pg_connection {
 public:
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;
  ~pg_connection();

  /// Connects and prepares the session (UTC, application name). Returns
  /// null and sets `error` on failure.
  static std::unique_ptr<pg_connection> open(const std::string& conninfo,
                                             std::string& error);

  /// Runs one statement with parameters ($1, $2, ...).
  pg_rows exec(const std::string& sql, const pg_params& params = {});

  /// Whether the connection can still be used.
  bool healthy() const noexcept;

  /// Asks the server (an empty statement, one round trip): a connection
  /// that sat idle through a server restart is found dead here rather than
  /// failing the next request.
  bool alive() noexcept;

  /// Whether a transaction is open (or failed and not yet rolled back).
  bool in_transaction() const noexcept;

 private:
  explicit pg_connection(::pg_conn* raw) : raw_(raw) {
    // nop
  }

  ::pg_conn* raw_ = nullptr;
};

/// A fixed-size pool. Connections open on demand and a broken one is
/// replaced by a fresh one on the next loan.
class pg_pool {
 public:
  pg_pool(std::string conninfo, size_t size);

  /// A borrowed connection; goes back to the pool when destroyed.
  class lease {
   public:
    lease(pg_pool* pool, std::unique_ptr<pg_connection> conn)
        : pool_(pool), conn_(std::move(conn)) {
      // nop
    }
    lease(lease&&) = default;
    lease& operator=(lease&&) = default;
    ~lease();

    pg_connection* operator->() const noexcept { return conn_.get(); }

    pg_connection& operator*() const noexcept { return *conn_; }

   private:
    pg_pool* pool_ = nullptr;
    std::unique_ptr<pg_connection> conn_;
  };

  /// Waits up to `timeout` for a connection. On failure returns nullopt and
  /// says why in `error`; `timed_out` tells a full pool from a dead server.
  std::optional<lease> acquire(std::chrono::milliseconds timeout,
                               std::string& error, bool& timed_out);

 private:
  void give_back(std::unique_ptr<pg_connection> conn);

  std::string conninfo_;
  size_t size_;
  size_t lent_ = 0;
  std::vector<std::unique_ptr<pg_connection>> idle_;
  std::mutex mtx_;
  std::condition_variable cv_;
};

/// A transaction on a leased connection that rolls back unless committed.
class pg_transaction {
 public:
  /// Begins; `read_only` for requests that only read, as PostgREST does.
  pg_transaction(pg_connection& conn, bool read_only);
  pg_transaction(const pg_transaction&) = delete;
  pg_transaction& operator=(const pg_transaction&) = delete;
  ~pg_transaction();

  /// The BEGIN's outcome.
  const pg_rows& begun() const noexcept { return begin_; }

  pg_rows exec(const std::string& sql, const pg_params& params = {}) {
    return conn_.exec(sql, params);
  }

  pg_rows commit();

 private:
  pg_connection& conn_;
  pg_rows begin_;
  bool done_ = false;
};

} // namespace flowsync::standin
