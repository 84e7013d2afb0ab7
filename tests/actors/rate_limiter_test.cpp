#include "actors/rate_limiter.hpp"
#include "tests/actors/fixture.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include <doctest/doctest.h>

using namespace flowsync;
using namespace flowsync::testing;

namespace {

constexpr int64_t one_second = 1'000'000'000;

/// The most grants that any half-open window of one second holds.
size_t busiest_second(const std::vector<int64_t>& granted_at) {
  size_t most = 0;
  for (size_t i = 0; i < granted_at.size(); ++i) {
    auto end = granted_at[i] + one_second;
    auto in_window =
      std::count_if(granted_at.begin() + static_cast<ptrdiff_t>(i),
                    granted_at.end(), [end](int64_t t) { return t < end; });
    most = std::max(most, static_cast<size_t>(in_window));
  }
  return most;
}

struct limiter_fixture : actor_fixture {
  rate_limit_settings limits;
  log_capture logs;
  rate_limiter_actor limiter;

  limiter_fixture() {
    limits.scripts = 5;
    limits.transactions = 50;
    limits.access = 100;
    limits.penalty = std::chrono::seconds{30};
  }

  void start() { limiter = track(spawn_rate_limiter(sys, limits)); }

  /// Asks for `n` grants of a class at once and runs until all arrived.
  void acquire(request_class cls, size_t n) {
    std::vector<std::shared_ptr<reply<uint64_t>>> answers;
    for (size_t i = 0; i < n; ++i)
      answers.push_back(pending<uint64_t>(limiter, atom::acquire::value, cls));
    auto all = [&] {
      return std::all_of(answers.begin(), answers.end(),
                         [](const auto& a) { return a->arrived; });
    };
    REQUIRE(run_until(all));
    for (const auto& a : answers)
      CHECK(a->value);
  }

  grant_log grants(request_class cls) {
    auto log = ask<grant_log>(limiter, atom::grants::value, cls);
    REQUIRE(log);
    return *log;
  }
};

} // namespace

TEST_SUITE_BEGIN("rate_limiter");

TEST_CASE_FIXTURE(limiter_fixture,
                  "requests never exceed the configured budget in any "
                  "one-second window") {
  start();

  acquire(request_class::script, 23);
  acquire(request_class::access, 250);

  auto scripts = grants(request_class::script);
  REQUIRE(scripts.granted_at.size() == 23);
  CHECK(scripts.limit == 5);
  CHECK(busiest_second(scripts.granted_at) == 5);
  // Not slower than the budget: 23 grants at 5/s fill five seconds.
  auto span = scripts.granted_at.back() - scripts.granted_at.front();
  CHECK(span >= 4 * one_second);
  CHECK(span < 5 * one_second);

  auto access = grants(request_class::access);
  REQUIRE(access.granted_at.size() == 250);
  CHECK(busiest_second(access.granted_at) == 100);
  CHECK(access.granted_at.back() - access.granted_at.front() >= 2 * one_second);
}

TEST_CASE_FIXTURE(limiter_fixture,
                  "grants are numbered and the classes do not share a "
                  "budget") {
  start();
  auto first =
    ask<uint64_t>(limiter, atom::acquire::value, request_class::transaction);
  auto second =
    ask<uint64_t>(limiter, atom::acquire::value, request_class::script);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*second == *first + 1);

  // Fifty transactions fit in one instant while the sixth script waits for
  // the next second: each class counts against its own budget.
  acquire(request_class::transaction, 49);
  acquire(request_class::script, 5);
  auto transactions = grants(request_class::transaction);
  REQUIRE(transactions.granted_at.size() == 50);
  CHECK(transactions.granted_at.front() == transactions.granted_at.back());
  auto scripts = grants(request_class::script);
  REQUIRE(scripts.granted_at.size() == 6);
  CHECK(scripts.granted_at[4] == scripts.granted_at.front());
  CHECK(scripts.granted_at[5] - scripts.granted_at.front() == one_second);
}

TEST_CASE_FIXTURE(limiter_fixture,
                  "a throttle halves the rate and it recovers") {
  limits.scripts = 4;
  start();
  self->send(limiter, atom::throttled::value, request_class::script);
  run();
  CHECK(grants(request_class::script).limit == 2);
  CHECK(grants(request_class::transaction).limit == 50);
  CHECK(logs.count("halves the script limit to 2/s", spdlog::level::warn) == 1);

  auto throttled_at = now();
  acquire(request_class::script, 8);
  auto halved = grants(request_class::script);
  CHECK(busiest_second(halved.granted_at) == 2);
  CHECK(halved.granted_at.back() - halved.granted_at.front() >= 3 * one_second);

  // One step back per penalty interval: 2, then 3, then 4 (configured).
  advance(throttled_at + std::chrono::seconds{30} - now());
  acquire(request_class::script, 1);
  CHECK(grants(request_class::script).limit == 3);
  advance(std::chrono::seconds{30});
  acquire(request_class::script, 1);
  CHECK(grants(request_class::script).limit == 4);

  // Recovered: four grants in one instant again.
  advance(std::chrono::seconds{2});
  auto before = grants(request_class::script).granted_at.size();
  acquire(request_class::script, 4);
  auto after = grants(request_class::script);
  REQUIRE(after.granted_at.size() == before + 4);
  CHECK(after.granted_at.back()
        == after.granted_at[after.granted_at.size() - 4]);
}

TEST_CASE_FIXTURE(limiter_fixture,
                  "the status shows each class's limit in force and the "
                  "grants of the last second") {
  start();
  acquire(request_class::script, 3);
  acquire(request_class::access, 2);
  self->send(limiter, atom::throttled::value, request_class::transaction);
  run();

  auto status = ask<limiter_status>(limiter, atom::status::value);

  REQUIRE(status);
  REQUIRE(status->lanes.size() == 3);
  const auto& scripts = status->lanes[0];
  CHECK(scripts.cls == request_class::script);
  CHECK(scripts.configured == 5);
  CHECK(scripts.limit == 5);
  CHECK(scripts.last_second == 3);
  CHECK(scripts.granted == 3);
  CHECK(scripts.waiting == 0);
  const auto& transactions = status->lanes[1];
  CHECK(transactions.configured == 50);
  CHECK(transactions.limit == 25);
  CHECK(status->lanes[2].granted == 2);

  // A second later the grants are no longer recent, but still counted.
  advance(std::chrono::seconds{1});
  status = ask<limiter_status>(limiter, atom::status::value);
  REQUIRE(status);
  CHECK(status->lanes[0].last_second == 0);
  CHECK(status->lanes[0].granted == 3);
}

TEST_SUITE_END();
