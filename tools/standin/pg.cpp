#include "tools/standin/pg.hpp"

#include <cstdlib>

#include <libpq-fe.h>

namespace flowsync::standin {

namespace {

std::optional<std::string> field(const PGresult* res, int code) {
  auto* value = PQresultErrorField(res, code);
  if (value == nullptr)
    return std::nullopt;
  return std::string{value};
}

} // namespace

// -- pg_rows ------------------------------------------------------------------

pg_rows::pg_rows(::pg_result* raw, pg_error error)
    : raw_(raw), error_(std::move(error)) {
  auto status = raw_ == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw_);
  ok_ = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  if (!ok_ && raw_ != nullptr && error_.message.empty()) {
    error_.sqlstate = field(raw_, PG_DIAG_SQLSTATE).value_or("");
    error_.message = field(raw_, PG_DIAG_MESSAGE_PRIMARY).value_or("");
    error_.detail = field(raw_, PG_DIAG_MESSAGE_DETAIL);
    error_.hint = field(raw_, PG_DIAG_MESSAGE_HINT);
  }
  // An error without a SQLSTATE never reached the server's executor: the
  // connection broke underneath it.
  if (!ok_ && error_.sqlstate.empty())
    error_.connection_lost = true;
}

pg_rows::pg_rows(pg_rows&& other) noexcept
    : raw_(other.raw_), ok_(other.ok_), error_(std::move(other.error_)) {
  other.raw_ = nullptr;
}

pg_rows& pg_rows::operator=(pg_rows&& other) noexcept {
  if (this != &other) {
    if (raw_ != nullptr)
      PQclear(raw_);
    raw_ = other.raw_;
    ok_ = other.ok_;
    error_ = std::move(other.error_);
    other.raw_ = nullptr;
  }
  return *this;
}

pg_rows::~pg_rows() {
  if (raw_ != nullptr)
    PQclear(raw_);
}

int pg_rows::rows() const noexcept {
  return ok_ && raw_ != nullptr ? PQntuples(raw_) : 0;
}

int pg_rows::columns() const noexcept {
  return ok_ && raw_ != nullptr ? PQnfields(raw_) : 0;
}

bool pg_rows::is_null(int row, int column) const noexcept {
  return PQgetisnull(raw_, row, column) != 0;
}

std::string_view pg_rows::get(int row, int column) const noexcept {
  return {PQgetvalue(raw_, row, column),
          static_cast<size_t>(PQgetlength(raw_, row, column))};
}

long pg_rows::affected() const noexcept {
  if (raw_ == nullptr)
    return 0;
  return std::strtol(PQcmdTuples(raw_), nullptr, 10);
}

// -- pg_connection ------------------------------------------------------------

pg_connection::~pg_connection() {
  if (raw_ != nullptr)
    PQfinish(raw_);
}

std::unique_ptr<pg_connection> pg_connection::open(const std::string& conninfo,
                                                   std::string& error) {
  auto* raw = PQconnectdb(conninfo.c_str());
  if (raw == nullptr) {
    error = "libpq could not allocate a connection";
    return nullptr;
  }
  std::unique_ptr<pg_connection> conn{new pg_connection(raw)};
  if (PQstatus(raw) != CONNECTION_OK) {
    error = PQerrorMessage(raw);
    while (!error.empty() && error.back() == '\n')
      error.pop_back();
    return nullptr;
  }

  // PostgREST renders timestamps in the database's zone; Supabase's is UTC.
  auto setup = conn->exec("set timezone = 'UTC'");
  if (!setup.ok()) {
    error = setup.error().message;
    return nullptr;
  }
  return conn;
}

pg_rows pg_connection::exec(const std::string& sql, const pg_params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  auto* res = PQexecParams(raw_, sql.c_str(), static_cast<int>(params.size()),
                           nullptr, values.data(), nullptr, nullptr, 0);
  pg_error error;
  if (res == nullptr) {
    error.message = PQerrorMessage(raw_);
    error.connection_lost = true;
  }
  return pg_rows{res, std::move(error)};
}

bool pg_connection::healthy() const noexcept {
  return raw_ != nullptr && PQstatus(raw_) == CONNECTION_OK;
}

bool pg_connection::alive() noexcept {
  if (raw_ == nullptr)
    return false;
  auto* res = PQexec(raw_, "");
  auto ok = res != nullptr && PQresultStatus(res) == PGRES_EMPTY_QUERY;
  PQclear(res);
  return ok;
}

bool pg_connection::in_transaction() const noexcept {
  return PQtransactionStatus(raw_) != PQTRANS_IDLE;
}

// -- pg_pool ------------------------------------------------------------------

pg_pool::pg_pool(std::string conninfo, size_t size)
    : conninfo_(std::move(conninfo)), size_(size == 0 ? 1 : size) {
  // nop
}

pg_pool::lease::~lease() {
  if (pool_ != nullptr && conn_ != nullptr)
    pool_->give_back(std::move(conn_));
}

std::optional<pg_pool::lease>
pg_pool::acquire(std::chrono::milliseconds timeout, std::string& error,
                 bool& timed_out) {
  timed_out = false;
  std::unique_ptr<pg_connection> conn;
  {
    std::unique_lock<std::mutex> guard{mtx_};
    auto available = [this] { return !idle_.empty() || lent_ < size_; };
    if (!cv_.wait_for(guard, timeout, available)) {
      timed_out = true;
      error = "no database connection became free in time";
      return std::nullopt;
    }
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
    ++lent_;
  }

  // Connecting happens outside the lock: it may take a while.
  if (conn == nullptr || !conn->alive()) {
    conn = pg_connection::open(conninfo_, error);
    if (conn == nullptr) {
      std::lock_guard<std::mutex> guard{mtx_};
      --lent_;
      cv_.notify_one();
      return std::nullopt;
    }
  }
  return lease{this, std::move(conn)};
}

void pg_pool::give_back(std::unique_ptr<pg_connection> conn) {
  if (conn->healthy() && conn->in_transaction())
    conn->exec("rollback");
  std::lock_guard<std::mutex> guard{mtx_};
  --lent_;
  if (conn->healthy())
    idle_.push_back(std::move(conn));
  cv_.notify_one();
}

// -- pg_transaction -----------------------------------------------------------

pg_transaction::pg_transaction(pg_connection& conn, bool read_only)
    : conn_(conn),
      begin_(conn.exec(read_only
                         ? "begin isolation level read committed read only"
                         : "begin isolation level read committed")) {
  // nop
}

pg_transaction::~pg_transaction() {
  if (!done_ && conn_.healthy() && conn_.in_transaction())
    conn_.exec("rollback");
}

pg_rows pg_transaction::commit() {
  done_ = true;
  return conn_.exec("commit");
}

} // namespace flowsync::standin
