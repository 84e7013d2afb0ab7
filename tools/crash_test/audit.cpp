#include "tools/crash_test/audit.hpp"

#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace flowsync::crash {

namespace {

bool is_open(const std::string& status) {
  return status == "signed" || status == "sent";
}

/// The status that stands for a transaction's ledger rows: an open one if
/// any row is open (recovery has not finished it), else the first row's.
std::string tx_status_of(const std::vector<const ledger_record*>& rows) {
  for (const auto* row : rows)
    if (is_open(row->status))
      return row->status;
  return rows.front()->status;
}

/// Whether a final ledger status tells the truth about the chain. Sealed
/// must mean sealed without error; a transaction that ran (sealed or
/// failed) must be recorded as exactly that. Failed or expired rows of a
/// transaction the chain never saw are right: it was refused or never sent.
bool agrees(const std::string& status, chain_outcome outcome) {
  if (status == "sealed" || outcome == chain_outcome::sealed)
    return status == "sealed" && outcome == chain_outcome::sealed;
  if (outcome == chain_outcome::failed)
    return status == "failed";
  if (outcome == chain_outcome::pending)
    return false;
  return status == "failed" || status == "expired";
}

class judging {
 public:
  explicit judging(const evidence& ev) : ev_(ev) {
    // nop
  }

  verdict run() {
    v_.users = ev_.users.size();
    index_accounts();
    check_users();
    check_orphans();
    check_top_ups();
    check_ledger();
    return std::move(v_);
  }

 private:
  void note(const char* category, std::string text) {
    v_.findings.push_back({category, std::move(text)});
  }

  void index_accounts() {
    for (const auto& account : ev_.accounts) {
      for (const auto& key : account.keys)
        holders_[key].push_back(&account);
      if (account.height >= ev_.daemon_from_height) {
        ++v_.accounts_created;
        creation_txs_.insert(account.tx_id);
      }
    }
    v_.creation_txs = creation_txs_.size();
  }

  void check_users() {
    for (const auto& user : ev_.users) {
      stored_keys_.insert(user.public_key);
      if (!user.has_row) {
        ++v_.users_without_row;
        note("loss", "user " + user.auth_id + " has no wallet row");
        continue;
      }
      if (user.public_key.empty()) {
        ++v_.users_without_key;
        note("loss", "user " + user.auth_id + " has no key");
        continue;
      }
      check_first_key(user);
      check_sealed_key(user);
      check_account(user);
    }
  }

  void check_first_key(const user_record& user) {
    auto first = ev_.first_keys.find(user.auth_id);
    if (first == ev_.first_keys.end() || first->second == user.public_key)
      return;
    ++v_.replaced_keys;
    note("loss", "the key of user " + user.auth_id
                   + " was replaced after it was first stored");
  }

  void check_sealed_key(const user_record& user) {
    if (!user.has_sealed_key || !user.key_opens) {
      ++v_.keys_not_opening;
      note("loss", "the sealed key of user " + user.auth_id
                     + " does not open with the master key");
    } else if (user.opened_public_key != user.public_key) {
      ++v_.keys_not_opening;
      note("loss", "the sealed key of user " + user.auth_id
                     + " is not the private half of the stored public key");
    }
  }

  void check_account(const user_record& user) {
    auto found = holders_.find(user.public_key);
    auto count = found == holders_.end() ? size_t{0} : found->second.size();
    if (count == 0) {
      ++v_.users_without_account;
      note("loss", "no account on chain holds the key of user " + user.auth_id);
      return;
    }
    if (count > 1) {
      v_.second_accounts += count - 1;
      std::string list;
      for (const auto* account : found->second)
        list += " " + account->addr.hex();
      note("duplicate", std::to_string(count)
                          + " accounts hold the key of user " + user.auth_id
                          + ":" + list);
      return;
    }
    const auto& account = *found->second.front();
    user_accounts_.emplace(account.addr, &user);
    if (user.address != account.addr.hex()) {
      ++v_.wrong_addresses;
      note("loss", "the row of user " + user.auth_id + " names '" + user.address
                     + "' but account " + account.addr.hex()
                     + " holds its key");
      return;
    }
    if (expired_creation(user.auth_id))
      ++v_.users_recreated_after_expiry;
  }

  bool expired_creation(const std::string& auth_id) const {
    return std::any_of(
      ev_.ledger.begin(), ev_.ledger.end(), [&](const ledger_record& row) {
        return row.auth_id == auth_id && row.kind == "create_account"
               && row.status == "expired";
      });
  }

  void check_orphans() {
    for (const auto& account : ev_.accounts) {
      if (account.height < ev_.daemon_from_height)
        continue;
      auto known = std::any_of(
        account.keys.begin(), account.keys.end(),
        [&](const std::string& k) { return stored_keys_.count(k); });
      if (known)
        continue;
      ++v_.orphan_accounts;
      note("loss", "account " + account.addr.hex() + " (transaction "
                     + account.tx_id + ") holds no user's key");
    }
  }

  void check_top_ups() {
    // Deposits in a creating transaction are the account's opening funds;
    // every other deposit into a user's account is a top-up.
    std::unordered_set<std::string> all_creations;
    for (const auto& account : ev_.accounts)
      all_creations.insert(account.tx_id);
    std::map<address, int> paid;
    for (const auto& d : ev_.deposits) {
      if (user_accounts_.count(d.to) == 0 || all_creations.count(d.tx_id) > 0)
        continue;
      ++paid[d.to];
      ++v_.top_ups;
      top_up_txs_.insert(d.tx_id);
    }
    v_.top_up_txs = top_up_txs_.size();

    std::set<address> addresses;
    for (const auto& [addr, n] : paid)
      addresses.insert(addr);
    for (const auto& [addr, n] : ev_.drains) {
      addresses.insert(addr);
      v_.drains += static_cast<size_t>(n);
    }
    for (const auto& addr : addresses) {
      auto drained = ev_.drains.count(addr) ? ev_.drains.at(addr) : 0;
      auto topped = paid.count(addr) ? paid.at(addr) : 0;
      auto says = "address " + addr.hex() + " was drained "
                  + std::to_string(drained) + " times and topped up "
                  + std::to_string(topped) + " times";
      if (topped > drained) {
        v_.second_top_ups += static_cast<size_t>(topped - drained);
        note("duplicate", says);
      } else if (topped < drained) {
        v_.missed_top_ups += static_cast<size_t>(drained - topped);
        note("loss", says);
      }
    }
  }

  void check_ledger() {
    std::map<std::string, std::vector<const ledger_record*>> by_tx;
    for (const auto& row : ev_.ledger) {
      by_tx[row.tx_id].push_back(&row);
      if (is_open(row.status)) {
        ++v_.open_ledger_rows;
        note("ledger", "the " + row.kind + " row of user " + row.auth_id
                         + " in transaction " + row.tx_id + " is still "
                         + row.status);
      }
    }
    for (const auto& [id, rows] : by_tx) {
      auto status = tx_status_of(rows);
      ++v_.ledger_txs[status];
      if (is_open(status))
        continue;
      auto found = ev_.outcomes.find(id);
      auto outcome =
        found == ev_.outcomes.end() ? chain_outcome::unknown : found->second;
      if (agrees(status, outcome))
        continue;
      ++v_.ledger_disagreements;
      note("ledger", "the ledger says transaction " + id + " is " + status
                       + "; the chain says " + to_string(outcome));
    }
    auto recorded = [&](const std::string& id) { return by_tx.count(id) > 0; };
    for (const auto* set : {&creation_txs_, &top_up_txs_})
      for (const auto& id : *set)
        if (!recorded(id)) {
          ++v_.unrecorded_txs;
          note("ledger", "transaction " + id
                           + " moved FLOW on chain but is not in the ledger");
        }
  }

  const evidence& ev_;
  verdict v_;
  std::unordered_map<std::string, std::vector<const chain_account*>> holders_;
  std::unordered_set<std::string> stored_keys_;
  std::map<address, const user_record*> user_accounts_;
  std::set<std::string> creation_txs_;
  std::set<std::string> top_up_txs_;
};

} // namespace

const char* to_string(chain_outcome outcome) noexcept {
  switch (outcome) {
  case chain_outcome::unknown:
    return "unknown";
  case chain_outcome::pending:
    return "pending";
  case chain_outcome::sealed:
    return "sealed";
  case chain_outcome::failed:
    return "failed";
  case chain_outcome::expired:
    return "expired";
  }
  return "unknown";
}

chain_outcome outcome_of(const tx_result& result) noexcept {
  if (result.failed() && result.status == tx_status::sealed)
    return chain_outcome::failed;
  switch (result.status) {
  case tx_status::unknown:
    return chain_outcome::unknown;
  case tx_status::sealed:
    return chain_outcome::sealed;
  case tx_status::expired:
    return chain_outcome::expired;
  default:
    return chain_outcome::pending;
  }
}

verdict judge(const evidence& ev) {
  return judging{ev}.run();
}

std::string describe(const verdict& v, size_t max_findings) {
  std::ostringstream out;
  size_t ledger_total = 0;
  for (const auto& [status, n] : v.ledger_txs)
    ledger_total += n;
  auto ledger_count = [&](const char* status) {
    auto i = v.ledger_txs.find(status);
    return i == v.ledger_txs.end() ? size_t{0} : i->second;
  };
  out << "users: " << v.users
      << "; accounts created on chain: " << v.accounts_created
      << "; drains: " << v.drains << "\n"
      << "transactions sealed on chain: " << v.creation_txs + v.top_up_txs
      << " (" << v.creation_txs << " creations, " << v.top_up_txs
      << " top-ups paying " << v.top_ups << " times)\n"
      << "transactions in the ledger: " << ledger_total << " ("
      << ledger_count("sealed") << " sealed, " << ledger_count("failed")
      << " failed, " << ledger_count("expired") << " expired, "
      << ledger_count("signed") + ledger_count("sent") << " open)\n"
      << "users created again after an expired creation: "
      << v.users_recreated_after_expiry << "\n"
      << "duplicates: " << v.duplicates() << " (second accounts "
      << v.second_accounts << ", second top-ups " << v.second_top_ups << ")\n"
      << "losses: " << v.losses() << " (users without a row "
      << v.users_without_row << ", without a key " << v.users_without_key
      << ", keys that do not open " << v.keys_not_opening
      << ", without an account " << v.users_without_account
      << ", wrong addresses " << v.wrong_addresses << ", orphan accounts "
      << v.orphan_accounts << ", missed top-ups " << v.missed_top_ups
      << ", replaced keys " << v.replaced_keys << ")\n"
      << "ledger problems: " << v.ledger_problems() << " (open rows "
      << v.open_ledger_rows << ", disagreements with the chain "
      << v.ledger_disagreements << ", transactions not recorded "
      << v.unrecorded_txs << ")\n";
  size_t shown = 0;
  for (const auto& f : v.findings) {
    if (shown++ == max_findings) {
      out << "  ... and " << v.findings.size() - max_findings << " more\n";
      break;
    }
    out << "  " << f.category << ": " << f.text << "\n";
  }
  return out.str();
}

} // namespace flowsync::crash
