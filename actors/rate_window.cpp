#include "actors/rate_window.hpp"

#include <algorithm>

namespace flowsync {

namespace {

constexpr auto window = std::chrono::seconds{1};

} // namespace

rate_window::rate_window(uint32_t limit, duration penalty)
    : configured_(std::max<uint32_t>(limit, 1)), current_(configured_),
      penalty_(penalty) {
  // nop
}

rate_window::time_point rate_window::next_slot(time_point now) const {
  // Fewer than `limit` grants so far: the window cannot be full.
  if (grants_.size() < current_)
    return now;
  // The grant `limit` places back must leave the window first.
  auto oldest_in_window = grants_[grants_.size() - current_];
  return std::max(now, oldest_in_window + window);
}

void rate_window::record(time_point now) {
  grants_.push_back(now);
  while (grants_.size() > std::max<size_t>(record_size, configured_))
    grants_.pop_front();
}

void rate_window::throttle(time_point now) {
  current_ = std::max<uint32_t>(1, current_ / 2);
  penalty_until_ = now + penalty_;
}

void rate_window::recover(time_point now) {
  while (current_ < configured_ && now >= penalty_until_) {
    // Grow by a quarter (at least one) per penalty interval.
    current_ =
      std::min(configured_, current_ + std::max<uint32_t>(1, current_ / 4));
    penalty_until_ += penalty_;
  }
}

} // namespace flowsync
