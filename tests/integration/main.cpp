// The integration suite runs against the sandbox started by `tools/sandbox
// up`; see tests/integration/sandbox.hpp for how it finds it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
