#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace flowsync::standin {

/// The kinds of trouble the stand-in can make on purpose.
enum class fault_kind {
  none,
  /// 429 with Retry-After: 1.
  too_many,
  /// 500.
  internal,
  /// 503.
  unavailable,
  /// Waits `slow_ms` before answering normally.
  slow,
  /// A 200 whose body is cut in half: valid HTTP, broken JSON.
  truncated,
  /// The connection closes halfway through the body.
  drop,
};

/// The name used in the configuration and the statistics ("429", "slow").
const char* to_string(fault_kind kind) noexcept;

/// Parses a kind's name; `fault_kind::none` for an unknown one.
fault_kind parse_fault_kind(std::string_view name) noexcept;

/// What to inject, where and how often.
struct fault_config {
  /// Probability per request, 0 turns injection off.
  double rate = 0;
  std::vector<fault_kind> kinds;
  /// Path prefixes that may be faulted; all API paths when empty.
  std::vector<std::string> paths;
  /// HTTP methods that may be faulted ("POST", ...); all when empty.
  std::vector<std::string> methods;
  int64_t slow_ms = 20000;
  uint64_t seed = 1;
};

/// Parses the JSON body of `POST /_standin/faults`. Returns false and sets
/// `error` on a malformed body or unknown kind.
bool parse_fault_config(std::string_view json, fault_config& out,
                        std::string& error);

/// Renders a configuration as JSON.
std::string to_json(const fault_config& config);

/// Decides per request, reproducibly for a given seed and request order,
/// and counts what it did.
class fault_injector {
 public:
  fault_injector();

  /// Replaces the configuration and restarts the random sequence.
  void configure(fault_config config);

  fault_config config() const;

  /// Counts a request to `path` and draws its fault, if any. Paths under
  /// /_standin/ are never faulted.
  fault_kind draw(std::string_view path, std::string_view method = {});

  /// Requests seen and faults injected by kind, as JSON.
  std::string stats_json() const;

 private:
  mutable std::mutex mtx_;
  fault_config config_;
  std::mt19937_64 rng_;
  uint64_t requests_ = 0;
  std::map<std::string, uint64_t> injected_;
};

} // namespace flowsync::standin
