#include "adapters/supabase.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>
#include <set>
#include <type_traits>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Rows per page when reading the ledger; PostgREST's default max rows.
constexpr int ledger_page_size = 1000;

/// Users per `in.(...)` filter: keeps URLs well under the 8 KiB that
/// gateways commonly accept.
constexpr size_t ids_per_lookup = 100;

/// Rows per insert request.
constexpr size_t rows_per_insert = 500;

constexpr const char* wallet_columns =
  "id,auth_id,flow_address,flow_public_key,flow_private_key";

constexpr const char* ledger_columns =
  "id,created_at,tx_id,kind,auth_id,address,amount,status,error_code,"
  "reference_height,proposal_key_index,sequence_number";

constexpr const char* migrate_hint =
  "apply the migration: flowsync migrate --print | psql \"$DATABASE_URL\"";

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A UUID in its canonical 8-4-4-4-12 form, returned in lower case.
bool normalize_uuid(std::string_view text, std::string& out) {
  if (text.size() != 36)
    return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !is_hex(text[i]))
      return false;
  }
  out = lower(text);
  return true;
}

bool all_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_hex);
}

// 16 hex digits, an optional 0x, either case.
bool normalize_address(std::string_view text, std::string& out) {
  if (text.size() == 18 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.size() != 16 || !all_hex(text))
    return false;
  out = lower(text);
  return true;
}

// UFix64 as the ledger stores it: digits, a point, exactly eight decimals.
bool is_ufix64_text(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 12
      || text.size() - dot - 1 != 8)
    return false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return std::all_of(text.begin(), text.begin() + dot, digit)
         && std::all_of(text.begin() + dot + 1, text.end(), digit);
}

// Characters of an ISO 8601 timestamp; anything else could change the
// meaning of a PostgREST filter.
bool is_timestamp_text(std::string_view text) {
  return !text.empty() && text.size() <= 40
         && std::all_of(text.begin(), text.end(), [](char c) {
              return std::isdigit(static_cast<unsigned char>(c)) != 0
                     || c == '-' || c == ':' || c == 'T' || c == 'Z' || c == '+'
                     || c == '.' || c == ' ';
            });
}

// Seconds since the epoch of an RFC 3339 timestamp, or false.
bool parse_rfc3339(std::string_view text, std::time_t& out) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20)
    return false;
  auto num = [&](size_t pos, size_t len, int& dst) {
    dst = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i])))
        return false;
      dst = dst * 10 + (text[i] - '0');
    }
    return true;
  };
  if (!num(0, 4, year) || text[4] != '-' || !num(5, 2, month) || text[7] != '-'
      || !num(8, 2, day)
      || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')
      || !num(11, 2, hour) || text[13] != ':' || !num(14, 2, minute)
      || text[16] != ':' || !num(17, 2, second))
    return false;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    auto start = pos;
    while (pos < text.size()
           && std::isdigit(static_cast<unsigned char>(text[pos])))
      ++pos;
    if (pos == start)
      return false;
  }
  long offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-')
             && text[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!num(pos + 1, 2, oh) || !num(pos + 4, 2, om))
      return false;
    offset = (oh * 3600L + om * 60L) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > 31
      || hour > 23 || minute > 59 || second > 60)
    return false;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  out = timegm(&tm) - offset;
  return true;
}

// The page number in the `rel="next"` link of a Link header, or 0.
int next_page_from_link(std::string_view header) {
  size_t pos = 0;
  while (pos < header.size()) {
    auto open = header.find('<', pos);
    if (open == std::string_view::npos)
      return 0;
    auto close = header.find('>', open);
    if (close == std::string_view::npos)
      return 0;
    auto next_link = header.find('<', close);
    auto params = header.substr(close + 1, next_link == std::string_view::npos
                                             ? std::string_view::npos
                                             : next_link - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos
        || params.find("rel=next") != std::string_view::npos) {
      auto url = header.substr(open + 1, close - open - 1);
      auto query = url.find('?');
      while (query != std::string_view::npos) {
        auto key = url.substr(query + 1, 5);
        if (key == "page=") {
          int page = 0;
          for (size_t i = query + 6;
               i < url.size()
               && std::isdigit(static_cast<unsigned char>(url[i]));
               ++i)
            page = page * 10 + (url[i] - '0');
          return page;
        }
        query = url.find('&', query + 1);
      }
      return 0;
    }
    pos = close + 1;
  }
  return 0;
}

std::string text_of(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// Short, printable, and bounded: server messages go into our errors.
std::string clean(std::string text) {
  constexpr size_t max_size = 160;
  for (auto& c : text)
    if (static_cast<unsigned char>(c) < 0x20)
      c = ' ';
  if (text.size() > max_size)
    text = text.substr(0, max_size) + "...";
  return text;
}

// A failure for an unsuccessful answer. PostgREST's `code` and `message`
// and the Auth service's `error_code` say what went wrong without quoting
// row data; the body itself is never copied.
failure answer_failure(const http_response& resp, std::string_view what,
                       std::string* pg_code = nullptr) {
  auto f = failure_from_status(resp, what);
  rapidjson::Document doc;
  doc.Parse(resp.body.data(), resp.body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return f;
  auto code = doc.FindMember("code");
  auto message = doc.FindMember("message");
  auto error_code = doc.FindMember("error_code");
  if (code != doc.MemberEnd() && code->value.IsString()) {
    if (pg_code != nullptr)
      *pg_code = text_of(code->value);
    f.message += " (" + clean(text_of(code->value));
    if (message != doc.MemberEnd() && message->value.IsString())
      f.message += ": " + clean(text_of(message->value));
    f.message += ")";
  } else if (error_code != doc.MemberEnd() && error_code->value.IsString()) {
    f.message += " (" + clean(text_of(error_code->value)) + ")";
  }
  return f;
}

failure malformed(std::string_view what, std::string_view why) {
  return make_failure(ec::parse_error, "Supabase answered " + std::string{what}
                                         + " with " + std::string{why});
}

bool optional_text(const rapidjson::Value& obj, const char* key,
                   std::string& out) {
  auto i = obj.FindMember(key);
  if (i == obj.MemberEnd() || i->value.IsNull()) {
    out.clear();
    return true;
  }
  if (!i->value.IsString())
    return false;
  out = text_of(i->value);
  return true;
}

bool required_text(const rapidjson::Value& obj, const char* key,
                   std::string& out) {
  auto i = obj.FindMember(key);
  if (i == obj.MemberEnd() || !i->value.IsString())
    return false;
  out = text_of(i->value);
  return true;
}

template <class T>
bool required_integer(const rapidjson::Value& obj, const char* key, T& out) {
  auto i = obj.FindMember(key);
  if (i == obj.MemberEnd())
    return false;
  if constexpr (std::is_signed_v<T>) {
    if (!i->value.IsInt64())
      return false;
    out = static_cast<T>(i->value.GetInt64());
  } else {
    if (!i->value.IsUint64())
      return false;
    out = static_cast<T>(i->value.GetUint64());
  }
  return true;
}

// Reads one user record; on a problem says why and leaves the rest.
bool read_user(const rapidjson::Value& v, auth_user& out, std::string& id,
               std::string& reason, std::time_t now) {
  if (!v.IsObject()) {
    reason = "record is not an object";
    return false;
  }
  auto raw_id = v.FindMember("id");
  if (raw_id == v.MemberEnd() || !raw_id->value.IsString()) {
    reason = "id is missing or not a string";
    return false;
  }
  if (!normalize_uuid(text_of(raw_id->value), out.id)) {
    reason = "id is not a UUID";
    return false;
  }
  id = out.id;
  if (!optional_text(v, "created_at", out.created_at)) {
    reason = "created_at is not a string";
    return false;
  }
  std::string deleted_at;
  if (!optional_text(v, "deleted_at", deleted_at)) {
    reason = "deleted_at is not a string";
    return false;
  }
  out.deleted = !deleted_at.empty();
  auto anonymous = v.FindMember("is_anonymous");
  if (anonymous != v.MemberEnd() && !anonymous->value.IsNull()) {
    if (!anonymous->value.IsBool()) {
      reason = "is_anonymous is not a boolean";
      return false;
    }
    out.anonymous = anonymous->value.GetBool();
  }
  std::string banned_until;
  if (!optional_text(v, "banned_until", banned_until)) {
    reason = "banned_until is not a string";
    return false;
  }
  if (!banned_until.empty()) {
    std::time_t until = 0;
    if (!parse_rfc3339(banned_until, until)) {
      reason = "banned_until is not an RFC 3339 timestamp";
      return false;
    }
    out.banned = until > now;
  }
  return true;
}

bool read_wallet(const rapidjson::Value& v, wallet_row& out) {
  return v.IsObject() && required_text(v, "id", out.id)
         && required_text(v, "auth_id", out.auth_id)
         && optional_text(v, "flow_address", out.flow_address)
         && optional_text(v, "flow_public_key", out.flow_public_key)
         && optional_text(v, "flow_private_key", out.flow_private_key);
}

bool read_ledger(const rapidjson::Value& v, ledger_entry& out) {
  std::string kind;
  std::string status;
  if (!v.IsObject() || !required_integer(v, "id", out.id)
      || !required_text(v, "tx_id", out.tx_id)
      || !required_text(v, "kind", kind)
      || !required_text(v, "auth_id", out.auth_id)
      || !optional_text(v, "address", out.address)
      || !optional_text(v, "amount", out.amount)
      || !required_text(v, "status", status)
      || !required_integer(v, "error_code", out.error_code)
      || !required_integer(v, "reference_height", out.reference_height)
      || !required_integer(v, "proposal_key_index", out.proposal_key_index)
      || !required_integer(v, "sequence_number", out.sequence_number)
      || !optional_text(v, "created_at", out.created_at))
    return false;
  auto k = parse_ledger_kind(kind);
  auto s = parse_ledger_status(status);
  if (!k || !s)
    return false;
  out.kind = *k;
  out.status = *s;
  return true;
}

// Parses a JSON array answer, handing each element to `read`.
template <class T, class Reader>
result<std::vector<T>> read_rows(const http_response& resp,
                                 std::string_view what, Reader read) {
  rapidjson::Document doc;
  doc.Parse(resp.body.data(), resp.body.size());
  if (doc.HasParseError())
    return malformed(what, "malformed JSON");
  if (!doc.IsArray())
    return malformed(what, "JSON that is not an array");
  std::vector<T> out;
  out.reserve(doc.Size());
  for (auto& item : doc.GetArray()) {
    T row;
    if (!read(item, row))
      return malformed(what, "a row of unexpected shape");
    out.push_back(std::move(row));
  }
  return out;
}

std::string json_of(const std::function<void(json_writer&)>& fill) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  fill(w);
  return buf.GetString();
}

void write_text(json_writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_optional_text(json_writer& w, std::string_view text) {
  if (text.empty())
    w.Null();
  else
    write_text(w, text);
}

std::string in_list(const std::vector<std::string>& ids, size_t first,
                    size_t last) {
  std::string out = "in.(";
  for (size_t i = first; i < last; ++i)
    out += (i > first ? "," : "") + ids[i];
  return out + ")";
}

result<std::vector<std::string>>
normalize_ids(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& raw : ids) {
    std::string id;
    if (!normalize_uuid(raw, id))
      return make_failure(ec::invalid_input,
                          "an auth id is not a UUID: \"" + clean(raw) + "\"");
    if (seen.insert(id).second)
      out.push_back(std::move(id));
  }
  return out;
}

class supabase_rest final : public supabase_api {
 public:
  explicit supabase_rest(supabase_options options)
      : options_(std::move(options)) {
    while (!options_.url.empty() && options_.url.back() == '/')
      options_.url.pop_back();
  }

  result<user_page> list_users(int page, int per_page) override {
    if (page < 1 || per_page < 1)
      return make_failure(ec::invalid_input,
                          "list_users needs page and per_page of at least 1");
    const char* what = "Supabase GET /auth/v1/admin/users";
    auto resp = exchange("GET",
                         "/auth/v1/admin/users?page=" + std::to_string(page)
                           + "&per_page=" + std::to_string(per_page),
                         {}, {});
    if (!resp)
      return resp.error();
    if (resp->status != 200)
      return answer_failure(*resp, what);

    rapidjson::Document doc;
    doc.Parse(resp->body.data(), resp->body.size());
    if (doc.HasParseError())
      return malformed(what, "malformed JSON");
    if (!doc.IsObject())
      return malformed(what, "JSON that is not an object");
    auto users = doc.FindMember("users");
    if (users == doc.MemberEnd() || !users->value.IsArray())
      return malformed(what, "no users array");

    user_page out;
    auto now = std::time(nullptr);
    size_t index = 0;
    for (auto& item : users->value.GetArray()) {
      auth_user user;
      std::string id;
      std::string reason;
      if (read_user(item, user, id, reason, now))
        out.users.push_back(std::move(user));
      else
        out.rejected.push_back(rejected_record{index, id, reason});
      ++index;
    }

    auto total = resp->header("X-Total-Count");
    if (!total.empty() && all_of_digits(total) && total.size() < 19)
      out.total = std::stoll(total);
    out.next_page = next_page_from_link(resp->header("Link"));
    return out;
  }

  result<user_page> get_users(const std::vector<std::string>& ids) override {
    auto normalized = normalize_ids(ids);
    if (!normalized)
      return normalized.error();
    const char* what = "Supabase GET /auth/v1/admin/users/<id>";
    user_page out;
    auto now = std::time(nullptr);
    for (size_t index = 0; index < normalized->size(); ++index) {
      const auto& id = (*normalized)[index];
      auto resp = exchange("GET", "/auth/v1/admin/users/" + id, {}, {});
      if (!resp)
        return resp.error();
      if (resp->status == 404)
        continue; // no such user (any more)
      if (resp->status != 200)
        return answer_failure(*resp, what);
      rapidjson::Document doc;
      doc.Parse(resp->body.data(), resp->body.size());
      if (doc.HasParseError())
        return malformed(what, "malformed JSON");
      auth_user user;
      std::string read_id;
      std::string reason;
      if (!read_user(doc, user, read_id, reason, now))
        out.rejected.push_back(rejected_record{index, id, reason});
      else if (user.id != id)
        out.rejected.push_back(
          rejected_record{index, id, "the answer names another user"});
      else
        out.users.push_back(std::move(user));
    }
    return out;
  }

  result<std::vector<wallet_row>> wallets_after(std::string_view after,
                                                int limit) override {
    std::string from;
    if (!after.empty() && !normalize_uuid(after, from))
      return make_failure(ec::invalid_input,
                          "wallets_after needs a UUID to start after");
    if (limit < 1)
      return make_failure(ec::invalid_input,
                          "wallets_after needs a limit of at least 1");
    auto path = std::string{"/rest/v1/wallet?select="} + wallet_columns
                + "&order=auth_id.asc&limit=" + std::to_string(limit);
    if (!from.empty())
      path += "&auth_id=gt." + from;
    return read_wallets(path);
  }

  result<std::vector<wallet_row>>
  wallets_for(const std::vector<std::string>& auth_ids) override {
    auto ids = normalize_ids(auth_ids);
    if (!ids)
      return ids.error();
    std::vector<wallet_row> out;
    for (size_t first = 0; first < ids->size(); first += ids_per_lookup) {
      auto last = std::min(ids->size(), first + ids_per_lookup);
      auto rows = read_wallets(
        std::string{"/rest/v1/wallet?select="} + wallet_columns + "&auth_id="
        + url_encode(in_list(*ids, first, last)) + "&order=auth_id.asc");
      if (!rows)
        return rows.error();
      out.insert(out.end(), rows->begin(), rows->end());
    }
    return out;
  }

  result<std::vector<wallet_row>>
  insert_wallets(const std::vector<std::string>& auth_ids) override {
    auto ids = normalize_ids(auth_ids);
    if (!ids)
      return ids.error();
    for (size_t first = 0; first < ids->size(); first += rows_per_insert) {
      auto last = std::min(ids->size(), first + rows_per_insert);
      auto body = json_of([&](json_writer& w) {
        w.StartArray();
        for (size_t i = first; i < last; ++i) {
          w.StartObject();
          w.Key("auth_id");
          write_text(w, (*ids)[i]);
          w.EndObject();
        }
        w.EndArray();
      });
      // An upsert that leaves existing rows alone: safe to repeat.
      auto resp =
        exchange("POST", "/rest/v1/wallet?on_conflict=auth_id", body,
                 {{"Prefer", "resolution=ignore-duplicates,return=minimal"}});
      if (!resp)
        return resp.error();
      if (resp->status < 200 || resp->status > 299)
        return answer_failure(*resp, "Supabase POST /rest/v1/wallet");
    }
    return wallets_for(*ids);
  }

  result<std::vector<std::string>>
  store_keys(const std::vector<key_write>& writes) override {
    for (const auto& w : writes) {
      std::string id;
      if (!normalize_uuid(w.auth_id, id))
        return make_failure(ec::invalid_input, "store_keys needs UUIDs");
      if (w.public_key.size() != 128 || !all_hex(w.public_key))
        return make_failure(ec::invalid_input,
                            "store_keys needs public keys of 64 bytes in hex");
      if (w.sealed_key.empty())
        return make_failure(ec::invalid_input,
                            "store_keys needs the sealed private keys");
    }
    return call_for_ids("flowsync_store_keys", writes.size(),
                        [&](json_writer& out, size_t i) {
                          const auto& w = writes[i];
                          out.Key("auth_id");
                          write_text(out, lower(w.auth_id));
                          out.Key("public_key");
                          write_text(out, lower(w.public_key));
                          out.Key("sealed_key");
                          write_text(out, w.sealed_key);
                        });
  }

  result<std::vector<std::string>>
  store_addresses(const std::vector<address_write>& writes) override {
    for (const auto& w : writes) {
      std::string id;
      std::string addr;
      if (!normalize_uuid(w.auth_id, id))
        return make_failure(ec::invalid_input, "store_addresses needs UUIDs");
      if (w.public_key.size() != 128 || !all_hex(w.public_key))
        return make_failure(ec::invalid_input,
                            "store_addresses needs public keys of 64 bytes "
                            "in hex");
      if (!normalize_address(w.address, addr))
        return make_failure(ec::invalid_input,
                            "store_addresses needs addresses of 16 hex "
                            "digits");
    }
    return call_for_ids("flowsync_store_addresses", writes.size(),
                        [&](json_writer& out, size_t i) {
                          const auto& w = writes[i];
                          std::string addr;
                          normalize_address(w.address, addr);
                          out.Key("auth_id");
                          write_text(out, lower(w.auth_id));
                          out.Key("public_key");
                          write_text(out, lower(w.public_key));
                          out.Key("address");
                          write_text(out, addr);
                        });
  }

  result<void>
  insert_ledger(const std::vector<ledger_entry>& entries) override {
    for (const auto& e : entries)
      if (auto bad = check_entry(e); !bad.empty())
        return make_failure(ec::invalid_input, "ledger entry refused: " + bad);
    for (size_t first = 0; first < entries.size(); first += rows_per_insert) {
      auto last = std::min(entries.size(), first + rows_per_insert);
      auto body = json_of([&](json_writer& w) {
        w.StartArray();
        for (size_t i = first; i < last; ++i)
          write_entry(w, entries[i]);
        w.EndArray();
      });
      // Ignoring duplicates of (tx_id, auth_id) makes a repeated write-ahead
      // after a lost answer a no-op instead of a conflict.
      auto resp = exchange(
        "POST", "/rest/v1/flowsync_ledger?on_conflict=tx_id,auth_id", body,
        {{"Prefer", "resolution=ignore-duplicates,return=minimal"}});
      if (!resp)
        return resp.error();
      if (resp->status < 200 || resp->status > 299)
        return answer_failure(*resp, "Supabase POST /rest/v1/flowsync_ledger");
    }
    return {};
  }

  result<void>
  settle_ledger(const std::vector<ledger_update>& updates) override {
    for (const auto& u : updates) {
      std::string id;
      std::string addr;
      if (u.tx_id.size() != 64 || !all_hex(u.tx_id))
        return make_failure(ec::invalid_input,
                            "settle_ledger needs transaction ids of 64 hex "
                            "digits");
      if (!u.auth_id.empty() && !normalize_uuid(u.auth_id, id))
        return make_failure(ec::invalid_input, "settle_ledger needs UUIDs");
      if (!u.address.empty() && !normalize_address(u.address, addr))
        return make_failure(ec::invalid_input,
                            "settle_ledger needs addresses of 16 hex digits");
    }
    if (updates.empty())
      return {};
    auto body = json_of([&](json_writer& w) {
      w.StartObject();
      w.Key("rows");
      w.StartArray();
      for (const auto& u : updates) {
        std::string addr;
        normalize_address(u.address, addr);
        w.StartObject();
        w.Key("tx_id");
        write_text(w, lower(u.tx_id));
        w.Key("auth_id");
        if (u.auth_id.empty())
          w.Null();
        else
          write_text(w, lower(u.auth_id));
        w.Key("status");
        w.String(to_string(u.status));
        w.Key("error_code");
        w.Int(u.error_code);
        w.Key("address");
        write_text(w, addr);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    });
    const char* what = "Supabase POST /rest/v1/rpc/flowsync_settle_ledger";
    auto resp = rpc("flowsync_settle_ledger", body, what);
    if (!resp)
      return resp.error();
    rapidjson::Document doc;
    doc.Parse(resp->body.c_str());
    if (doc.HasParseError() || !doc.IsInt64())
      return make_failure(ec::parse_error, std::string{what}
                                             + " answered something else "
                                               "than a row count");
    if (doc.GetInt64() == 0)
      return make_failure(ec::not_found, "no ledger row matched transaction "
                                           + lower(updates.front().tx_id));
    return {};
  }

  result<std::vector<ledger_entry>> open_ledger_entries() override {
    return read_ledger_pages("status=in.(signed,sent)");
  }

  result<std::vector<ledger_entry>>
  top_ups_since(std::string_view since) override {
    if (!is_timestamp_text(since))
      return make_failure(ec::invalid_input,
                          "top_ups_since needs an ISO 8601 timestamp");
    return read_ledger_pages("kind=eq.top_up&created_at=gte."
                             + url_encode(since));
  }

  result<void> check_schema() override {
    auto wallet = probe("wallet");
    if (!wallet) {
      auto f = wallet.error();
      if (f.code == ec::not_found)
        f = make_failure(ec::config,
                         "the wallet table is missing from schema public: "
                         "check SUPABASE_URL names the right project");
      return f;
    }
    auto ledger = probe("flowsync_ledger");
    if (!ledger) {
      auto f = ledger.error();
      if (f.code == ec::not_found)
        f = make_failure(ec::config,
                         std::string{"the flowsync_ledger table is missing: "}
                           + migrate_hint);
      return f;
    }
    // The bulk writes live in functions of the same migration.
    auto functions = rpc("flowsync_settle_ledger", R"({"rows":[]})",
                         "Supabase POST /rest/v1/rpc/flowsync_settle_ledger");
    if (!functions)
      return functions.error();
    return {};
  }

 private:
  static bool all_of_digits(const std::string& text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
  }

  result<http_response> exchange(const char* method, const std::string& path,
                                 std::string body, http_headers extra) {
    http_request req;
    req.method = method;
    req.url = options_.url + path;
    req.timeout = options_.timeout;
    const auto& key = options_.service_role_key.reveal();
    req.headers = {{"apikey", key},
                   {"Authorization", "Bearer " + key},
                   {"Accept", "application/json"}};
    if (!body.empty())
      req.headers.emplace_back("Content-Type", "application/json");
    for (auto& h : extra)
      req.headers.push_back(std::move(h));
    req.body = std::move(body);
    return http_.perform(req);
  }

  /// Calls a function of the migration through PostgREST's /rpc. A missing
  /// function means the migration was not applied (or is an old one).
  result<http_response> rpc(const std::string& function, std::string body,
                            const char* what) {
    auto resp =
      exchange("POST", "/rest/v1/rpc/" + function, std::move(body), {});
    if (!resp)
      return resp.error();
    if (resp->status >= 200 && resp->status <= 299)
      return resp;
    std::string code;
    auto f = answer_failure(*resp, what, &code);
    if (resp->status == 404 && code == "PGRST202")
      return make_failure(ec::config, "the function public." + function
                                        + " is missing: " + migrate_hint);
    return f;
  }

  /// Calls a bulk-write function with `count` rows written by `row` and
  /// reads the user ids it answers.
  template <class RowWriter>
  result<std::vector<std::string>> call_for_ids(const std::string& function,
                                                size_t count, RowWriter row) {
    if (count == 0)
      return std::vector<std::string>{};
    auto body = json_of([&](json_writer& w) {
      w.StartObject();
      w.Key("rows");
      w.StartArray();
      for (size_t i = 0; i < count; ++i) {
        w.StartObject();
        row(w, i);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    });
    auto what = "Supabase POST /rest/v1/rpc/" + function;
    auto resp = rpc(function, std::move(body), what.c_str());
    if (!resp)
      return resp.error();
    return read_rows<std::string>(
      *resp, what.c_str(), [](const rapidjson::Value& v, std::string& out) {
        if (!v.IsString())
          return false;
        out = v.GetString();
        return true;
      });
  }

  result<std::vector<wallet_row>> read_wallets(const std::string& path) {
    const char* what = "Supabase GET /rest/v1/wallet";
    auto resp = exchange("GET", path, {}, {});
    if (!resp)
      return resp.error();
    if (resp->status < 200 || resp->status > 299)
      return answer_failure(*resp, what);
    return read_rows<wallet_row>(*resp, what, read_wallet);
  }

  // Keyset paging by id until an empty page: correct whatever row cap the
  // server applies.
  result<std::vector<ledger_entry>>
  read_ledger_pages(const std::string& filter) {
    const char* what = "Supabase GET /rest/v1/flowsync_ledger";
    std::vector<ledger_entry> out;
    int64_t last_id = 0;
    for (;;) {
      auto resp = exchange("GET",
                           std::string{"/rest/v1/flowsync_ledger?select="}
                             + ledger_columns + "&" + filter + "&id=gt."
                             + std::to_string(last_id) + "&order=id.asc&limit="
                             + std::to_string(ledger_page_size),
                           {}, {});
      if (!resp)
        return resp.error();
      if (resp->status < 200 || resp->status > 299)
        return answer_failure(*resp, what);
      auto rows = read_rows<ledger_entry>(*resp, what, read_ledger);
      if (!rows)
        return rows.error();
      if (rows->empty())
        return out;
      last_id = rows->back().id;
      out.insert(out.end(), rows->begin(), rows->end());
    }
  }

  result<void> probe(const std::string& table) {
    auto what = "Supabase GET /rest/v1/" + table;
    auto resp =
      exchange("GET", "/rest/v1/" + table + "?select=id&limit=1", {}, {});
    if (!resp)
      return resp.error();
    if (resp->status >= 200 && resp->status <= 299)
      return {};
    std::string code;
    auto f = answer_failure(*resp, what, &code);
    if (resp->status == 404 && (code == "PGRST205" || code == "42P01"))
      return make_failure(ec::not_found, f.message);
    if (f.code == ec::unauthorized)
      return make_failure(ec::config,
                          f.message
                            + ": the key was refused; set the project's "
                              "service_role key");
    return f;
  }

  static std::string check_entry(const ledger_entry& e) {
    std::string id;
    std::string addr;
    if (e.tx_id.size() != 64 || !all_hex(e.tx_id) || lower(e.tx_id) != e.tx_id)
      return "tx_id must be 64 lower-case hex digits";
    if (!normalize_uuid(e.auth_id, id))
      return "auth_id must be a UUID";
    if (!e.address.empty() && !normalize_address(e.address, addr))
      return "address must be 16 hex digits";
    if (!e.amount.empty() && !is_ufix64_text(e.amount))
      return "amount must be UFix64 text such as 0.10000000";
    return {};
  }

  static void write_entry(json_writer& w, const ledger_entry& e) {
    std::string id;
    std::string addr;
    normalize_uuid(e.auth_id, id);
    if (!e.address.empty())
      normalize_address(e.address, addr);
    w.StartObject();
    w.Key("tx_id");
    write_text(w, e.tx_id);
    w.Key("kind");
    w.String(to_string(e.kind));
    w.Key("auth_id");
    write_text(w, id);
    w.Key("address");
    write_optional_text(w, addr);
    w.Key("amount");
    write_optional_text(w, e.amount);
    w.Key("status");
    w.String(to_string(e.status));
    w.Key("error_code");
    w.Int(e.error_code);
    w.Key("reference_height");
    w.Uint64(e.reference_height);
    w.Key("proposal_key_index");
    w.Uint(e.proposal_key_index);
    w.Key("sequence_number");
    w.Uint64(e.sequence_number);
    w.EndObject();
  }

  supabase_options options_;
  http_client http_;
};

} // namespace

const char* to_string(ledger_kind kind) noexcept {
  switch (kind) {
  case ledger_kind::create_account:
    return "create_account";
  case ledger_kind::setup_vault:
    return "setup_vault";
  case ledger_kind::top_up:
    return "top_up";
  }
  return "create_account";
}

const char* to_string(ledger_status status) noexcept {
  switch (status) {
  case ledger_status::signed_tx:
    return "signed";
  case ledger_status::sent:
    return "sent";
  case ledger_status::sealed:
    return "sealed";
  case ledger_status::failed:
    return "failed";
  case ledger_status::expired:
    return "expired";
  }
  return "signed";
}

result<ledger_kind> parse_ledger_kind(std::string_view text) {
  for (auto kind : {ledger_kind::create_account, ledger_kind::setup_vault,
                    ledger_kind::top_up})
    if (text == to_string(kind))
      return kind;
  return make_failure(ec::invalid_input, "unknown ledger kind");
}

result<ledger_status> parse_ledger_status(std::string_view text) {
  for (auto status :
       {ledger_status::signed_tx, ledger_status::sent, ledger_status::sealed,
        ledger_status::failed, ledger_status::expired})
    if (text == to_string(status))
      return status;
  return make_failure(ec::invalid_input, "unknown ledger status");
}

std::unique_ptr<supabase_api> make_supabase_client(supabase_options options) {
  return std::make_unique<supabase_rest>(std::move(options));
}

} // namespace flowsync
