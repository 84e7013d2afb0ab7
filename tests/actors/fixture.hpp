#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <doctest/doctest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ringbuffer_sink.h>

/// Deterministic actor tests: CAF's test coordinator under doctest, without
/// `caf/test/dsl.hpp` (it expects CAF's own test runner and crashes here).
namespace flowsync::testing {

/// An actor system configuration that selects the test coordinator and
/// registers flowsync's message types.
struct test_config : caf::actor_system_config {
  test_config();
};

/// Catches what flowsync logs while it lives, instead of printing it, so
/// that a test can check that something was logged.
class log_capture {
 public:
  log_capture();
  ~log_capture();

  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  /// The messages logged so far at `level` or above, oldest first.
  std::vector<std::string>
  lines(spdlog::level::level_enum level = spdlog::level::trace) const;

  /// How many messages at `level` or above contain `text`.
  size_t count(std::string_view text,
               spdlog::level::level_enum level = spdlog::level::trace) const;

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

/// A record of what fakes saw, in the order they saw it, shared by every
/// fake of a test so that the order across actors and adapters shows.
class journal {
 public:
  /// Appends one line, e.g. "fetcher ledger insert <id>".
  void add(std::string line);

  /// Every line so far.
  const std::vector<std::string>& lines() const noexcept { return lines_; }

  /// How many lines start with `prefix`.
  size_t count(std::string_view prefix) const;

  /// The position of the first line that starts with `prefix` at or after
  /// `from`, or -1.
  long find(std::string_view prefix, size_t from = 0) const;

  /// The lines, one per line, for failure messages.
  std::string dump() const;

 private:
  std::vector<std::string> lines_;
};

/// A folder of its own under the system's temporary folder, removed with
/// everything in it at the end.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// Empty when the folder could not be made.
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// Reports a message that a fake did not expect: the test fails, without an
/// exception (which would escape an actor's handler).
void unexpected(std::string_view who, std::string_view what);

/// An actor system on the test coordinator. Actors spawned without
/// `detached` run only when the test runs them, one message at a time, on
/// the test's thread; time is virtual and moves only when the test moves it.
class actor_fixture {
 public:
  actor_fixture();
  virtual ~actor_fixture();

  actor_fixture(const actor_fixture&) = delete;
  actor_fixture& operator=(const actor_fixture&) = delete;

  /// Runs jobs until none is left; returns how many ran.
  size_t run();

  /// Moves the virtual clock on by `d`, delivering delayed messages that
  /// come due, and runs what they start.
  void advance(caf::timespan d);

  /// Runs until `done()` holds. Whenever nothing is left to run, moves the
  /// clock on to the next delayed message or timeout, but never more than
  /// `horizon` past the start. Returns whether `done()` held.
  bool run_until(const std::function<bool()>& done,
                 caf::timespan horizon = std::chrono::minutes{10});

  /// The virtual time.
  caf::actor_clock::time_point now() const;

  /// The answer to a request sent with `pending`, once it arrived.
  template <class T>
  struct reply {
    bool arrived = false;
    caf::expected<T> value = caf::make_error(caf::sec::request_timeout);
  };

  /// Sends a request from a helper actor of the test and returns where its
  /// answer will be; nothing runs until the test runs it.
  template <class T, class Handle, class... Ts>
  std::shared_ptr<reply<T>> pending(const Handle& dest, Ts... xs) {
    auto out = std::make_shared<reply<T>>();
    sys.spawn([=](caf::event_based_actor* client) {
      client->request(dest, caf::infinite, xs...)
        .then(
          [out](T& x) {
            out->arrived = true;
            out->value = std::move(x);
          },
          [out](caf::error& err) {
            out->arrived = true;
            out->value = std::move(err);
          });
    });
    return out;
  }

  /// Sends a request and runs (see `run_until`) until its answer arrives,
  /// for at most `horizon` of virtual time. No answer fails the test.
  template <class T, class Handle, class... Ts>
  caf::expected<T> request(caf::timespan horizon, const Handle& dest,
                           Ts... xs) {
    auto answer = pending<T>(dest, std::move(xs)...);
    if (!run_until([&] { return answer->arrived; }, horizon)) {
      FAIL_CHECK("no answer within the horizon");
      return caf::make_error(caf::sec::request_timeout);
    }
    return std::move(answer->value);
  }

  /// `request` with a horizon of ten virtual minutes.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& dest, Ts... xs) {
    return request<T>(std::chrono::minutes{10}, dest, std::move(xs)...);
  }

  /// Kills `handle` when the fixture ends, so the system can stop.
  template <class Handle>
  Handle track(Handle handle) {
    tracked_.push_back(caf::actor_cast<caf::actor_addr>(handle));
    return handle;
  }

  test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self;

 private:
  std::vector<caf::actor_addr> tracked_;
};

} // namespace flowsync::testing
