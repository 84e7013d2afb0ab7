#include "tests/actors/fakes.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace flowsync::testing {

const char* const test_master_key =
  "8f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";

const char* const test_service_address = "f8d6e0586b0a20c7";

const char* const test_baitcoin_address = "179b6b1cb6755e31";

namespace {

address parse(const char* text) {
  return *address::parse(text);
}

/// Now in UTC as ISO 8601, the way the ledger stamps its rows.
std::string utc_now() {
  auto now = std::time(nullptr);
  std::tm day{};
  gmtime_r(&now, &day);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &day);
  return buf;
}

} // namespace

sealer test_sealer() {
  return *sealer::from_master_key(secret{test_master_key});
}

flow_settings test_flow_settings(const private_key& service_key) {
  flow_settings s;
  s.network = "emulator";
  s.access_url = "http://127.0.0.1:1";
  s.grpc_host = "127.0.0.1:3569";
  s.service_address = parse(test_service_address);
  s.service_key = service_key.to_hex();
  s.proposal_key_indices = {1};
  s.contracts = {
    {"FungibleToken", parse("ee82856bf20e2aa6")},
    {"FungibleTokenMetadataViews", parse("ee82856bf20e2aa6")},
    {"FlowToken", parse("0ae53cb6e3f42a79")},
    {"MetadataViews", parse("f8d6e0586b0a20c7")},
    {"ViewResolver", parse("f8d6e0586b0a20c7")},
    {"Burner", parse("f8d6e0586b0a20c7")},
    {"BaitCoin", parse(test_baitcoin_address)},
  };
  return s;
}

cvalue wallet_report_value(const std::vector<chain_wallet>& wallets) {
  // The flat arrays of cadence/scripts/wallet_state.cdc, one token.
  std::vector<cvalue> flags;
  std::vector<cvalue> balances;
  std::vector<cvalue> storage;
  std::vector<cvalue> token_flags;
  std::vector<cvalue> token_balances;
  for (const auto& w : wallets) {
    uint64_t bits =
      (w.exists ? 1 : 0) | (w.key_valid ? 2 : 0) | (w.flow_receiver ? 4 : 0);
    flags.push_back(cvalue::make_integer("UInt8", std::to_string(bits)));
    balances.push_back(cvalue::make_ufix64(w.balance));
    storage.push_back(cvalue::make_uint64(1000));
    token_flags.push_back(cvalue::make_integer("UInt8", w.vault ? "7" : "0"));
    token_balances.push_back(cvalue::make_ufix64(ufix64{}));
  }
  return cvalue::make_composite(
    "Struct", "s.0.Report",
    {{"flags", cvalue::make_array(std::move(flags))},
     {"flowBalances", cvalue::make_array(std::move(balances))},
     {"storageUsed", cvalue::make_array(std::move(storage))},
     {"tokenFlags", cvalue::make_array(std::move(token_flags))},
     {"tokenBalances", cvalue::make_array(std::move(token_balances))}});
}

std::vector<address> script_addresses(const std::vector<cvalue>& arguments) {
  std::vector<address> out;
  if (arguments.empty())
    return out;
  for (const auto& item : arguments.front().elements())
    if (auto addr = item.as_address())
      out.push_back(*addr);
  return out;
}

tx_result sealed_with_accounts(const std::vector<address>& created) {
  tx_result res;
  res.status = tx_status::sealed;
  uint32_t index = 0;
  for (const auto& addr : created) {
    flow_event event;
    event.type = "flow.AccountCreated";
    event.event_index = index++;
    event.payload =
      cvalue::make_composite("Event", "flow.AccountCreated",
                             {{"address", cvalue::make_address(addr)}});
    res.events.push_back(std::move(event));
  }
  return res;
}

tx_result sealed_with_error(int code, std::string message) {
  tx_result res;
  res.status = tx_status::sealed;
  res.status_code = 1;
  res.error_code = code;
  res.error_message =
    "[Error Code: " + std::to_string(code) + "] " + std::move(message);
  return res;
}

// -- fake_flow ----------------------------------------------------------------

fake_flow::fake_flow(std::shared_ptr<journal> log) : log_(std::move(log)) {
  on_script = [this](const std::vector<cvalue>& args) {
    return healthy_states(args);
  };
  on_account = [this](const address& addr) { return known_account(addr); };
  on_block = [this]() -> result<block_header> {
    char id[65];
    std::snprintf(id, sizeof(id), "%064llx",
                  static_cast<unsigned long long>(height));
    return block_header{id, height++};
  };
  on_send = [](const transaction& tx) -> result<std::string> {
    return tx.id_hex();
  };
  on_result = [](const std::string&) -> result<tx_result> {
    tx_result res;
    res.status = tx_status::sealed;
    return res;
  };
}

result<cvalue> fake_flow::healthy_states(const std::vector<cvalue>& args) {
  std::vector<chain_wallet> items;
  auto addresses = script_addresses(args);
  for (size_t i = 0; i < addresses.size(); ++i) {
    auto known = chain.find(addresses[i].hex());
    auto state = known != chain.end() ? known->second : chain_wallet{};
    auto holder = holders.find(addresses[i].hex());
    if (holder != holders.end() && args.size() > 1
        && i < args[1].elements().size())
      state.key_valid = args[1].elements()[i].as_string()
                        && *args[1].elements()[i].as_string() == holder->second;
    items.push_back(state);
  }
  return wallet_report_value(items);
}

result<account_info> fake_flow::known_account(const address& addr) {
  if (auto holder = holders.find(addr.hex()); holder != holders.end()) {
    account_info info;
    info.addr = addr;
    account_key_info key;
    key.public_key = holder->second;
    key.weight = 1000;
    info.keys.push_back(key);
    return info;
  }
  if (addr != *address::parse(test_service_address))
    return make_failure(ec::not_found, "no account at " + addr.hex());
  account_info info;
  info.addr = addr;
  info.balance = service_balance;
  for (uint32_t i = 0; i < sequence.size(); ++i) {
    account_key_info key;
    key.index = i;
    key.weight = i == 0 ? 1000 : 0;
    key.sequence_number = sequence[i];
    info.keys.push_back(key);
  }
  return info;
}

result<cvalue> fake_flow::execute_script(std::string_view,
                                         const std::vector<cvalue>& args) {
  auto size = script_addresses(args).size();
  script_sizes.push_back(size);
  log_->add("flow script " + std::to_string(size));
  return on_script(args);
}

result<account_info> fake_flow::get_account(const address& addr) {
  log_->add("flow account " + addr.hex());
  return on_account(addr);
}

result<block_header> fake_flow::latest_sealed_block() {
  log_->add("flow block");
  return on_block();
}

result<std::string> fake_flow::send_transaction(const transaction& tx) {
  log_->add("flow send " + tx.id_hex());
  sent.push_back(tx);
  return on_send(tx);
}

result<tx_result> fake_flow::transaction_result(std::string_view id) {
  log_->add("flow result " + std::string{id});
  return on_result(std::string{id});
}

// -- fake_supabase ------------------------------------------------------------

fake_supabase::fake_supabase(std::shared_ptr<journal> log)
    : log_(std::move(log)) {
  // nop
}

std::optional<failure> fake_supabase::called(const std::string& name,
                                             std::string detail) {
  log_->add("supabase " + name + (detail.empty() ? "" : " " + detail));
  auto i = failing.find(name);
  if (i == failing.end())
    return std::nullopt;
  return i->second;
}

wallet_row* fake_supabase::row_of(std::string_view auth_id) {
  auto i = std::find_if(wallets.begin(), wallets.end(), [&](const auto& row) {
    return row.auth_id == auth_id;
  });
  return i == wallets.end() ? nullptr : &*i;
}

result<user_page> fake_supabase::list_users(int page, int per_page) {
  if (auto f =
        called("users", std::to_string(page) + " " + std::to_string(per_page)))
    return *f;
  if (user_pages.empty()) {
    unexpected("supabase", "a users page");
    return make_failure(ec::request_rejected, "no users scripted");
  }
  auto index = std::min(list_calls_++, user_pages.size() - 1);
  return user_pages[index];
}

result<user_page>
fake_supabase::get_users(const std::vector<std::string>& ids) {
  std::string detail;
  for (const auto& id : ids)
    detail += (detail.empty() ? "" : " ") + id;
  if (auto f = called("users by id", detail))
    return *f;
  user_page out;
  for (const auto& id : ids)
    for (const auto& user : users_by_id)
      if (user.id == id)
        out.users.push_back(user);
  return out;
}

result<std::vector<wallet_row>>
fake_supabase::wallets_after(std::string_view after, int limit) {
  if (auto f = called("wallets", std::string{after}))
    return *f;
  auto rows = wallets;
  std::sort(rows.begin(), rows.end(),
            [](const auto& x, const auto& y) { return x.auth_id < y.auth_id; });
  std::vector<wallet_row> out;
  for (const auto& row : rows)
    if ((after.empty() || row.auth_id > after)
        && out.size() < static_cast<size_t>(limit))
      out.push_back(row);
  return out;
}

result<std::vector<wallet_row>>
fake_supabase::wallets_for(const std::vector<std::string>& auth_ids) {
  if (auto f = called("wallets_for", std::to_string(auth_ids.size())))
    return *f;
  std::vector<wallet_row> out;
  for (const auto& id : auth_ids)
    if (auto row = row_of(id))
      out.push_back(*row);
  return out;
}

result<std::vector<wallet_row>>
fake_supabase::insert_wallets(const std::vector<std::string>& auth_ids) {
  if (auto f = called("insert", std::to_string(auth_ids.size())))
    return *f;
  std::vector<wallet_row> out;
  for (const auto& id : auth_ids) {
    if (row_of(id) == nullptr) {
      wallet_row row;
      row.id = "row-" + id;
      row.auth_id = id;
      wallets.push_back(row);
    }
    out.push_back(*row_of(id));
  }
  return out;
}

result<std::vector<std::string>>
fake_supabase::store_keys(const std::vector<key_write>& writes) {
  if (auto f = called("keys", std::to_string(writes.size())))
    return *f;
  std::vector<std::string> stored;
  for (const auto& w : writes) {
    auto row = row_of(w.auth_id);
    if (row == nullptr)
      continue;
    if (row->flow_address.empty() && row->flow_public_key.empty()) {
      row->flow_public_key = w.public_key;
      row->flow_private_key = w.sealed_key;
    }
    if (row->flow_public_key == w.public_key
        && row->flow_private_key == w.sealed_key)
      stored.push_back(w.auth_id);
  }
  return stored;
}

result<std::vector<std::string>>
fake_supabase::store_addresses(const std::vector<address_write>& writes) {
  if (auto f = called("address", std::to_string(writes.size())))
    return *f;
  std::vector<std::string> stored;
  for (const auto& w : writes) {
    auto row = row_of(w.auth_id);
    if (row == nullptr || row->flow_public_key != w.public_key)
      continue;
    if (row->flow_address.empty())
      row->flow_address = w.address;
    if (row->flow_address == w.address)
      stored.push_back(w.auth_id);
  }
  return stored;
}

result<void>
fake_supabase::insert_ledger(const std::vector<ledger_entry>& entries) {
  if (auto f =
        called("ledger insert", entries.empty() ? "" : entries.front().tx_id))
    return *f;
  for (auto entry : entries) {
    entry.id = next_ledger_id_++;
    entry.created_at = utc_now();
    ledger.push_back(std::move(entry));
  }
  return {};
}

result<void>
fake_supabase::settle_ledger(const std::vector<ledger_update>& updates) {
  std::string detail;
  for (const auto& u : updates)
    detail += (detail.empty() ? "" : " ") + u.tx_id + " " + to_string(u.status);
  if (auto f = called("ledger update", detail))
    return *f;
  auto matched = false;
  for (const auto& u : updates) {
    for (auto& entry : ledger) {
      if (entry.tx_id != u.tx_id
          || (!u.auth_id.empty() && entry.auth_id != u.auth_id))
        continue;
      matched = true;
      entry.status = u.status;
      entry.error_code = u.error_code;
      if (!u.address.empty())
        entry.address = u.address;
    }
  }
  if (!matched)
    return make_failure(ec::not_found, "no ledger row matched");
  return {};
}

result<std::vector<ledger_entry>> fake_supabase::open_ledger_entries() {
  if (auto f = called("ledger open", ""))
    return *f;
  std::vector<ledger_entry> out;
  for (const auto& entry : ledger)
    if (!is_final(entry.status))
      out.push_back(entry);
  return out;
}

result<std::vector<ledger_entry>>
fake_supabase::top_ups_since(std::string_view since) {
  if (auto f = called("topups", std::string{since}))
    return *f;
  std::vector<ledger_entry> out;
  for (const auto& entry : ledger)
    if (entry.kind == ledger_kind::top_up && entry.created_at >= since)
      out.push_back(entry);
  return out;
}

result<void> fake_supabase::check_schema() {
  if (auto f = called("schema", ""))
    return *f;
  return {};
}

} // namespace flowsync::testing
