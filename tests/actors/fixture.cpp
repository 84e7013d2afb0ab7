#include "tests/actors/fixture.hpp"

#include "messages/register.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>

#include <spdlog/spdlog.h>

namespace flowsync::testing {

namespace {

/// Log lines kept by a capture; more than any test logs.
constexpr size_t captured_lines = 4096;

/// How far the clock moves at most per step while waiting for an answer:
/// a delayed message far away must not hide one due sooner.
constexpr auto max_step = std::chrono::hours{24};

} // namespace

test_config::test_config() {
  set("scheduler.policy", caf::atom("testing"));
  register_message_types(*this);
}

// -- log_capture --------------------------------------------------------------

log_capture::log_capture()
    : sink_(
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(captured_lines)),
      previous_(spdlog::default_logger()) {
  auto logger = std::make_shared<spdlog::logger>("test", sink_);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

log_capture::~log_capture() {
  spdlog::set_default_logger(previous_);
}

std::vector<std::string>
log_capture::lines(spdlog::level::level_enum level) const {
  std::vector<std::string> out;
  for (const auto& msg : sink_->last_raw())
    if (msg.level >= level)
      out.emplace_back(msg.payload.data(), msg.payload.size());
  return out;
}

size_t log_capture::count(std::string_view text,
                          spdlog::level::level_enum level) const {
  auto all = lines(level);
  return static_cast<size_t>(
    std::count_if(all.begin(), all.end(), [text](const std::string& line) {
      return line.find(text) != std::string::npos;
    }));
}

// -- journal ------------------------------------------------------------------

void journal::add(std::string line) {
  lines_.push_back(std::move(line));
}

size_t journal::count(std::string_view prefix) const {
  return static_cast<size_t>(
    std::count_if(lines_.begin(), lines_.end(), [prefix](const auto& line) {
      return std::string_view{line}.substr(0, prefix.size()) == prefix;
    }));
}

long journal::find(std::string_view prefix, size_t from) const {
  for (size_t i = from; i < lines_.size(); ++i)
    if (std::string_view{lines_[i]}.substr(0, prefix.size()) == prefix)
      return static_cast<long>(i);
  return -1;
}

std::string journal::dump() const {
  std::ostringstream out;
  for (const auto& line : lines_)
    out << line << '\n';
  return out.str();
}

temp_dir::temp_dir() {
  auto pattern =
    (std::filesystem::temp_directory_path() / "flowsync-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) != nullptr)
    path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code err;
  if (!path_.empty())
    std::filesystem::remove_all(path_, err);
}

void unexpected(std::string_view who, std::string_view what) {
  auto message = std::string{who} + " did not expect " + std::string{what};
  FAIL_CHECK(message);
}

// -- actor_fixture ------------------------------------------------------------

actor_fixture::actor_fixture()
    : sys(cfg),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
      self(sys) {
  // Time zero would make "a second ago" underflow in the rate windows.
  sched.clock().current_time += std::chrono::hours{1};
}

actor_fixture::~actor_fixture() {
  for (const auto& addr : tracked_)
    self->send_exit(addr, caf::exit_reason::kill);
  tracked_.clear();
  run();

  // Delayed messages hold their receivers; actors the test did not track
  // (children of a supervisor) must not keep the system from stopping.
  sched.clock().cancel_all();
  run();
  sys.await_actors_before_shutdown(false);
}

size_t actor_fixture::run() {
  return sched.run();
}

void actor_fixture::advance(caf::timespan d) {
  sched.advance_time(d);
  run();
}

bool actor_fixture::run_until(const std::function<bool()>& done,
                              caf::timespan horizon) {
  auto until = now() + horizon;
  for (;;) {
    run();
    if (done())
      return true;
    const auto& schedule = sched.clock().schedule();
    if (schedule.empty())
      return false;
    auto next = schedule.begin()->first;
    if (next > until)
      return false;
    if (next <= now())
      sched.trigger_timeout();
    else
      sched.advance_time(std::min<caf::timespan>(next - now(), max_step));
  }
}

caf::actor_clock::time_point actor_fixture::now() const {
  return sched.clock().current_time;
}

} // namespace flowsync::testing
