#include "actors/planner.hpp"

#include "adapters/address.hpp"
#include "adapters/crypto.hpp"
#include "adapters/sealing.hpp"

namespace flowsync {

bool has_address(const wallet_task& row) {
  return !row.address.empty();
}

std::optional<std::string> check_row(const wallet_task& row,
                                     const sealer& keys) {
  if (has_address(row)) {
    // Stored without 0x and with 16 digits; anything else was not written
    // by us and is not trusted.
    auto addr = address::parse(row.address);
    if (row.address.size() != 16 || !addr)
      return "malformed address '" + row.address + "'";
    if (row.public_key.empty())
      return "an address but no public key";
  }
  if (row.public_key.empty()) {
    if (!row.sealed_key.empty())
      return "a sealed private key but no public key";
    return std::nullopt;
  }
  if (!is_valid_public_key(sig_algo::ecdsa_p256, row.public_key))
    return "malformed public key";
  if (row.sealed_key.empty())
    return "a public key but no sealed private key";
  auto opened = keys.open(row.sealed_key, row.auth_id);
  if (!opened)
    return "the sealed private key does not open for this user";
  auto key = private_key::from_hex(*opened, sig_algo::ecdsa_p256);
  if (!key)
    return "the sealed private key is not a P-256 key";
  if (key->public_key_hex() != row.public_key)
    return "the sealed private key does not belong to the public key";
  return std::nullopt;
}

wallet_plan plan_wallet(const wallet_task& row, const wallet_state& state,
                        const policy_settings& policy) {
  wallet_plan plan;
  if (!state.exists) {
    plan.refusal = "no account exists at " + row.address;
    return plan;
  }
  if (!state.key_valid) {
    plan.refusal = "the stored public key is not a full-weight key of "
                   + row.address + " (address rewritten?)";
    return plan;
  }

  for (const auto& token : state.tokens)
    if (!token.healthy())
      plan.repair_vault = true;

  if (state.flow_balance >= policy.min_balance)
    return plan;
  plan.needs_funding = true;
  if (row.banned) {
    plan.top_up_withheld = "user is banned";
    plan.withheld_by_policy = true;
  } else if (row.top_ups_today >= policy.max_top_ups_per_day) {
    plan.top_up_withheld = "daily top-up cap reached";
  } else if (!state.flow_receiver) {
    plan.top_up_withheld = "no FLOW receiver published";
  } else {
    plan.top_up = true;
  }
  return plan;
}

} // namespace flowsync
