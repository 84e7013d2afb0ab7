// flowsync: keeps the users of a Supabase project and their custodial Flow
// wallets in step. See README.md and config/flowsync.example.toml.

#include "actors/inspector.hpp"
#include "actors/supervisor.hpp"
#include "adapters/cadence_sources.hpp"
#include "adapters/logging.hpp"
#include "adapters/preflight.hpp"
#include "adapters/settings.hpp"
#include "messages/error.hpp"
#include "messages/register.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <CLI/CLI.hpp>

#include <pthread.h>

namespace {

using namespace std::chrono_literals;

/// Exit codes, documented in README.md.
constexpr int exit_ok = 0;
constexpr int exit_not_synced = 1;
constexpr int exit_config = 2;
constexpr int exit_preflight = 3;

/// Longest wait for a daemon's inspector to answer `flowsync inspect`.
constexpr auto inspect_timeout = std::chrono::seconds{15};

/// Tries of the start-up checks before giving up.
constexpr int preflight_tries = 5;

flowsync::supervisor_config make_supervisor_config(flowsync::settings cfg,
                                                   bool timer, bool dry_run) {
  flowsync::supervisor_config sc;
  auto flow = cfg.flow;
  auto supabase = cfg.supabase;
  sc.make_flow = [flow] {
    return std::shared_ptr<flowsync::flow_access>{
      flowsync::make_flow_rest_client({flow.access_url, flow.request_timeout})};
  };
  sc.make_supabase = [supabase] {
    return std::shared_ptr<flowsync::supabase_api>{
      flowsync::make_supabase_client(
        {supabase.url, supabase.service_role_key, supabase.timeout})};
  };
  sc.cfg = std::move(cfg);
  sc.timer = timer;
  sc.dry_run = dry_run;
  return sc;
}

/// Runs `check` until it succeeds, fails for good, or the tries run out.
template <class Check>
flowsync::result<void> with_retries(const char* what, Check check) {
  for (int attempt = 1;; ++attempt) {
    auto res = check();
    if (res || !flowsync::is_retryable(res.error())
        || attempt == preflight_tries)
      return res;
    FLOWSYNC_WARN("flowsync cannot reach {} yet ({}); trying again", what,
                  res.error().message);
    std::this_thread::sleep_for(std::chrono::seconds{1 << attempt});
  }
}

/// The checks before anything is spawned: the Supabase tables and the
/// service account on chain.
int preflight(const flowsync::settings& cfg) {
  auto supabase = flowsync::make_supabase_client(
    {cfg.supabase.url, cfg.supabase.service_role_key, cfg.supabase.timeout});
  auto schema =
    with_retries("Supabase", [&] { return supabase->check_schema(); });
  if (!schema) {
    FLOWSYNC_ERROR("flowsync cannot use the Supabase project: {}",
                   schema.error().message);
    return exit_preflight;
  }
  auto node = flowsync::make_flow_rest_client(
    {cfg.flow.access_url, cfg.flow.request_timeout});
  auto account = with_retries("the access node", [&] {
    return flowsync::check_service_account(*node, cfg.flow);
  });
  if (!account) {
    FLOWSYNC_ERROR("flowsync cannot use the service account: {}",
                   account.error().message);
    return exit_preflight;
  }
  return exit_ok;
}

/// Waits for SIGINT or SIGTERM (blocked in every thread) and asks the
/// supervisor to drain; a second signal ends the process at once.
class signal_watch {
 public:
  signal_watch() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }

  template <class OnSignal>
  void start(OnSignal on_signal) {
    thread_ = std::thread{[this, on_signal] {
      int signals = 0;
      for (;;) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0 || sig == SIGUSR1)
          return;
        if (++signals > 1) {
          std::cerr << "flowsync: second signal, stopping at once\n";
          std::_Exit(130);
        }
        on_signal();
      }
    }};
  }

  ~signal_watch() {
    if (thread_.joinable()) {
      pthread_kill(thread_.native_handle(), SIGUSR1);
      thread_.join();
    }
  }

 private:
  sigset_t set_;
  std::thread thread_;
};

/// Publishes the supervisor's inspector as the settings say. A port that
/// cannot be opened is logged and the daemon runs on without one: the
/// inspector is for looking, the work matters more.
void open_inspector(caf::actor_system& sys, flowsync::supervisor_actor sup,
                    const flowsync::inspector_settings& cfg) {
  auto inspector = flowsync::spawn_inspector(sys, std::move(sup));
  auto port = flowsync::publish_inspector(sys, inspector, cfg.host, cfg.port);
  if (!port) {
    FLOWSYNC_ERROR("flowsync cannot open the inspector on {}:{} ({}) and "
                   "runs without it; choose another [inspector] port, or 0 "
                   "to leave it off",
                   cfg.host, cfg.port, sys.render(port.error()));
    return;
  }
  FLOWSYNC_INFO("flowsync inspector listens on {}:{} (flowsync inspect "
                "--port {})",
                cfg.host, *port, *port);
}

int run_daemon(flowsync::settings cfg, bool once, bool dry_run) {
  if (auto rc = preflight(cfg); rc != exit_ok)
    return rc;
  signal_watch signals;
  caf::actor_system_config sys_cfg;
  flowsync::register_message_types(sys_cfg);
  // Only a daemon that runs on publishes its inspector: `sync --once` and
  // `plan` beside a running daemon would find its port taken.
  auto inspector = cfg.inspector;
  auto publish = !once && inspector.port != 0;
  if (publish)
    sys_cfg.load<caf::io::middleman>();
  caf::actor_system sys{sys_cfg};
  auto sup = flowsync::spawn_supervisor(
    sys, make_supervisor_config(std::move(cfg), !once, dry_run));
  signals.start([sup] {
    FLOWSYNC_INFO("flowsync got a stop signal: draining");
    caf::anon_send(sup, flowsync::atom::shutdown::value);
  });
  caf::scoped_actor self{sys};
  if (publish)
    open_inspector(sys, sup, inspector);
  int rc = exit_ok;
  if (once) {
    self->request(sup, caf::infinite, flowsync::atom::once::value)
      .receive(
        [&](const flowsync::cycle_summary& summary) {
          // A plan succeeds when it could read everything.
          if (dry_run)
            rc = summary.complete ? exit_ok : exit_not_synced;
          else
            rc = summary.all_synced() ? exit_ok : exit_not_synced;
        },
        [&](const caf::error& err) {
          FLOWSYNC_ERROR("flowsync: the cycle did not run: {}",
                         flowsync::describe(err));
          rc = exit_not_synced;
        });
  }
  self->wait_for(sup);
  return rc;
}

/// `flowsync inspect`: attaches to a running daemon's inspector and prints
/// its status, once or every `watch` seconds.
int run_inspect(const std::string& host, uint16_t port, bool json, int watch) {
  caf::actor_system_config sys_cfg;
  flowsync::register_message_types(sys_cfg);
  sys_cfg.load<caf::io::middleman>();
  caf::actor_system sys{sys_cfg};
  auto inspector = flowsync::attach_inspector(sys, host, port, inspect_timeout);
  if (!inspector) {
    std::cerr << "flowsync: no daemon's inspector answers on " << host << ":"
              << port << " (" << sys.render(inspector.error())
              << "); start the daemon with [inspector] port = " << port
              << " or FLOWSYNC_INSPECTOR_PORT=" << port << "\n";
    return exit_not_synced;
  }
  caf::scoped_actor self{sys};
  for (;;) {
    int rc = exit_ok;
    self->request(*inspector, inspect_timeout, flowsync::atom::status::value)
      .receive(
        [&](const flowsync::daemon_status& status) {
          std::cout << (json ? flowsync::to_json(status) + "\n"
                             : flowsync::to_text(status))
                    << std::flush;
        },
        [&](const caf::error& err) {
          std::cerr << "flowsync: the daemon did not answer: "
                    << sys.render(err) << "\n";
          rc = exit_not_synced;
        });
    if (rc != exit_ok || watch <= 0)
      return rc;
    std::this_thread::sleep_for(std::chrono::seconds{watch});
    if (!json)
      std::cout << "\n";
  }
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"flowsync: keeps Supabase users and their custodial Flow "
               "wallets in step"};
  app.set_version_flag("--version", "flowsync 0.1.0");
  std::string config_file;
  std::string log_level;
  app.add_option("-c,--config", config_file,
                 "TOML settings (default: $FLOWSYNC_CONFIG; see "
                 "config/flowsync.example.toml)");
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error or off (default: "
                 "$FLOWSYNC_LOG_LEVEL, then the file, then info)");
  app.require_subcommand(1);

  app.add_subcommand(
    "run", "Reconcile every sync interval and provision sign-ups as they "
           "come, until SIGTERM or SIGINT; then drain and exit 0");
  auto sync_cmd = app.add_subcommand("sync", "Run reconcile cycles");
  bool once = false;
  sync_cmd
    ->add_flag("--once", once,
               "Run one cycle; exit 0 only if every wallet ended in "
               "step")
    ->required();
  auto plan_cmd = app.add_subcommand(
    "plan", "Dry run: read every user, wallet and account state and print "
            "what one cycle would do; send and write nothing");
  auto check_cmd = app.add_subcommand(
    "check-config", "Validate the settings and print them, secrets hidden");
  auto migrate_cmd = app.add_subcommand(
    "migrate", "The SQL that adds flowsync's ledger table to a Supabase "
               "project");
  bool print_sql = false;
  migrate_cmd
    ->add_flag("--print", print_sql,
               "Print it (apply with: flowsync migrate --print | "
               "psql \"$DATABASE_URL\")")
    ->required();
  auto inspect_cmd = app.add_subcommand(
    "inspect", "Attach to a running daemon's inspector (see [inspector]) and "
               "print its cycle, workers and rate limits");
  std::string inspect_host = "127.0.0.1";
  int inspect_port = 0;
  bool inspect_json = false;
  int inspect_watch = 0;
  inspect_cmd->add_option("--host", inspect_host,
                          "Where the daemon listens (default 127.0.0.1)");
  inspect_cmd
    ->add_option("--port", inspect_port,
                 "The daemon's [inspector] port (default: "
                 "$FLOWSYNC_INSPECTOR_PORT)")
    ->check(CLI::Range(1, 65535));
  inspect_cmd->add_flag("--json", inspect_json,
                        "Print one JSON object (one a line with --watch)");
  inspect_cmd
    ->add_option("--watch", inspect_watch,
                 "Print again every SECONDS until interrupted")
    ->check(CLI::Range(1, 3600));
  CLI11_PARSE(app, argc, argv);

  if (inspect_cmd->parsed()) {
    uint16_t port = static_cast<uint16_t>(inspect_port);
    if (port == 0) {
      auto env = std::getenv("FLOWSYNC_INSPECTOR_PORT");
      if (env == nullptr || *env == '\0') {
        std::cerr << "flowsync: say where the daemon's inspector listens: "
                     "--port N, or set FLOWSYNC_INSPECTOR_PORT\n";
        return exit_config;
      }
      auto parsed = flowsync::parse_port(env, "FLOWSYNC_INSPECTOR_PORT");
      if (!parsed) {
        std::cerr << "flowsync: " << parsed.error().message << "\n";
        return exit_config;
      }
      port = *parsed;
    }
    if (!flowsync::is_loopback_host(inspect_host)) {
      std::cerr << "flowsync: the inspector listens on loopback only; --host "
                   "must be 127.0.0.1, ::1 or localhost\n";
      return exit_config;
    }
    return run_inspect(inspect_host, port, inspect_json, inspect_watch);
  }

  if (migrate_cmd->parsed()) {
    std::cout << flowsync::config_resource("sql/001_flowsync_ledger.sql");
    return exit_ok;
  }

  flowsync::init_logging(log_level);
  if (config_file.empty())
    if (auto env = std::getenv("FLOWSYNC_CONFIG"))
      config_file = env;
  auto env = flowsync::process_env();
  if (!log_level.empty()) {
    env = [base = env, log_level](const std::string& name) {
      if (name == "FLOWSYNC_LOG_LEVEL")
        return std::optional<std::string>{log_level};
      return base(name);
    };
  }
  auto cfg = flowsync::load_settings(config_file, env);
  if (!cfg) {
    std::cerr << "flowsync: " << cfg.error().message << "\n";
    return exit_config;
  }
  spdlog::set_level(spdlog::level::from_str(cfg->log_level));

  if (check_cmd->parsed()) {
    std::cout << flowsync::describe(*cfg);
    return exit_ok;
  }
  FLOWSYNC_INFO("flowsync starts on {} with {} workers; access node {}",
                cfg->flow.network, cfg->batching.workers, cfg->flow.access_url);
  if (plan_cmd->parsed())
    return run_daemon(std::move(*cfg), true, true);
  return run_daemon(std::move(*cfg), sync_cmd->parsed() && once, false);
}
