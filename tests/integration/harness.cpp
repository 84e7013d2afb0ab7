#include "tests/integration/harness.hpp"

#include "adapters/bytes.hpp"
#include "adapters/http.hpp"
#include "tests/integration/sandbox.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <rapidjson/document.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
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
  // Close-on-exec: a daemon the command starts in the background (an
  // emulator) must not inherit the pipe, or the read below never ends.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
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
  return write_daemon_config(dir, config_overrides{}, extra);
}

std::filesystem::path write_daemon_config(const std::filesystem::path& dir,
                                          const config_overrides& overrides,
                                          const std::string& extra) {
  using section =
    std::pair<std::string, std::vector<std::pair<std::string, std::string>>>;
  auto quoted = [](const std::string& text) { return "\"" + text + "\""; };
  auto expiry = sandbox_var("FLOWSYNC_EMULATOR_EXPIRY");
  std::vector<section> sections = {
    {"", {{"network", quoted("emulator")}, {"log_level", quoted("info")}}},
    {"supabase", {{"users_per_page", "7"}, {"wallets_per_page", "11"}}},
    {"flow",
     {{"expiry_blocks", expiry.empty() ? "600" : expiry},
      {"poll_interval_ms", "100"}}},
    {"contracts",
     {{"BaitCoin", quoted(required("FLOWSYNC_BAITCOIN_ADDRESS"))}}},
    {"output",
     {{"flow_config", quoted((dir / "flow/flow-production.json").string())},
      {"key_dir", quoted((dir / "flow/pkeys").string())}}},
  };
  for (const auto& [dotted, value] : overrides) {
    auto dot = dotted.find('.');
    auto name = dot == std::string::npos ? "" : dotted.substr(0, dot);
    auto key = dot == std::string::npos ? dotted : dotted.substr(dot + 1);
    auto at = std::find_if(sections.begin(), sections.end(),
                           [&](const section& s) { return s.first == name; });
    if (at == sections.end())
      at = sections.insert(sections.end(), section{name, {}});
    auto& keys = at->second;
    auto old = std::find_if(keys.begin(), keys.end(),
                            [&](const auto& kv) { return kv.first == key; });
    if (old == keys.end())
      keys.emplace_back(key, value);
    else
      old->second = value;
  }

  auto path = dir / "flowsync.toml";
  std::ofstream out{path};
  for (const auto& [name, keys] : sections) {
    if (!name.empty())
      out << "\n[" << name << "]\n";
    for (const auto& [key, value] : keys)
      out << key << " = " << value << "\n";
  }
  out << "\n" << extra;
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
  auto states = sandbox_chain().read_states(addresses, keys, sandbox_tokens());
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

std::string private_key_hex(const stored_wallet& wallet) {
  auto opened = sandbox_sealer().open(wallet.sealed_key, wallet.auth_id);
  return opened ? opened->reveal() : std::string{};
}

std::map<std::string, std::string>
wallet_problems(database& db, const std::vector<std::string>& auth_ids,
                const char* min_balance) {
  // A user id no test user has: a sealed key must not open for it.
  static const std::string stranger = "00000000-0000-4000-8000-000000000000";
  std::map<std::string, std::string> problems;
  auto floor = *ufix64::parse(min_balance);
  std::vector<address> addresses;
  std::vector<std::string> keys;
  std::vector<std::string> owners;
  for (const auto& id : auth_ids) {
    auto w = wallet_of(db, id);
    auto addr = address::parse(w.address);
    if (w.address.size() != 16 || !addr) {
      problems[id] = "no valid address in the row ('" + w.address + "')";
      continue;
    }
    if (!is_valid_public_key(sig_algo::ecdsa_p256, w.public_key)) {
      problems[id] = "no valid public key in the row";
      continue;
    }
    auto opened = sandbox_sealer().open(w.sealed_key, id);
    auto key = opened ? private_key::from_hex(*opened, sig_algo::ecdsa_p256)
                      : result<private_key>{opened.error()};
    if (!key || key->public_key_hex() != w.public_key) {
      problems[id] = "the sealed key is not the private half of the public "
                     "key";
      continue;
    }
    if (sandbox_sealer().open(w.sealed_key, stranger)) {
      problems[id] = "the sealed key opens for another user too";
      continue;
    }
    auto account = sandbox_chain().access().get_account(*addr);
    if (!account) {
      problems[id] = "no account at " + w.address;
      continue;
    }
    auto held = std::any_of(account->keys.begin(), account->keys.end(),
                            [&](const account_key_info& k) {
                              return k.public_key == w.public_key
                                     && k.weight >= 1000 && !k.revoked;
                            });
    if (!held) {
      problems[id] = "account " + w.address
                     + " does not hold the stored key "
                       "at full weight";
      continue;
    }
    if (account->balance < floor) {
      problems[id] = "account " + w.address + " holds "
                     + account->balance.to_string() + " FLOW";
      continue;
    }
    addresses.push_back(*addr);
    keys.push_back(w.public_key);
    owners.push_back(id);
  }

  // The state script answers for many accounts at once.
  constexpr size_t chunk = 100;
  for (size_t first = 0; first < addresses.size(); first += chunk) {
    auto last = std::min(addresses.size(), first + chunk);
    auto from = static_cast<ptrdiff_t>(first);
    auto to = static_cast<ptrdiff_t>(last);
    std::vector<address> some(addresses.begin() + from, addresses.begin() + to);
    std::vector<std::string> their_keys(keys.begin() + from, keys.begin() + to);
    auto states = read_states(some, their_keys);
    for (size_t i = 0; i < states.size(); ++i) {
      const auto& state = states[i];
      const auto& id = owners[first + i];
      if (!state.key_valid)
        problems[id] = "the state script does not accept the stored key";
      for (const auto& token : state.tokens)
        if (!token.vault || !token.receiver || !token.balance_cap)
          problems[id] = "a token vault or capability is missing";
    }
  }
  return problems;
}

std::string uuid_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (const auto& id : ids)
    out += (out.size() > 1 ? "," : "") + id;
  return out + "}";
}

uint64_t latest_height() {
  auto block = sandbox_chain().access().latest_sealed_block();
  if (!block)
    throw std::runtime_error("no latest block: " + block.error().message);
  return block->height;
}

std::vector<created_account> accounts_created_between(uint64_t from,
                                                      uint64_t to) {
  // Access nodes answer at most 250 blocks of events per request.
  constexpr uint64_t span = 250;
  http_client http;
  std::vector<created_account> out;
  for (auto start = from; start <= to; start += span) {
    auto end = std::min(to, start + span - 1);
    http_request req;
    req.url = required("FLOW_ACCESS_URL")
              + "/v1/events?type=flow.AccountCreated&start_height="
              + std::to_string(start) + "&end_height=" + std::to_string(end);
    auto resp = http.perform(req);
    if (!resp || resp->status != 200)
      throw std::runtime_error("the access node gave no events");
    rapidjson::Document doc;
    doc.Parse(resp->body.data(), resp->body.size());
    if (doc.HasParseError() || !doc.IsArray())
      throw std::runtime_error("the events answer is not a JSON array");
    for (const auto& block : doc.GetArray()) {
      auto events = block.FindMember("events");
      if (events == block.MemberEnd() || !events->value.IsArray())
        continue;
      for (const auto& event : events->value.GetArray()) {
        auto payload = from_base64(event["payload"].GetString());
        if (!payload)
          throw std::runtime_error("an event payload is not base64");
        auto value =
          decode_cadence_json(std::string{payload->begin(), payload->end()});
        auto field = value ? value->field("address") : nullptr;
        auto addr = field ? field->as_address() : result<address>{failure{}};
        if (!addr)
          throw std::runtime_error("an AccountCreated event has no address");
        created_account account{*addr, {}};
        auto info = sandbox_chain().access().get_account(*addr);
        if (info && !info->keys.empty())
          account.public_key = info->keys.front().public_key;
        out.push_back(std::move(account));
      }
    }
  }
  return out;
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(addr);
  auto ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
            && getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0;
  close(fd);
  return ok ? ntohs(addr.sin_port) : 0;
}

// -- a private stand-in ------------------------------------------------------

namespace {

result<http_response> standin_call(const std::string& url,
                                   const std::string& method,
                                   const std::string& path,
                                   const std::string& body = {}) {
  http_client http;
  http_request req;
  req.method = method;
  req.url = url + path;
  req.body = body;
  req.timeout = std::chrono::milliseconds{3000};
  if (!body.empty())
    req.headers = {{"Content-Type", "application/json"}};
  return http.perform(req);
}

} // namespace

private_standin::private_standin() {
  auto binary = build_dir() + "/tools/supabase-standin";
  auto port = free_port();
  if (port == 0 || ::access(binary.c_str(), X_OK) != 0)
    return;
  auto db = "host=127.0.0.1 port=" + required("FLOWSYNC_PG_PORT")
            + " dbname=postgres user=authenticator "
              "application_name=supabase-standin-test";
  auto listen = "127.0.0.1:" + std::to_string(port);
  auto log = std::filesystem::temp_directory_path()
             / ("flowsync-it-standin-" + std::to_string(getpid()) + "-"
                + std::to_string(port) + ".log");
  auto fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_ =
    spawn({binary, "serve", "--listen", listen, "--db", db, "--jwt-secret-file",
           required("FLOWSYNC_STANDIN_JWT_SECRET_FILE"), "--threads", "8"},
          {}, fd);
  close(fd);
  auto url = "http://" + listen;
  for (int i = 0; i < 100; ++i) {
    auto resp = standin_call(url, "GET", "/_standin/stats");
    if (resp && resp->status == 200) {
      url_ = url;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
}

private_standin::~private_standin() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

bool private_standin::set_faults(const std::string& json) {
  if (url_.empty())
    return false;
  auto resp = standin_call(url_, "POST", "/_standin/faults", json);
  return resp && resp->status == 200;
}

std::string private_standin::stats() {
  auto resp = standin_call(url_, "GET", "/_standin/stats");
  return resp && resp->status == 200 ? resp->body : std::string{};
}

// -- the emulator -------------------------------------------------------------

namespace {

/// The environment that makes tools/sandbox.d/emulator.sh start the
/// emulator with the flags it runs with now, read from its command line.
std::map<std::string, std::string>& emulator_flags() {
  static std::map<std::string, std::string> flags;
  return flags;
}

void remember_emulator_flags() {
  std::ifstream pid_file{sandbox_dir() + "/emulator/emulator.pid"};
  std::string pid;
  if (!(pid_file >> pid))
    return;
  std::ifstream cmdline{"/proc/" + pid + "/cmdline"};
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(cmdline, arg, '\0'))
    args.push_back(arg);
  static const std::map<std::string, std::string> names = {
    {"--port", "FLOWSYNC_EMULATOR_GRPC_PORT"},
    {"--rest-port", "FLOWSYNC_EMULATOR_REST_PORT"},
    {"--admin-port", "FLOWSYNC_EMULATOR_ADMIN_PORT"},
    {"--debugger-port", "FLOWSYNC_EMULATOR_DEBUGGER_PORT"},
    {"--transaction-expiry", "FLOWSYNC_EMULATOR_EXPIRY"},
    {"--block-time", "FLOWSYNC_EMULATOR_BLOCK_TIME"},
  };
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (auto name = names.find(args[i]); name != names.end())
      emulator_flags()[name->second] = args[i + 1];
}

/// Runs a function of tools/sandbox.d/emulator.sh on the sandbox folder.
bool emulator_script(const std::string& function) {
  auto script =
    std::string{FLOWSYNC_SOURCE_DIR} + "/tools/sandbox.d/emulator.sh";
  auto res =
    run_command({"/bin/bash", "-c", "source \"$1\" && " + function + " \"$2\"",
                 "bash", script, sandbox_dir()},
                emulator_flags(), std::chrono::seconds{120});
  if (res.exit_code != 0)
    std::fprintf(stderr, "%s failed: %s\n", function.c_str(),
                 res.output.c_str());
  return res.exit_code == 0;
}

} // namespace

bool emulator_answers() {
  http_client http;
  http_request req;
  req.url = required("FLOW_ACCESS_URL") + "/v1/blocks?height=sealed";
  req.timeout = std::chrono::milliseconds{2000};
  auto resp = http.perform(req);
  return resp && resp->status == 200;
}

bool stop_emulator() {
  remember_emulator_flags();
  return emulator_script("emulator_down");
}

bool start_emulator() {
  if (emulator_flags().empty())
    remember_emulator_flags();
  return emulator_script("_emulator_start") && emulator_answers();
}

emulator_guard::~emulator_guard() {
  if (!emulator_answers())
    start_emulator();
}

} // namespace flowsync::testing
