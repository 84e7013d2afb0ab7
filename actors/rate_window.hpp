#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

namespace flowsync {

/// The rule of one request class: at most `limit` grants in any window of
/// one second, the way the access node counts. Pure bookkeeping over the
/// times the rate limiter gives it; it keeps the recent grants as its
/// record. After a rate-limit answer the limit is halved for a while, then
/// recovers one step per recovery interval.
class rate_window {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;

  /// How many grants the record keeps.
  static constexpr size_t record_size = 4096;

  explicit rate_window(uint32_t limit, duration penalty);

  /// The earliest time, not before `now`, at which a grant is allowed.
  time_point next_slot(time_point now) const;

  /// Records a grant made at `now` (which must be a slot).
  void record(time_point now);

  /// The node said "rate limit reached": halve the limit until `now` plus
  /// the penalty, then recover gradually.
  void throttle(time_point now);

  /// Lets a halved limit grow back one step per penalty interval elapsed.
  void recover(time_point now);

  /// The limit in force.
  uint32_t limit() const noexcept { return current_; }

  /// The configured limit.
  uint32_t configured() const noexcept { return configured_; }

  /// Recent grants, oldest first.
  const std::deque<time_point>& record() const noexcept { return grants_; }

 private:
  uint32_t configured_;
  uint32_t current_;
  duration penalty_;
  time_point penalty_until_;
  std::deque<time_point> grants_;
};

} // namespace flowsync
