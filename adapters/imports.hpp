#pragma once

#include "adapters/address.hpp"
#include "adapters/result.hpp"

#include <map>
#include <string>
#include <string_view>

namespace flowsync {

/// The address of each contract by name, for one network.
using contract_addresses = std::map<std::string, address>;

/// Rewrites every `import "Name"` to `import Name from 0x<address>` using
/// `contracts`. Fails with `ec::config` naming the contract when a name is
/// unknown. Leaves `import Name from 0x...` alone; rejects string-path
/// imports such as `import Name from "./path.cdc"` with `ec::invalid_input`,
/// because the chain rejects them.
result<std::string> resolve_imports(std::string_view source,
                                    const contract_addresses& contracts);

} // namespace flowsync
