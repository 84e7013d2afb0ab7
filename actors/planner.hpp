#pragma once

#include "adapters/sealing.hpp"
#include "adapters/settings.hpp"
#include "adapters/wallet_scripts.hpp"
#include "messages/wallet.hpp"

#include <optional>
#include <string>

/// The planner: given a wallet row, its state on chain and the policy, says
/// what to do. Pure: no I/O, no actors; the workers act on its answers.
namespace flowsync {

/// Why a row is refused before anything is read or sent for it, or nothing
/// when it passes. Checks the address and key formats, and that the sealed
/// key opens for this user and belongs to the stored public key.
std::optional<std::string> check_row(const wallet_task& row,
                                     const sealer& keys);

/// The row holds an account address (it may still be refused later).
bool has_address(const wallet_task& row);

/// What a wallet with an account needs.
struct wallet_plan {
  /// Why nothing may be done for this wallet; empty when it is served.
  std::string refusal;
  /// Some token's vault or capabilities are missing.
  bool repair_vault = false;
  /// The FLOW balance is below the threshold.
  bool needs_funding = false;
  /// A top-up is to be sent (funding needed and the policy allows it).
  bool top_up = false;
  /// Why a needed top-up is withheld; empty when sent or not needed.
  std::string top_up_withheld;
  /// A withheld top-up still counts the wallet as in step (banned users).
  bool withheld_by_policy = false;

  /// Nothing to send: the wallet is in step as it is.
  bool in_step() const noexcept {
    return refusal.empty() && !repair_vault && !top_up
           && (!needs_funding || withheld_by_policy);
  }
};

/// Decides for one wallet with an account.
wallet_plan plan_wallet(const wallet_task& row, const wallet_state& state,
                        const policy_settings& policy);

} // namespace flowsync
