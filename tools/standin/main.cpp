// supabase-standin: the Auth admin users API and the PostgREST subset that
// flowsync uses, over a real PostgreSQL, for the sandbox and the tests.

#include "tools/standin/faults.hpp"
#include "tools/standin/jwt.hpp"
#include "tools/standin/server.hpp"

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in{text};
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty())
      out.push_back(item);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  using namespace flowsync::standin;
  CLI::App app{"supabase-standin: a Supabase stand-in (Auth admin users API "
               "and a PostgREST subset) over PostgreSQL"};
  app.require_subcommand(1);

  std::string listen = "127.0.0.1:54321";
  std::string conninfo;
  std::string secret_file;
  int64_t max_rows = 1000;
  int threads = 8;
  double fault_rate = 0;
  std::string fault_kinds;
  std::string fault_paths;
  int64_t fault_slow_ms = 20000;
  uint64_t fault_seed = 1;

  auto* serve = app.add_subcommand("serve", "serve the API until stopped");
  serve->add_option("--listen", listen, "HOST:PORT to listen on (loopback)")
    ->capture_default_str();
  serve->add_option("--db", conninfo, "libpq connection string")->required();
  serve
    ->add_option("--jwt-secret-file", secret_file,
                 "file holding the project's JWT secret")
    ->required();
  serve
    ->add_option("--max-rows", max_rows,
                 "PostgREST's max rows; longer results are cut silently")
    ->capture_default_str();
  serve->add_option("--threads", threads, "worker threads and DB connections")
    ->capture_default_str()
    ->check(CLI::Range(1, 256));
  serve
    ->add_option("--fault-rate", fault_rate,
                 "probability of a fault per request (0 = off)")
    ->check(CLI::Range(0.0, 1.0));
  serve->add_option("--fault-kinds", fault_kinds,
                    "comma-separated: 429,500,503,slow,truncated,drop");
  serve->add_option("--fault-paths", fault_paths,
                    "comma-separated path prefixes to fault");
  serve
    ->add_option("--fault-slow-ms", fault_slow_ms,
                 "how long a slow answer waits")
    ->capture_default_str();
  serve->add_option("--fault-seed", fault_seed, "seed of the fault sequence")
    ->capture_default_str();

  auto* keys = app.add_subcommand(
    "make-keys", "print the anon and service role keys for a secret");
  keys
    ->add_option("--jwt-secret-file", secret_file,
                 "file holding the project's JWT secret")
    ->required();

  CLI11_PARSE(app, argc, argv);

  std::string error;
  auto secret = read_jwt_secret(secret_file, error);
  if (secret.empty()) {
    std::fprintf(stderr, "supabase-standin: %s\n", error.c_str());
    return 1;
  }

  if (*keys) {
    std::printf("SUPABASE_ANON_KEY=%s\n", make_api_key("anon", secret).c_str());
    std::printf("SUPABASE_SERVICE_ROLE_KEY=%s\n",
                make_api_key("service_role", secret).c_str());
    return 0;
  }

  server_options options;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "supabase-standin: --listen needs HOST:PORT\n");
    return 1;
  }
  options.host = listen.substr(0, colon);
  // Test infrastructure with trust authentication behind it: loopback only.
  if (options.host != "localhost" && options.host != "::1"
      && options.host != "[::1]" && options.host.rfind("127.", 0) != 0) {
    std::fprintf(stderr,
                 "supabase-standin: --listen must name a loopback address "
                 "(127.0.0.1, ::1 or localhost)\n");
    return 1;
  }
  try {
    options.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    std::fprintf(stderr, "supabase-standin: --listen needs HOST:PORT\n");
    return 1;
  }
  options.conninfo = conninfo;
  options.jwt_secret = secret;
  options.max_rows = max_rows;
  options.threads = threads;
  options.faults.rate = fault_rate;
  options.faults.slow_ms = fault_slow_ms;
  options.faults.seed = fault_seed;
  for (const auto& name : split(fault_kinds)) {
    auto kind = parse_fault_kind(name);
    if (kind == fault_kind::none) {
      std::fprintf(stderr,
                   "supabase-standin: unknown fault kind '%s'; use 429, 500, "
                   "503, slow, truncated or drop\n",
                   name.c_str());
      return 1;
    }
    options.faults.kinds.push_back(kind);
  }
  if (options.faults.rate > 0 && options.faults.kinds.empty())
    options.faults.kinds = {fault_kind::too_many,    fault_kind::internal,
                            fault_kind::unavailable, fault_kind::slow,
                            fault_kind::truncated,   fault_kind::drop};
  options.faults.paths = split(fault_paths);
  return run_server(options);
}
