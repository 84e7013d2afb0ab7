#include "actors/rate_window.hpp"

#include <doctest/doctest.h>

using namespace flowsync;
using namespace std::chrono_literals;

namespace {

/// Checks the record: no window of one second holds more than `limit`.
bool within_limit(const std::deque<rate_window::time_point>& grants,
                  uint32_t limit) {
  for (size_t i = limit; i < grants.size(); ++i)
    if (grants[i] - grants[i - limit] < 1s)
      return false;
  return true;
}

} // namespace

TEST_CASE("a window grants at most its limit per second") {
  rate_window window{5, 30s};
  rate_window::time_point now{};
  for (int i = 0; i < 23; ++i) {
    now = window.next_slot(now);
    window.record(now);
  }
  CHECK(within_limit(window.record(), 5));
  // 23 grants at 5 per second: the last one in the fifth second.
  CHECK(now - rate_window::time_point{} == 4s);
}

TEST_CASE("a full window makes the next request wait") {
  rate_window window{2, 30s};
  rate_window::time_point t0{};
  window.record(t0);
  window.record(t0 + 100ms);
  CHECK(window.next_slot(t0 + 200ms) == t0 + 1s);
  CHECK(window.next_slot(t0 + 2s) == t0 + 2s);
}

TEST_CASE("a rate-limit answer halves the limit and it recovers gradually") {
  rate_window window{100, 10s};
  rate_window::time_point t0{};
  window.throttle(t0);
  CHECK(window.limit() == 50);
  window.recover(t0 + 5s);
  CHECK(window.limit() == 50);
  window.recover(t0 + 10s);
  CHECK(window.limit() > 50);
  CHECK(window.limit() < 100);
  window.recover(t0 + 10min);
  CHECK(window.limit() == 100);
}

TEST_CASE("a halved limit is honoured by the window") {
  rate_window window{8, 60s};
  rate_window::time_point now{};
  window.throttle(now);
  for (int i = 0; i < 20; ++i) {
    now = window.next_slot(now);
    window.record(now);
  }
  CHECK(within_limit(window.record(), 4));
}
