#include "tools/crash_test/observe.hpp"

#include "adapters/bytes.hpp"
#include "adapters/crypto.hpp"
#include "adapters/http.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <rapidjson/document.h>

namespace flowsync::crash {

namespace {

/// Threads that look up accounts and transaction results at once.
constexpr size_t lookup_threads = 8;

std::string_view text_of(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject())
    return {};
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString())
    return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

/// Parses one block's events of a `/v1/events` answer into `out`.
result<void> read_block_events(const rapidjson::Value& block,
                               std::vector<event_record>& out) {
  auto height_text = text_of(block, "block_height");
  uint64_t height = 0;
  for (auto c : height_text)
    height = height * 10 + static_cast<uint64_t>(c - '0');
  auto events = block.FindMember("events");
  // Blocks without events of the type come without the member.
  if (events == block.MemberEnd() || !events->value.IsArray())
    return {};
  for (const auto& event : events->value.GetArray()) {
    auto raw = from_base64(text_of(event, "payload"));
    if (!raw)
      return make_failure(ec::parse_error, "an event payload is not base64");
    auto payload = decode_cadence_json(std::string_view{
      reinterpret_cast<const char*>(raw->data()), raw->size()});
    if (!payload)
      return payload.error();
    out.push_back({std::string{text_of(event, "transaction_id")}, height,
                   std::move(*payload)});
  }
  return {};
}

/// The unrevoked full-weight keys of an account.
result<std::vector<std::string>> keys_of(flow_access& node,
                                         const address& addr) {
  auto account = node.get_account(addr);
  if (!account)
    return account.error();
  std::vector<std::string> keys;
  for (const auto& key : account->keys)
    if (!key.revoked && key.weight >= 1000)
      keys.push_back(key.public_key);
  return keys;
}

result<std::vector<user_record>> read_users(database& db, const sealer& keys) {
  auto rows = db.query(
    "select u.id::text, (w.auth_id is not null)::text, "
    "coalesce(w.flow_address, ''), coalesce(w.flow_public_key, ''), "
    "coalesce(w.flow_private_key, '') from auth.users u left join "
    "public.wallet w on w.auth_id = u.id where u.deleted_at is null and not "
    "coalesce(u.is_anonymous, false) order by u.id");
  if (!rows)
    return rows.error();
  std::vector<user_record> users;
  for (const auto& row : *rows) {
    user_record user;
    user.auth_id = row[0];
    user.has_row = row[1] == "true";
    user.address = row[2];
    user.public_key = row[3];
    user.has_sealed_key = !row[4].empty();
    if (user.has_sealed_key) {
      // The private key stays inside this block: only its public half and
      // whether it opened leave.
      auto opened = keys.open(row[4], user.auth_id);
      auto key = opened ? private_key::from_hex(*opened, sig_algo::ecdsa_p256)
                        : result<private_key>{opened.error()};
      user.key_opens = static_cast<bool>(key);
      if (key)
        user.opened_public_key = key->public_key_hex();
    }
    users.push_back(std::move(user));
  }
  return users;
}

result<std::vector<ledger_record>> read_ledger(database& db) {
  auto rows = db.query("select tx_id, kind, auth_id::text, status from "
                       "public.flowsync_ledger order by id");
  if (!rows)
    return rows.error();
  std::vector<ledger_record> out;
  for (const auto& row : *rows)
    out.push_back({row[0], row[1], row[2], row[3]});
  return out;
}

result<uint64_t> latest_height(flow_access& node) {
  auto block = node.latest_sealed_block();
  if (!block)
    return block.error();
  return block->height;
}

/// Runs `fn(i, node)` for every i below `count` on a few threads, each
/// with its own access-node client; the first failure wins.
template <class Fn>
result<void> for_each_parallel(const std::string& access_url, size_t count,
                               Fn fn) {
  std::atomic<size_t> next{0};
  std::mutex guard;
  std::optional<failure> first_failure;
  auto work = [&] {
    auto node = make_flow_rest_client({access_url, default_http_timeout});
    for (auto i = next++; i < count; i = next++) {
      if (auto res = fn(i, *node); !res) {
        std::lock_guard<std::mutex> lock{guard};
        if (!first_failure)
          first_failure = res.error();
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < lookup_threads; ++t)
    threads.emplace_back(work);
  for (auto& t : threads)
    t.join();
  if (first_failure)
    return *first_failure;
  return {};
}

result<std::vector<chain_account>> read_accounts(const std::string& access_url,
                                                 uint64_t to) {
  auto events = scan_events(access_url, "flow.AccountCreated", 0, to);
  if (!events)
    return events.error();
  std::vector<chain_account> accounts;
  for (const auto& event : *events) {
    auto field = event.payload.field("address");
    auto addr = field ? field->as_address()
                      : result<address>{make_failure(
                        ec::parse_error, "AccountCreated has no address")};
    if (!addr)
      return addr.error();
    accounts.push_back({*addr, event.tx_id, event.height, {}});
  }
  auto res =
    for_each_parallel(access_url, accounts.size(),
                      [&](size_t i, flow_access& node) -> result<void> {
                        auto keys = keys_of(node, accounts[i].addr);
                        if (!keys)
                          return keys.error();
                        accounts[i].keys = std::move(*keys);
                        return {};
                      });
  if (!res)
    return res.error();
  return accounts;
}

result<std::vector<deposit>> read_deposits(const std::string& access_url,
                                           const address& flow_token,
                                           uint64_t from, uint64_t to) {
  auto type = "A." + flow_token.hex() + ".FlowToken.TokensDeposited";
  auto events = scan_events(access_url, type, from, to);
  if (!events)
    return events.error();
  std::vector<deposit> out;
  for (const auto& event : *events) {
    auto to_field = event.payload.field("to");
    auto amount = event.payload.field("amount");
    if (to_field == nullptr || amount == nullptr)
      return make_failure(ec::parse_error,
                          "a deposit event lacks to or amount");
    // A deposit into a vault nobody owns names no receiver.
    const auto* inner = to_field->optional_value();
    if (inner == nullptr)
      continue;
    auto addr = inner->as_address();
    auto value = amount->as_ufix64();
    if (!addr || !value)
      return make_failure(ec::parse_error, "a deposit event is malformed");
    out.push_back({event.tx_id, *addr, *value});
  }
  return out;
}

} // namespace

// -- database -----------------------------------------------------------------

database::database(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  // nop
}

database::~database() {
  PQfinish(conn_);
}

std::string database::error() const {
  if (PQstatus(conn_) == CONNECTION_OK)
    return {};
  return "cannot connect to the database";
}

result<std::vector<std::vector<std::string>>>
database::query(const std::string& sql,
                const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  auto* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                           nullptr, values.data(), nullptr, nullptr, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    std::string why = PQresultErrorMessage(res);
    PQclear(res);
    while (!why.empty() && std::isspace(static_cast<unsigned char>(why.back())))
      why.pop_back();
    return make_failure(ec::storage, "SQL failed: " + why);
  }
  std::vector<std::vector<std::string>> rows;
  for (int r = 0; r < PQntuples(res); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(res); ++c)
      row.emplace_back(PQgetvalue(res, r, c));
    rows.push_back(std::move(row));
  }
  PQclear(res);
  return rows;
}

// -- the chain ----------------------------------------------------------------

result<std::vector<event_record>> scan_events(const std::string& access_url,
                                              const std::string& type,
                                              uint64_t from, uint64_t to) {
  http_client http;
  std::vector<event_record> out;
  for (auto start = from; start <= to; start += event_heights_per_request) {
    auto end = std::min(to, start + event_heights_per_request - 1);
    http_request req;
    req.url = access_url + "/v1/events?type=" + url_encode(type)
              + "&start_height=" + std::to_string(start)
              + "&end_height=" + std::to_string(end);
    auto resp = http.perform(req);
    if (!resp)
      return resp.error();
    if (resp->status != 200)
      return failure_from_status(*resp, "the events " + type);
    rapidjson::Document doc;
    doc.Parse(resp->body.data(), resp->body.size());
    if (doc.HasParseError() || !doc.IsArray())
      return make_failure(ec::parse_error,
                          "the events " + type + " are not a JSON array");
    for (const auto& block : doc.GetArray())
      if (auto res = read_block_events(block, out); !res)
        return res.error();
  }
  return out;
}

result<std::map<address, int>> read_drains(const std::string& file) {
  std::map<address, int> drains;
  std::ifstream in{file};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    auto addr = address::parse(line);
    if (!addr)
      return make_failure(ec::invalid_input,
                          "the drain record " + file + " has a bad line");
    ++drains[*addr];
  }
  return drains;
}

result<std::map<std::string, std::string>>
read_key_record(const std::string& file) {
  std::map<std::string, std::string> keys;
  std::ifstream in{file};
  std::string id;
  std::string key;
  while (in >> id >> key)
    keys.emplace(id, key);
  if (!in.eof())
    return make_failure(ec::invalid_input,
                        "the key record " + file + " is malformed");
  return keys;
}

result<evidence> gather(database& db, flow_access& node,
                        const std::string& access_url, const sealer& keys,
                        const address& flow_token, uint64_t from_height,
                        std::map<address, int> drains,
                        std::map<std::string, std::string> first_keys) {
  evidence ev;
  ev.daemon_from_height = from_height;
  ev.drains = std::move(drains);
  ev.first_keys = std::move(first_keys);
  auto top = latest_height(node);
  if (!top)
    return top.error();

  auto users = read_users(db, keys);
  if (!users)
    return users.error();
  ev.users = std::move(*users);
  auto ledger = read_ledger(db);
  if (!ledger)
    return ledger.error();
  ev.ledger = std::move(*ledger);

  auto accounts = read_accounts(access_url, *top);
  if (!accounts)
    return accounts.error();
  ev.accounts = std::move(*accounts);
  auto deposits = read_deposits(access_url, flow_token, from_height, *top);
  if (!deposits)
    return deposits.error();
  ev.deposits = std::move(*deposits);

  std::set<std::string> unique;
  for (const auto& row : ev.ledger)
    unique.insert(row.tx_id);
  std::vector<std::string> ids{unique.begin(), unique.end()};
  std::vector<chain_outcome> outcomes(ids.size());
  auto looked_up = for_each_parallel(
    access_url, ids.size(), [&](size_t i, flow_access& peer) -> result<void> {
      auto res = peer.transaction_result(ids[i]);
      if (!res)
        return res.error();
      outcomes[i] = outcome_of(*res);
      return {};
    });
  if (!looked_up)
    return looked_up.error();
  for (size_t i = 0; i < ids.size(); ++i)
    ev.outcomes[ids[i]] = outcomes[i];
  return ev;
}

// -- snapshots ----------------------------------------------------------------

namespace {

/// Compares the stored keys with the record and appends the new ones;
/// returns how many differ from what was recorded.
result<size_t> track_keys(database& db, const std::string& file) {
  auto known = read_key_record(file);
  if (!known)
    return known.error();
  auto rows = db.query("select auth_id::text, flow_public_key from "
                       "public.wallet where coalesce(flow_public_key, '') "
                       "<> ''");
  if (!rows)
    return rows.error();
  std::ofstream out{file, std::ios::app};
  size_t replaced = 0;
  for (const auto& row : *rows) {
    auto first = known->find(row[0]);
    if (first == known->end())
      out << row[0] << ' ' << row[1] << '\n';
    else if (first->second != row[1])
      ++replaced;
  }
  if (!out.flush())
    return make_failure(ec::storage, "cannot write " + file);
  return replaced;
}

} // namespace

result<snapshot> take_snapshot(database& db, flow_access& node,
                               const std::string& key_record) {
  snapshot s;
  auto replaced = track_keys(db, key_record);
  if (!replaced)
    return replaced.error();
  s.replaced_keys = *replaced;
  auto counts = db.query(
    "select count(*), count(nullif(w.flow_address, '')), count(*) filter "
    "(where coalesce(w.flow_address, '') = '' and coalesce(w.flow_public_key, "
    "'') <> '' and not exists (select 1 from public.flowsync_ledger l where "
    "l.auth_id = w.auth_id)), count(*) filter (where coalesce(w.flow_address, "
    "'') = '' and exists (select 1 from public.flowsync_ledger l where "
    "l.auth_id = w.auth_id and l.kind = 'create_account' and l.status = "
    "'sealed')) from public.wallet w");
  if (!counts)
    return counts.error();
  const auto& row = counts->front();
  s.users = std::stoul(row[0]);
  s.addresses = std::stoul(row[1]);
  s.keys_only = std::stoul(row[2]);
  s.unstored_addresses = std::stoul(row[3]);

  auto open = db.query("select distinct tx_id from public.flowsync_ledger "
                       "where status in ('signed', 'sent')");
  if (!open)
    return open.error();
  for (const auto& tx : *open) {
    auto res = node.transaction_result(tx[0]);
    if (!res)
      return res.error();
    ++s.open_txs[to_string(outcome_of(*res))];
  }
  return s;
}

std::string describe(const snapshot& s) {
  std::ostringstream out;
  out << s.addresses << "/" << s.users << " addresses, " << s.keys_only
      << " keys without a transaction";
  size_t open = 0;
  for (const auto& [what, n] : s.open_txs)
    open += n;
  out << ", " << open << " open transactions";
  if (open > 0) {
    out << " (";
    bool first = true;
    for (const auto& [what, n] : s.open_txs) {
      out << (first ? "" : ", ") << n << " " << what << " on chain";
      first = false;
    }
    out << ")";
  }
  if (s.replaced_keys > 0)
    out << ", " << s.replaced_keys << " KEYS REPLACED";
  if (s.unstored_addresses > 0)
    out << ", " << s.unstored_addresses
        << " sealed creations without their address";
  return out.str();
}

} // namespace flowsync::crash
