#include "adapters/preflight.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace flowsync {

result<void> check_service_account(flow_access& node,
                                   const flow_settings& flow) {
  auto key = private_key::from_hex(flow.service_key, flow.service_sig_algo);
  if (!key)
    return make_failure(ec::config, "the service account key is unusable");
  auto acct = node.get_account(flow.service_address);
  if (!acct) {
    if (acct.error().code == ec::not_found)
      return make_failure(
        ec::config, fmt::format("no account {} on the {} network: check "
                                "service_address and the network",
                                flow.service_address.hex(), flow.network));
    return acct.error();
  }
  auto find = [&](uint32_t index) {
    return std::find_if(
      acct->keys.begin(), acct->keys.end(),
      [index](const account_key_info& k) { return k.index == index; });
  };
  auto payer = find(flow.service_key_index);
  if (payer == acct->keys.end() || payer->revoked)
    return make_failure(ec::config,
                        fmt::format("account {} has no unrevoked key {}",
                                    flow.service_address.hex(),
                                    flow.service_key_index));
  if (payer->public_key != key->public_key_hex())
    return make_failure(ec::config,
                        fmt::format("key {} of account {} is not the public "
                                    "key of the configured service key: "
                                    "wrong key or wrong account",
                                    flow.service_key_index,
                                    flow.service_address.hex()));
  if (payer->weight < 1000)
    return make_failure(ec::config,
                        fmt::format("key {} of account {} has weight {}; the "
                                    "payer key needs 1000",
                                    flow.service_key_index,
                                    flow.service_address.hex(), payer->weight));
  for (auto index : flow.proposal_key_indices) {
    auto proposal = find(index);
    if (proposal == acct->keys.end() || proposal->revoked
        || proposal->public_key != payer->public_key)
      return make_failure(
        ec::config,
        fmt::format("account {} has no unrevoked proposal key {} with the "
                    "service key's public key: add one (same public key, any "
                    "weight) or fix proposal_key_indices",
                    flow.service_address.hex(), index));
  }
  return {};
}

} // namespace flowsync
