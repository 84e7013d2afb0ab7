#include "tests/integration/harness.hpp"

#include "adapters/http.hpp"
#include "tests/integration/sandbox.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace flowsync::testing {

namespace {

/// The environment of this process plus `extra`, for execve.
std::vector<std::string>
merged_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry{*e};
    auto eq = entry.find('=');
    if (eq != std::string::npos)
      all[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : extra)
    all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all)
    out.push_back(k + "=" + v);
  return out;
}

/// Forks and execs; the child's stdout and stderr go to `out_fd`.
int spawn(const std::vector<std::string>& argv,
          const std::map<std::string, std::string>& env, int out_fd) {
  auto envs = merged_env(env);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : envs)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  auto pid = fork();
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  return pid;
}

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

std::string required(const std::string& name) {
  auto value = sandbox_var(name);
  if (value.empty())
    throw std::runtime_error("the sandbox has no " + name
                             + "; run tools/sandbox up");
  return value;
}

} // namespace

bool sandbox_up() {
  static const bool up = [] {
    auto supabase = sandbox_var("SUPABASE_URL");
    auto flow = sandbox_var("FLOW_ACCESS_URL");
    if (supabase.empty() || flow.empty())
      return false;
    http_client http;
    http_request health;
    health.url = supabase + "/auth/v1/health";
    health.timeout = std::chrono::milliseconds{3000};
    auto a = http.perform(health);
    http_request block;
    block.url = flow + "/v1/blocks?height=sealed";
    block.timeout = std::chrono::milliseconds{3000};
    auto b = http.perform(block);
    return a && a->status == 200 && b && b->status == 200;
  }();
  return up;
}

process_result run_command(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env,
                           std::chrono::seconds timeout) {
  int fds[2];
  if (pipe(fds) != 0)
    return {};
  auto pid = spawn(argv, env, fds[1]);
  close(fds[1]);
  process_result res;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0) {
      kill(pid, SIGKILL);
      res.output += "\n[killed: timeout]\n";
      break;
    }
    if (poll(&p, 1, static_cast<int>(std::min<long>(left, 1000))) <= 0)
      continue;
    auto n = read(fds[0], buf, sizeof(buf));
    if (n <= 0)
      break;
    res.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  res.exit_code = exit_code_of(status);
  return res;
}

background_process::background_process(
  const std::vector<std::string>& argv,
  const std::map<std::string, std::string>& env,
  const std::filesystem::path& log) {
  auto fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_ = spawn(argv, env, fd);
  close(fd);
}

background_process::~background_process() {
  if (pid_ > 0 && running()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void background_process::signal(int sig) {
  if (pid_ > 0)
    kill(pid_, sig);
}

bool background_process::running() {
  if (status_ != -1)
    return false;
  int status = 0;
  auto rc = waitpid(pid_, &status, WNOHANG);
  if (rc == pid_) {
    status_ = exit_code_of(status);
    return false;
  }
  return rc == 0;
}

int background_process::wait(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline)
      return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return status_;
}

std::string flowsync_binary() {
  return build_dir() + "/flowsync";
}

temp_folder::temp_folder() {
  static std::atomic<int> counter{0};
  path = std::filesystem::temp_directory_path()
         / ("flowsync-it-" + std::to_string(getpid()) + "-"
            + std::to_string(counter++));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
}

temp_folder::~temp_folder() {
  std::error_code err;
  std::filesystem::remove_all(path, err);
}

std::filesystem::path write_daemon_config(const std::filesystem::path& dir,
                                          const std::string& extra) {
  auto path = dir / "flowsync.toml";
  std::ofstream out{path};
  out << "network = \"emulator\"\n"
      << "log_level = \"info\"\n\n"
      << "[supabase]\nusers_per_page = 7\nwallets_per_page = 11\n\n"
      << "[flow]\nexpiry_blocks = "
      << (sandbox_var("FLOWSYNC_EMULATOR_EXPIRY").empty()
            ? std::string{"600"}
            : sandbox_var("FLOWSYNC_EMULATOR_EXPIRY"))
      << "\npoll_interval_ms = 100\n\n"
      << "[contracts]\nBaitCoin = \"" << required("FLOWSYNC_BAITCOIN_ADDRESS")
      << "\"\n\n"
      << "[output]\nflow_config = \""
      << (dir / "flow/flow-production.json").string() << "\"\nkey_dir = \""
      << (dir / "flow/pkeys").string() << "\"\n\n"
      << extra;
  return path;
}

std::map<std::string, std::string>
daemon_env(const std::filesystem::path& config) {
  return {{"FLOWSYNC_CONFIG", config.string()},
          {"NETWORK", "emulator"},
          {"SUPABASE_URL", required("SUPABASE_URL")},
          {"SUPABASE_SERVICE_ROLE_KEY", required("SUPABASE_SERVICE_ROLE_KEY")},
          {"FLOW_ACCESS_URL", required("FLOW_ACCESS_URL")},
          {"FLOWSYNC_MASTER_KEY", required("FLOWSYNC_MASTER_KEY")},
          {"FLOWSYNC_SERVICE_KEY_FILE", required("FLOWSYNC_SERVICE_KEY_FILE")},
          {"FLOWSYNC_SERVICE_ADDRESS", required("FLOWSYNC_SERVICE_ADDRESS")},
          {"FLOWSYNC_PROPOSAL_KEYS", required("FLOWSYNC_PROPOSAL_KEYS")},
          {"SYNC_INTERVAL", "300"}};
}

std::vector<std::string> create_users(int count) {
  static std::atomic<int> serial{0};
  http_client http;
  std::vector<std::string> ids;
  auto key = required("SUPABASE_SERVICE_ROLE_KEY");
  for (int i = 0; i < count; ++i) {
    http_request req;
    req.method = "POST";
    req.url = required("SUPABASE_URL") + "/auth/v1/admin/users";
    req.headers = {{"apikey", key},
                   {"Authorization", "Bearer " + key},
                   {"Content-Type", "application/json"}};
    req.body = R"({"email":"it-)" + std::to_string(getpid()) + "-"
               + std::to_string(serial++) + "-"
               + std::to_string(
                 std::chrono::steady_clock::now().time_since_epoch().count())
               + R"(@example.com","password":"not-a-real-password",)"
               + R"("email_confirm":true})";
    auto resp = http.perform(req);
    if (!resp || resp->status != 200)
      throw std::runtime_error("the Auth admin API did not create a user");
    auto at = resp->body.find("\"id\":\"");
    ids.push_back(resp->body.substr(at + 6, 36));
  }
  return ids;
}

database::database() : conn_(PQconnectdb(required("FLOWSYNC_PG_URL").c_str())) {
  // nop
}

database::~database() {
  PQfinish(conn_);
}

std::vector<std::vector<std::string>>
database::query(const std::string& sql,
                const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  auto* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                           nullptr, values.data(), nullptr, nullptr, 0);
  std::vector<std::vector<std::string>> rows;
  if (PQresultStatus(res) == PGRES_TUPLES_OK) {
    for (int r = 0; r < PQntuples(res); ++r) {
      std::vector<std::string> row;
      for (int c = 0; c < PQnfields(res); ++c)
        row.emplace_back(PQgetvalue(res, r, c));
      rows.push_back(std::move(row));
    }
  } else if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    std::string err = PQerrorMessage(conn_);
    PQclear(res);
    throw std::runtime_error("SQL failed: " + err);
  }
  PQclear(res);
  return rows;
}

std::string database::value(const std::string& sql,
                            const std::vector<std::string>& params) {
  auto rows = query(sql, params);
  return rows.empty() || rows[0].empty() ? std::string{} : rows[0][0];
}

stored_wallet wallet_of(database& db, const std::string& auth_id) {
  auto rows = db.query("select coalesce(flow_address, ''), "
                       "coalesce(flow_public_key, ''), "
                       "coalesce(flow_private_key, '') "
                       "from public.wallet where auth_id = $1",
                       {auth_id});
  stored_wallet w;
  w.auth_id = auth_id;
  if (!rows.empty()) {
    w.address = rows[0][0];
    w.public_key = rows[0][1];
    w.sealed_key = rows[0][2];
  }
  return w;
}

sandbox::chain& sandbox_chain() {
  static sandbox::chain* instance = [] {
    sandbox::chain_options opts;
    opts.access_url = required("FLOW_ACCESS_URL");
    opts.contracts = *sandbox::emulator_contracts();
    opts.contracts["BaitCoin"] =
      *address::parse(required("FLOWSYNC_BAITCOIN_ADDRESS"));
    return new sandbox::chain{opts};
  }();
  return *instance;
}

std::vector<token_ref> sandbox_tokens() {
  return {{"BaitCoin", *address::parse(required("FLOWSYNC_BAITCOIN_ADDRESS"))}};
}

const sealer& sandbox_sealer() {
  static const sealer instance =
    *sealer::from_master_key(secret{required("FLOWSYNC_MASTER_KEY")});
  return instance;
}

std::vector<wallet_state> read_states(const std::vector<address>& addresses,
                                      const std::vector<std::string>& keys) {
  auto& chain = sandbox_chain();
  auto script = chain.source(cadence_file::wallet_state);
  if (!script)
    throw std::runtime_error(script.error().message);
  auto tokens = sandbox_tokens();
  auto res = chain.access().execute_script(
    *script, wallet_state_arguments(addresses, keys, tokens));
  if (!res)
    throw std::runtime_error(res.error().message);
  auto states = parse_wallet_states(*res, addresses.size(), tokens.size());
  if (!states)
    throw std::runtime_error(states.error().message);
  return *states;
}

result<tx_result> run_as_user(const stored_wallet& wallet,
                              std::string_view cadence_path,
                              std::vector<cvalue> arguments) {
  auto opened = sandbox_sealer().open(wallet.sealed_key, wallet.auth_id);
  if (!opened)
    return opened.error();
  auto user_key = private_key::from_hex(*opened, sig_algo::ecdsa_p256);
  if (!user_key)
    return user_key.error();
  auto service_key =
    sandbox::read_key_file(required("FLOWSYNC_SERVICE_KEY_FILE"));
  if (!service_key)
    return service_key.error();
  auto service = *address::parse(required("FLOWSYNC_SERVICE_ADDRESS"));
  sandbox::tx_spec spec;
  spec.cadence_path = std::string{cadence_path};
  spec.arguments = std::move(arguments);
  spec.proposer = {*address::parse(wallet.address), 0, *user_key,
                   hash_algo::sha3_256};
  spec.payer = {service, 0, *service_key, hash_algo::sha3_256};
  spec.authorizers.push_back(spec.proposer);
  return sandbox_chain().execute(spec);
}

} // namespace flowsync::testing
