#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace flowsync {

/// The one list of error codes of flowsync. The adapters return them in a
/// `result<T>`; the actors carry them as `caf::error` (see messages/error.hpp).
enum class ec : uint8_t {
  /// Not an error; never stored in a `failure`.
  none = 0,
  /// Malformed input from a caller, a file, an environment variable or a row.
  invalid_input,
  /// An answer from a server that could not be understood.
  parse_error,
  /// The connection failed, was reset or dropped.
  transport,
  /// No complete answer before the deadline.
  timeout,
  /// The server asked us to slow down (HTTP 429, "rate limit reached").
  rate_limited,
  /// The server failed (HTTP 5xx).
  server_error,
  /// The server refused the request as malformed (HTTP 4xx but 401/403/404).
  request_rejected,
  /// Credentials missing or refused (HTTP 401/403).
  unauthorized,
  /// The thing asked for does not exist (HTTP 404).
  not_found,
  /// A script or transaction exceeded its compute or size limit.
  compute_limit,
  /// A script aborted or a transaction was sealed with an error.
  execution_failed,
  /// The proposal key's sequence number did not match (Flow error 1007).
  sequence_mismatch,
  /// A transaction expired before it was executed.
  expired,
  /// A cryptographic operation failed (bad key, bad tag, RNG failure).
  crypto,
  /// A local file could not be read or written.
  storage,
  /// A setting is missing or invalid.
  config,
  /// A row or action refused by policy (hostile row, cap reached).
  refused,
  /// The daemon is stopping and takes no new work.
  shutting_down,
};

/// A short, stable name for an error code, used in logs and in the ledger.
const char* to_string(ec code) noexcept;

/// What went wrong: a code, a sentence for people, and details that callers
/// use to react (HTTP status, Flow error code, a Retry-After hint).
struct failure {
  ec code = ec::none;
  std::string message;
  /// HTTP status of the answer, 0 when there was no answer.
  int http_status = 0;
  /// Flow's `[Error Code: NNNN]`, 0 when the answer carried none.
  int flow_code = 0;
  /// Seconds the server asked us to wait (Retry-After), 0 when not given.
  double retry_after = 0;
  /// True when the request never left this process: no connection could be
  /// opened, or it never got its turn. Such a request certainly did nothing.
  bool unsent = false;
};

/// Builds a failure with a code and a message.
inline failure make_failure(ec code, std::string message) {
  failure f;
  f.code = code;
  f.message = std::move(message);
  return f;
}

/// The single rule for retries: transport errors, timeouts, rate limits,
/// server errors and answers that could not be understood are worth another
/// try. A 2xx answer with half a body is a transfer cut short on its way,
/// not a verdict on the request; the tries are bounded, and every request
/// the daemon repeats is safe to repeat. Everything else would fail again.
bool is_retryable(const failure& f) noexcept;

/// Either a value or a failure. Adapters stay free of CAF, so they use this
/// instead of `caf::expected`.
template <class T>
class result {
 public:
  result(T value) : data_(std::in_place_index<0>, std::move(value)) {
    // nop
  }

  result(failure error) : data_(std::in_place_index<1>, std::move(error)) {
    // nop
  }

  explicit operator bool() const noexcept { return data_.index() == 0; }

  T& operator*() { return std::get<0>(data_); }

  const T& operator*() const { return std::get<0>(data_); }

  T* operator->() { return &std::get<0>(data_); }

  const T* operator->() const { return &std::get<0>(data_); }

  /// The failure; only valid when the result holds no value.
  const failure& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, failure> data_;
};

/// A result that carries no value on success.
template <>
class result<void> {
 public:
  result() = default;

  result(failure error) : error_(std::move(error)) {
    // nop
  }

  explicit operator bool() const noexcept { return error_.code == ec::none; }

  const failure& error() const { return error_; }

 private:
  failure error_;
};

} // namespace flowsync
