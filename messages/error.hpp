#pragma once

#include "adapters/result.hpp"

#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>

/// Lets `caf::error` carry flowsync's error codes under the category
/// "flowsync", with the message as context.
CAF_ERROR_CODE_ENUM(flowsync::ec, "flowsync")

namespace flowsync {

/// Converts an adapter failure into a `caf::error` with its message.
caf::error to_error(const failure& f);

/// The flowsync code of an error, or `ec::none` for errors of other
/// categories (CAF's own, such as a request timeout).
ec code_of(const caf::error& err);

/// A sentence for logs: the code and the context message.
std::string describe(const caf::error& err);

} // namespace flowsync
