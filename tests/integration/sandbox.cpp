#include "tests/integration/sandbox.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

namespace flowsync::testing {

namespace {

// Reads `export KEY=VALUE` lines; VALUE may be wrapped in single quotes.
std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("export ", 0) == 0)
      line.erase(0, 7);
    auto eq = line.find('=');
    if (eq == std::string::npos || line.empty() || line[0] == '#')
      continue;
    auto value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
      value = value.substr(1, value.size() - 2);
    out[line.substr(0, eq)] = value;
  }
  return out;
}

} // namespace

std::string sandbox_dir() {
  if (auto dir = std::getenv("FLOWSYNC_SANDBOX_DIR"))
    return dir;
  return std::string{FLOWSYNC_SOURCE_DIR} + "/.sandbox";
}

bool sandbox_required() {
  auto value = sandbox_var("FLOWSYNC_REQUIRE_SANDBOX");
  return value == "1" || value == "true";
}

std::string build_dir() {
  if (auto dir = std::getenv("FLOWSYNC_BUILD_DIR"))
    return dir;
  return FLOWSYNC_BINARY_DIR;
}

std::string sandbox_var(const std::string& name) {
  if (auto value = std::getenv(name.c_str()))
    return value;
  static std::once_flag once;
  static std::map<std::string, std::string> file_vars;
  std::call_once(once,
                 [] { file_vars = read_env_file(sandbox_dir() + "/env"); });
  auto i = file_vars.find(name);
  return i == file_vars.end() ? std::string{} : i->second;
}

} // namespace flowsync::testing
