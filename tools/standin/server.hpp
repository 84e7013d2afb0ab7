#pragma once

#include "tools/standin/faults.hpp"

#include <cstdint>
#include <string>

namespace flowsync::standin {

/// How `supabase-standin serve` runs.
struct server_options {
  std::string host = "127.0.0.1";
  int port = 54321;
  /// libpq connection string; the stand-in logs in as `authenticator`.
  std::string conninfo;
  std::string jwt_secret;
  /// PostgREST's db-max-rows: longer results are cut silently.
  int64_t max_rows = 1000;
  int threads = 8;
  fault_config faults;
};

/// Serves until the process is stopped. Returns a process exit code.
int run_server(const server_options& options);

} // namespace flowsync::standin
