// flowsync-bench-config: times flowsync's config writer on a large Flow CLI
// configuration, for tools/bench. It spawns the real actor as the
// supervisor does, hands it N accounts with fresh sealed P-256 keys and
// asks for a flush: first with every key file to write, then after one
// account changed (the configuration alone), then with nothing changed.
// Key generation is timed apart and left out of the flush times.
//
// It prints one JSON object on standard output.

#include "actors/config_writer.hpp"
#include "adapters/logging.hpp"
#include "messages/register.hpp"
#include "tools/bench_tool/synthetic.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>

#include <CLI/CLI.hpp>

#include <sys/stat.h>

namespace fs = std::filesystem;

namespace flowsync::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// Longest wait for one flush; the first writes every key file.
constexpr auto flush_timeout = std::chrono::minutes{30};

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// The inode of `file`, 0 when it is missing: an atomic write renames a
/// new file over the old one, so a new inode means one more write.
uint64_t inode_of(const fs::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0)
    return 0;
  return static_cast<uint64_t>(info.st_ino);
}

/// One timed flush, as the benchmark reports it.
struct timed_flush {
  double seconds = 0;
  flush_report report;
  /// The configuration file was replaced (its inode changed).
  bool replaced = false;
};

std::string describe(const char* name, const timed_flush& f) {
  std::ostringstream out;
  out.precision(6);
  out << std::fixed << "\"" << name << "\": {\"s\": " << f.seconds
      << ", \"writer_ms\": " << f.report.milliseconds
      << ", \"accounts\": " << f.report.accounts
      << ", \"key_files_written\": " << f.report.key_files_written
      << ", \"written\": " << (f.report.written ? "true" : "false")
      << ", \"replaced\": " << (f.replaced ? "true" : "false") << "}";
  return out.str();
}

struct options {
  uint64_t accounts = 100'000;
  fs::path output = "bench-config-output";
};

int run(const options& opt) {
  auto keys = random_sealer();
  if (!keys) {
    std::cerr << "flowsync-bench-config: " << keys.error().message << '\n';
    return 1;
  }
  auto keygen_started = clock_type::now();
  auto sealed = sealed_keys(*keys, 0, opt.accounts);
  if (!sealed) {
    std::cerr << "flowsync-bench-config: " << sealed.error().message << '\n';
    return 1;
  }
  auto keygen_s = seconds_since(keygen_started);

  config_writer_config cfg;
  cfg.output.flow_config = opt.output / "flow-production.json";
  cfg.output.key_dir = opt.output / "pkeys";
  cfg.network = "emulator";
  cfg.grpc_host = "127.0.0.1:3569";
  std::error_code err;
  fs::remove_all(opt.output, err);
  fs::create_directories(opt.output, err);

  caf::actor_system_config sys_cfg;
  register_message_types(sys_cfg);
  caf::actor_system sys{sys_cfg};
  auto writer = spawn_config_writer(sys, cfg, *keys, true);
  caf::scoped_actor self{sys};
  std::string failed;

  auto flush = [&](clock_type::time_point started) {
    timed_flush out;
    auto before = inode_of(cfg.output.flow_config);
    self->request(writer, flush_timeout, atom::flush::value)
      .receive([&](const flush_report& report) { out.report = report; },
               [&](const caf::error& e) { failed = to_string(e); });
    out.seconds = seconds_since(started);
    out.replaced = inode_of(cfg.output.flow_config) != before;
    return out;
  };

  // First flush: every account new, so every key file and the
  // configuration are written. Timed from the first account handed over.
  auto started = clock_type::now();
  self->send(writer, atom::begin::value, uint64_t{1});
  for (uint64_t i = 0; i < opt.accounts; ++i)
    self->send(writer, atom::account::value,
               account_entry{synthetic_user_id(i), synthetic_address(i),
                             (*sealed)[i], 0});
  auto first = flush(started);

  // One account moved: only the configuration changes.
  started = clock_type::now();
  self->send(writer, atom::account::value,
             account_entry{synthetic_user_id(0),
                           synthetic_address(opt.accounts), (*sealed)[0], 0});
  auto second = flush(started);

  // Nothing changed: nothing is written.
  started = clock_type::now();
  auto third = flush(started);

  self->send_exit(writer, caf::exit_reason::user_shutdown);
  if (!failed.empty()) {
    std::cerr << "flowsync-bench-config: a flush failed: " << failed << '\n';
    return 1;
  }
  uint64_t writes = (first.replaced ? 1 : 0) + (second.replaced ? 1 : 0)
                    + (third.replaced ? 1 : 0);
  auto size = fs::file_size(cfg.output.flow_config, err);
  std::ostringstream out;
  out.precision(6);
  out << std::fixed
      << "{\"mode\": \"write-config\", \"accounts\": " << opt.accounts
      << ", \"keygen_s\": " << keygen_s << ", "
      << describe("first_flush", first) << ", "
      << describe("second_flush", second) << ", "
      << describe("unchanged_flush", third) << ", \"config_writes\": " << writes
      << ", \"config_bytes\": " << (err ? 0 : size) << ", \"backup_kept\": "
      << (fs::exists(opt.output / "flow-production.json.backup", err) ? "true"
                                                                      : "false")
      << "}";
  std::cout << out.str() << std::endl;
  return 0;
}

} // namespace

} // namespace flowsync::bench

int main(int argc, char** argv) {
  CLI::App app{"flowsync-bench-config: times flowsync's config writer on N "
               "accounts (tools/bench). Prints one JSON object."};
  flowsync::bench::options opt;
  std::string log_level = "warn";
  app.add_option("--accounts", opt.accounts, "Accounts (100000)");
  app.add_option("--output", opt.output,
                 "Folder for flow-production.json and pkeys/; emptied first");
  app.add_option("--log-level", log_level, "Log level on standard error");
  CLI11_PARSE(app, argc, argv);
  flowsync::init_logging(log_level);
  return flowsync::bench::run(opt);
}
