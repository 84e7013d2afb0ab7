#pragma once

#include <string>

namespace flowsync::testing {

/// A setting of the running sandbox: taken from the environment when set,
/// else from the `.sandbox/env` file that `tools/sandbox up` writes (in
/// FLOWSYNC_SANDBOX_DIR, or the repository's `.sandbox`). Empty if unknown.
std::string sandbox_var(const std::string& name);

/// True when a missing sandbox must fail the tests instead of skipping
/// them (FLOWSYNC_REQUIRE_SANDBOX=1, as tools/test and CI set it).
bool sandbox_required();

/// The folder of the sandbox (holds env, logs, keys).
std::string sandbox_dir();

/// The build folder holding the `flowsync` binary under test.
std::string build_dir();

} // namespace flowsync::testing
