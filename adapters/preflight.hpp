#pragma once

#include "adapters/flow_access.hpp"
#include "adapters/result.hpp"
#include "adapters/settings.hpp"
#include "adapters/supabase.hpp"

namespace flowsync {

/// Checks, before anything is spawned, that the service account exists on
/// the chosen network and holds the configured keys: the payer key is an
/// unrevoked full-weight key matching the configured private key, and each
/// proposal key exists, is unrevoked and has the same public key. Fails
/// with `ec::config` and what to fix, or with the transport error.
result<void> check_service_account(flow_access& node,
                                   const flow_settings& flow);

} // namespace flowsync
