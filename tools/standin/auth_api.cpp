#include "tools/standin/auth_api.hpp"

#include "tools/standin/jwt.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <regex>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync::standin {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;
using query_params = std::vector<std::pair<std::string, std::string>>;

constexpr std::chrono::milliseconds pool_wait{10000};
constexpr const char* audience = "authenticated";
constexpr const char* nil_instance = "00000000-0000-0000-0000-000000000000";
constexpr int default_per_page = 50;
constexpr int session_seconds = 3600;

// Renders a timestamp column as text in UTC with microseconds; Go's
// encoder then drops trailing zeros (see go_time).
std::string ts(const char* column) {
  return std::string{"to_char("} + column
         + " at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')";
}

const std::string& user_columns() {
  static const std::string cols =
    "id::text, coalesce(aud, ''), coalesce(role, ''), coalesce(email, ''), "
    + ts("email_confirmed_at") + ", " + ts("invited_at")
    + ", coalesce(phone, ''), " + ts("phone_confirmed_at") + ", "
    + ts("confirmation_sent_at") + ", " + ts("confirmed_at") + ", "
    + ts("recovery_sent_at") + ", coalesce(email_change, ''), "
    + ts("email_change_sent_at") + ", coalesce(phone_change, ''), "
    + ts("phone_change_sent_at") + ", " + ts("reauthentication_sent_at") + ", "
    + ts("last_sign_in_at")
    + ", raw_app_meta_data::text, raw_user_meta_data::text, " + ts("created_at")
    + ", " + ts("updated_at") + ", " + ts("banned_until") + ", "
    + ts("deleted_at") + ", is_anonymous";
  return cols;
}

const std::string& identity_columns() {
  static const std::string cols =
    "id::text, provider_id, user_id::text, identity_data::text, provider, "
    + ts("last_sign_in_at") + ", " + ts("created_at") + ", " + ts("updated_at")
    + ", coalesce(email, '')";
  return cols;
}

// Go prints RFC 3339 with the fraction's trailing zeros removed.
std::string go_time(std::string_view text) {
  std::string out{text};
  auto dot = out.find('.');
  if (dot != std::string::npos) {
    while (!out.empty() && out.back() == '0')
      out.pop_back();
    if (out.size() == dot + 1)
      out.pop_back();
  }
  return out + "Z";
}

void write_text(json_writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// Go encodes maps with their keys sorted; arrays keep their order.
void write_sorted(json_writer& w, const rapidjson::Value& v) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (auto& m : v.GetObject())
      members.push_back(&m);
    std::sort(members.begin(), members.end(), [](auto* x, auto* y) {
      return std::string_view{x->name.GetString(), x->name.GetStringLength()}
             < std::string_view{y->name.GetString(), y->name.GetStringLength()};
    });
    w.StartObject();
    for (auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      write_sorted(w, m->value);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (auto& item : v.GetArray())
      write_sorted(w, item);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

void write_json_text(json_writer& w, const pg_rows& rows, int r, int c) {
  if (rows.is_null(r, c)) {
    w.Null();
    return;
  }
  rapidjson::Document doc;
  auto text = rows.get(r, c);
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError())
    w.Null();
  else
    write_sorted(w, doc);
}

void write_optional_time(json_writer& w, const char* key, const pg_rows& rows,
                         int r, int c) {
  if (rows.is_null(r, c))
    return;
  w.Key(key);
  write_text(w, go_time(rows.get(r, c)));
}

void write_identity(json_writer& w, const pg_rows& rows, int r) {
  w.StartObject();
  w.Key("identity_id");
  write_text(w, rows.get(r, 0));
  w.Key("id");
  write_text(w, rows.get(r, 1));
  w.Key("user_id");
  write_text(w, rows.get(r, 2));
  // identity_data is omitted when empty, as Go's omitempty does for maps.
  auto data = rows.get(r, 3);
  if (!rows.is_null(r, 3) && data != "{}") {
    w.Key("identity_data");
    write_json_text(w, rows, r, 3);
  }
  w.Key("provider");
  write_text(w, rows.get(r, 4));
  write_optional_time(w, "last_sign_in_at", rows, r, 5);
  w.Key("created_at");
  write_text(w, rows.is_null(r, 6) ? std::string{"0001-01-01T00:00:00Z"}
                                   : go_time(rows.get(r, 6)));
  w.Key("updated_at");
  write_text(w, rows.is_null(r, 7) ? std::string{"0001-01-01T00:00:00Z"}
                                   : go_time(rows.get(r, 7)));
  if (!rows.get(r, 8).empty()) {
    w.Key("email");
    write_text(w, rows.get(r, 8));
  }
  w.EndObject();
}

// One user in the order of GoTrue's struct fields.
void write_user(json_writer& w, const pg_rows& users, int r,
                const pg_rows& identities, const std::vector<int>& mine) {
  auto text = [&](const char* key, int c) {
    w.Key(key);
    write_text(w, users.get(r, c));
  };
  auto optional_text = [&](const char* key, int c) {
    if (!users.get(r, c).empty())
      text(key, c);
  };
  auto time = [&](const char* key, int c) {
    write_optional_time(w, key, users, r, c);
  };
  w.StartObject();
  text("id", 0);
  text("aud", 1);
  text("role", 2);
  text("email", 3);
  time("email_confirmed_at", 4);
  time("invited_at", 5);
  text("phone", 6);
  time("phone_confirmed_at", 7);
  time("confirmation_sent_at", 8);
  time("confirmed_at", 9);
  time("recovery_sent_at", 10);
  optional_text("new_email", 11);
  time("email_change_sent_at", 12);
  optional_text("new_phone", 13);
  time("phone_change_sent_at", 14);
  time("reauthentication_sent_at", 15);
  time("last_sign_in_at", 16);
  w.Key("app_metadata");
  write_json_text(w, users, r, 17);
  w.Key("user_metadata");
  write_json_text(w, users, r, 18);
  w.Key("identities");
  w.StartArray();
  for (int i : mine)
    write_identity(w, identities, i);
  w.EndArray();
  w.Key("created_at");
  write_text(w, users.is_null(r, 19) ? std::string{"0001-01-01T00:00:00Z"}
                                     : go_time(users.get(r, 19)));
  w.Key("updated_at");
  write_text(w, users.is_null(r, 20) ? std::string{"0001-01-01T00:00:00Z"}
                                     : go_time(users.get(r, 20)));
  time("banned_until", 21);
  time("deleted_at", 22);
  w.Key("is_anonymous");
  w.Bool(users.get(r, 23) == "t");
  w.EndObject();
}

std::string uuid_array(const pg_rows& rows) {
  std::string out = "{";
  for (int r = 0; r < rows.rows(); ++r) {
    if (r > 0)
      out.push_back(',');
    out += rows.get(r, 0);
  }
  return out + "}";
}

// Users selected by `tail` (WHERE/ORDER/LIMIT) with their identities.
struct user_set {
  pg_rows users;
  pg_rows identities;
  std::map<std::string, std::vector<int>, std::less<>> by_user;
  pg_error error;
  bool ok = false;
};

user_set load_users(pg_transaction& tx, const std::string& tail,
                    const pg_params& params) {
  user_set out;
  out.users =
    tx.exec("select " + user_columns() + " from auth.users " + tail, params);
  if (!out.users.ok()) {
    out.error = out.users.error();
    return out;
  }
  out.identities = tx.exec("select " + identity_columns()
                             + " from auth.identities where user_id = "
                               "any($1::uuid[]) order by created_at, id",
                           {uuid_array(out.users)});
  if (!out.identities.ok()) {
    out.error = out.identities.error();
    return out;
  }
  for (int i = 0; i < out.identities.rows(); ++i)
    out.by_user[std::string{out.identities.get(i, 2)}].push_back(i);
  out.ok = true;
  return out;
}

void write_set_user(json_writer& w, const user_set& set, int r) {
  static const std::vector<int> none;
  auto i = set.by_user.find(set.users.get(r, 0));
  write_user(w, set.users, r, set.identities,
             i == set.by_user.end() ? none : i->second);
}

bool is_uuid(std::string_view text) {
  static const std::regex pattern{
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    "[0-9a-fA-F]{12}$"};
  return std::regex_match(text.begin(), text.end(), pattern);
}

// Go's url.QueryEscape: everything but unreserved characters, space as '+'.
std::string query_escape(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

// Go's url.Values.Encode: keys sorted, values in their order.
std::string encode_query(const query_params& params) {
  std::vector<std::pair<std::string, std::string>> sorted = params;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](auto& x, auto& y) { return x.first < y.first; });
  std::string out;
  for (const auto& [key, value] : sorted) {
    if (!out.empty())
      out.push_back('&');
    out += query_escape(key) + "=" + query_escape(value);
  }
  return out;
}

query_params with_page(query_params params, uint64_t page) {
  bool found = false;
  for (auto i = params.begin(); i != params.end();) {
    if (i->first == "page") {
      if (found) {
        i = params.erase(i);
        continue;
      }
      i->second = std::to_string(page);
      found = true;
    }
    ++i;
  }
  if (!found)
    params.emplace_back("page", std::to_string(page));
  return params;
}

// strconv.ParseUint's rules, and its message on failure.
bool parse_uint(const std::string& text, uint64_t& out, std::string& error) {
  if (text.empty()
      || !std::all_of(text.begin(), text.end(),
                      [](char c) { return c >= '0' && c <= '9'; })
      || text.size() > 19) {
    error = "strconv.ParseUint: parsing \"" + text + "\": invalid syntax";
    return false;
  }
  out = std::stoull(text);
  return true;
}

reply internal_error(const char* message, bool dated) {
  return gotrue_error(500, "unexpected_failure", message, dated);
}

// GoTrue passes integrity errors from the database through in their own
// shape: code, message, and hint and detail when set.
reply database_error(const pg_error& e, const char* message, bool dated) {
  // The Auth service logs the cause of its 500s; so does the stand-in
  // (SQLSTATE and primary message only: details may quote row values).
  std::fprintf(stderr, "auth: %s: %s %s\n", message, e.sqlstate.c_str(),
               e.message.c_str());
  bool integrity = e.sqlstate.rfind("23", 0) == 0 || e.sqlstate == "P0001";
  if (!integrity || dated)
    return internal_error(message, dated);
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("code");
  write_text(w, e.sqlstate);
  w.Key("message");
  write_text(w, e.message);
  if (e.hint && !e.hint->empty()) {
    w.Key("hint");
    write_text(w, *e.hint);
  }
  if (e.detail && !e.detail->empty()) {
    w.Key("detail");
    write_text(w, *e.detail);
  }
  w.EndObject();
  reply out;
  out.status = 500;
  out.body = go_html_escape(buf.GetString());
  return out;
}

// The fields of an admin request body, with Go's decoding rules: a field
// of the wrong JSON type fails the whole body.
struct admin_params {
  std::string id;
  std::string aud;
  std::string role;
  std::string email;
  std::string phone;
  std::optional<std::string> password;
  bool email_confirm = false;
  bool phone_confirm = false;
  std::optional<std::string> user_metadata;
  std::optional<std::string> app_metadata;
  std::string ban_duration;
};

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  v.Accept(w);
  return buf.GetString();
}

std::optional<reply> parse_admin_params(const std::string& body,
                                        admin_params& out, bool dated) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError())
    return gotrue_error(400, "bad_json",
                        body.empty()
                          ? "Could not parse request body as JSON: unexpected "
                            "end of JSON input"
                          : "Could not parse request body as JSON: invalid "
                            "character in input",
                        dated);
  if (!doc.IsObject())
    return gotrue_error(400, "bad_json",
                        "Could not parse request body as JSON: json: cannot "
                        "unmarshal into Go value of type api.AdminUserParams",
                        dated);

  auto type_error = [&](const char* field, const char* type) {
    return gotrue_error(400, "bad_json",
                        std::string{"Could not parse request body as JSON: "
                                    "json: cannot unmarshal into Go struct "
                                    "field AdminUserParams."}
                          + field + " of type " + type,
                        dated);
  };
  for (auto& m : doc.GetObject()) {
    std::string_view key{m.name.GetString(), m.name.GetStringLength()};
    auto& v = m.value;
    auto string_field = [&](const char* name,
                            std::string& dst) -> std::optional<reply> {
      if (v.IsNull())
        return std::nullopt;
      if (!v.IsString())
        return type_error(name, "string");
      dst.assign(v.GetString(), v.GetStringLength());
      return std::nullopt;
    };
    std::optional<reply> err;
    if (key == "id")
      err = string_field("id", out.id);
    else if (key == "aud")
      err = string_field("aud", out.aud);
    else if (key == "role")
      err = string_field("role", out.role);
    else if (key == "email")
      err = string_field("email", out.email);
    else if (key == "phone")
      err = string_field("phone", out.phone);
    else if (key == "ban_duration")
      err = string_field("ban_duration", out.ban_duration);
    else if (key == "password") {
      if (v.IsString())
        out.password = std::string{v.GetString(), v.GetStringLength()};
      else if (!v.IsNull())
        err = type_error("password", "string");
    } else if (key == "email_confirm" || key == "phone_confirm") {
      if (!v.IsBool() && !v.IsNull())
        err = type_error(
          key == "email_confirm" ? "email_confirm" : "phone_confirm", "bool");
      else if (v.IsBool())
        (key == "email_confirm" ? out.email_confirm : out.phone_confirm) =
          v.GetBool();
    } else if (key == "user_metadata" || key == "app_metadata") {
      auto& dst = key == "user_metadata" ? out.user_metadata : out.app_metadata;
      if (v.IsObject())
        dst = to_text(v);
      else if (!v.IsNull())
        err =
          type_error(key == "user_metadata" ? "user_metadata" : "app_metadata",
                     "map[string]interface {}");
    }
    if (err)
      return err;
  }
  return std::nullopt;
}

std::optional<reply> validate_email(std::string& email, bool dated) {
  static const std::regex pattern{
    "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}"
    "[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"};
  if (email.size() > 255)
    return gotrue_error(400, "validation_failed",
                        "An email address is too long", dated);
  if (!std::regex_match(email, pattern))
    return gotrue_error(400, "validation_failed",
                        "Unable to validate email address: invalid format",
                        dated);
  std::transform(email.begin(), email.end(), email.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return std::nullopt;
}

std::optional<reply> validate_phone(std::string& phone, bool dated) {
  if (!phone.empty() && phone[0] == '+')
    phone.erase(0, 1);
  phone.erase(std::remove(phone.begin(), phone.end(), ' '), phone.end());
  static const std::regex pattern{"^[1-9][0-9]{1,14}$"};
  if (!std::regex_match(phone, pattern))
    return gotrue_error(400, "validation_failed",
                        "Invalid phone number format (E.164 required)", dated);
  return std::nullopt;
}

std::optional<reply> parse_ban(const std::string& text,
                               std::optional<long long>& out, bool dated) {
  if (text.empty())
    return std::nullopt;
  if (text == "none") {
    out = 0;
    return std::nullopt;
  }
  long long micros = 0;
  std::string error;
  if (!parse_go_duration(text, micros, error))
    return gotrue_error(400, "validation_failed",
                        "invalid format for ban duration: " + error, dated);
  out = micros;
  return std::nullopt;
}

// Applies a ban: zero lifts it, as GoTrue's Ban does.
pg_rows apply_ban(pg_transaction& tx, const std::string& id, long long micros) {
  if (micros == 0)
    return tx.exec("update auth.users set banned_until = null, "
                   "updated_at = now() where id = $1",
                   {id});
  return tx.exec("update auth.users set banned_until = now() + make_interval("
                 "secs => $2::double precision / 1000000), updated_at = now() "
                 "where id = $1",
                 {id, std::to_string(micros)});
}

// Merges `updates` into a metadata column the way GoTrue does: null values
// delete keys, others overwrite.
pg_rows merge_metadata(pg_transaction& tx, const std::string& id,
                       const char* column, const std::string& updates) {
  std::string col{column};
  return tx.exec("update auth.users set " + col
                   + " = (select coalesce("
                     "jsonb_object_agg(k, v), '{}') from jsonb_each(coalesce("
                   + col
                   + ", '{}') || $2::jsonb) as e(k, v) "
                     "where v <> 'null'::jsonb), updated_at = now() "
                     "where id = $1",
                 {id, updates});
}

pg_rows add_identity(pg_transaction& tx, const std::string& user_id,
                     const char* provider, const std::string& value) {
  return tx.exec("insert into auth.identities (provider_id, user_id, "
                 "identity_data, provider, last_sign_in_at, created_at, "
                 "updated_at) values ($1::text, $1::text::uuid, "
                 "jsonb_build_object($3::text, $2::text, 'sub', $1::text, "
                 "'email_verified', false, "
                 "'phone_verified', false), $3, now(), now(), now())",
                 {user_id, value, std::string{provider}});
}

std::string random_token(size_t size) {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick{0, sizeof(alphabet) - 2};
  std::string out;
  for (size_t i = 0; i < size; ++i)
    out.push_back(alphabet[pick(rng)]);
  return out;
}

struct leased_tx {
  std::optional<pg_pool::lease> lease;
  std::optional<pg_transaction> tx;
  std::optional<reply> failure;
};

// Borrows a connection and opens a transaction as the Auth service's role.
void open_auth_tx(pg_pool& pool, leased_tx& out, bool dated) {
  std::string error;
  bool timed_out = false;
  out.lease = pool.acquire(pool_wait, error, timed_out);
  if (!out.lease) {
    out.failure = internal_error("Database error", dated);
    return;
  }
  out.tx.emplace(**out.lease, false);
  if (!out.tx->begun().ok()) {
    out.failure = internal_error("Database error", dated);
    return;
  }
  auto role = out.tx->exec("select set_config('role', 'supabase_auth_admin', "
                           "true)");
  if (!role.ok())
    out.failure = internal_error("Database error", dated);
}

std::string render_user(pg_transaction& tx, const std::string& id, bool& found,
                        pg_error& error) {
  auto set = load_users(tx, "where id = $1", {id});
  found = false;
  if (!set.ok) {
    error = set.error;
    return {};
  }
  if (set.users.rows() == 0)
    return {};
  found = true;
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  write_set_user(w, set, 0);
  return go_html_escape(buf.GetString());
}

reply user_reply(pg_transaction& tx, const std::string& id, bool dated) {
  bool found = false;
  pg_error error;
  auto body = render_user(tx, id, found, error);
  if (!found)
    return error.message.empty()
             ? gotrue_error(404, "user_not_found", "User not found", dated)
             : internal_error("Database error loading user", dated);
  reply out;
  out.body = std::move(body);
  return out;
}

std::optional<reply> check_user_id(const std::string& id, bool dated) {
  if (!is_uuid(id))
    return gotrue_error(404, "validation_failed", "user_id must be an UUID",
                        dated);
  return std::nullopt;
}

} // namespace

bool parse_go_duration(const std::string& text, long long& microseconds,
                       std::string& error) {
  auto invalid = [&] {
    error = "time: invalid duration \"" + text + "\"";
    return false;
  };
  std::string_view s{text};
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    microseconds = 0;
    return true;
  }
  if (s.empty())
    return invalid();

  static const std::pair<const char*, double> units[] = {
    {"ns", 1e-3}, {"us", 1.0}, {"\xC2\xB5s", 1.0}, {"\xCE\xBCs", 1.0},
    {"ms", 1e3},  {"s", 1e6},  {"m", 60e6},        {"h", 3600e6},
  };
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        ++i;
        digits = true;
      }
    }
    if (!digits)
      return invalid();
    double value = std::stod(std::string{s.substr(0, i)});
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && s[u] != '.'
           && !std::isdigit(static_cast<unsigned char>(s[u])))
      ++u;
    if (u == 0) {
      error = "time: missing unit in duration \"" + text + "\"";
      return false;
    }
    auto unit = s.substr(0, u);
    double scale = 0;
    for (const auto& [name, factor] : units)
      if (unit == name)
        scale = factor;
    if (scale == 0) {
      error = "time: unknown unit \"" + std::string{unit} + "\" in duration \""
              + text + "\"";
      return false;
    }
    total += value * scale;
    s.remove_prefix(u);
  }
  if (total > 9.2e18)
    return invalid();
  microseconds =
    static_cast<long long>(std::llround(negative ? -total : total));
  return true;
}

reply auth_api::list_users(const query_params& params, bool dated) {
  uint64_t page = 1;
  uint64_t per_page = default_per_page;
  std::string filter;
  std::string order;
  for (const auto& [key, value] : params) {
    std::string error;
    if (key == "page" && !value.empty() && !parse_uint(value, page, error))
      return gotrue_error(400, "validation_failed",
                          "Bad Pagination Parameters: " + error, dated);
    if (key == "per_page" && !value.empty()) {
      if (!parse_uint(value, per_page, error))
        return gotrue_error(400, "validation_failed",
                            "Bad Pagination Parameters: " + error, dated);
      if (per_page == 0)
        return gotrue_error(400, "validation_failed",
                            "Bad Pagination Parameters: per_page must be "
                            "greater than 0",
                            dated);
    }
    if (key == "filter")
      filter = value;
    if (key == "sort") {
      // GoTrue's sort: "field [asc|desc]", created_at the only field.
      auto space = value.find(' ');
      auto field = value.substr(0, space);
      if (field != "created_at")
        return gotrue_error(
          400, "validation_failed",
          "Bad Sort Parameters: bad field for sort '" + field + "'", dated);
      std::string dir = "desc";
      if (space != std::string::npos) {
        auto given = value.substr(space + 1);
        auto upper = given;
        for (auto& c : upper)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (upper != "ASC" && upper != "DESC")
          return gotrue_error(400, "validation_failed",
                              "Bad Sort Parameters: bad direction for sort '"
                                + given + "', only 'asc' and 'desc' allowed",
                              dated);
        dir = upper == "ASC" ? "asc" : "desc";
      }
      order +=
        std::string{order.empty() ? " order by " : ", "} + "created_at " + dir;
    }
  }
  if (order.empty())
    order = " order by created_at desc";

  leased_tx lt;
  open_auth_tx(pool_, lt, dated);
  if (lt.failure)
    return *lt.failure;
  auto& tx = *lt.tx;

  // Newest first by created_at alone, as GoTrue sorts: rows created in the
  // same instant come in whatever order the database picks.
  pg_params where_params{nil_instance, audience};
  std::string where = "where instance_id = $1 and aud = $2";
  if (!filter.empty()) {
    where_params.emplace_back("%" + filter + "%");
    where += " and (email like $3 or raw_user_meta_data->>'full_name' "
             "ilike $3)";
  }
  auto counted =
    tx.exec("select count(*) from auth.users " + where, where_params);
  if (!counted.ok())
    return database_error(counted.error(), "Database error finding users",
                          dated);
  uint64_t total = std::stoull(std::string{counted.get(0, 0)});

  auto offset = (page > 0 ? page - 1 : 0) * per_page;
  auto set = load_users(tx,
                        where + order + " limit " + std::to_string(per_page)
                          + " offset " + std::to_string(offset),
                        where_params);
  if (!set.ok)
    return database_error(set.error, "Database error finding users", dated);
  tx.commit();

  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("users");
  w.StartArray();
  for (int r = 0; r < set.users.rows(); ++r)
    write_set_user(w, set, r);
  w.EndArray();
  w.Key("aud");
  w.String(audience);
  w.EndObject();

  // The Auth service sits behind the gateway, which strips /auth/v1: the
  // links it writes name the path as the service sees it.
  auto total_pages = total / per_page + (total % per_page > 0 ? 1 : 0);
  std::string link;
  if (total_pages > page)
    link += "</admin/users?" + encode_query(with_page(params, page + 1))
            + ">; rel=\"next\", ";
  link += "</admin/users?" + encode_query(with_page(params, total_pages))
          + ">; rel=\"last\"";

  reply out;
  out.body = go_html_escape(buf.GetString());
  out.headers.emplace_back("Link", link);
  out.headers.emplace_back("X-Total-Count", std::to_string(total));
  return out;
}

reply auth_api::get_user(const std::string& id, bool dated) {
  if (auto err = check_user_id(id, dated))
    return *err;
  leased_tx lt;
  open_auth_tx(pool_, lt, dated);
  if (lt.failure)
    return *lt.failure;
  return user_reply(*lt.tx, id, dated);
}

reply auth_api::create_user(const std::string& body, bool dated) {
  admin_params p;
  if (auto err = parse_admin_params(body, p, dated))
    return *err;
  if (p.email.empty() && p.phone.empty())
    return gotrue_error(400, "validation_failed",
                        "Cannot create a user without either an email or "
                        "phone",
                        dated);
  if (!p.email.empty())
    if (auto err = validate_email(p.email, dated))
      return *err;
  if (!p.phone.empty())
    if (auto err = validate_phone(p.phone, dated))
      return *err;
  std::optional<long long> ban;
  if (auto err = parse_ban(p.ban_duration, ban, dated))
    return *err;
  if (!p.id.empty() && (!is_uuid(p.id) || p.id == nil_instance))
    return gotrue_error(400, "validation_failed",
                        p.id == nil_instance
                          ? "ID cannot be a nil uuid"
                          : "ID must conform to the uuid v4 format",
                        dated);
  auto aud = p.aud.empty() ? std::string{audience} : p.aud;

  leased_tx lt;
  open_auth_tx(pool_, lt, dated);
  if (lt.failure)
    return *lt.failure;
  auto& tx = *lt.tx;

  if (!p.email.empty()) {
    auto dup = tx.exec("select 1 from auth.users where email = $1::text and "
                       "aud = $2 union all select 1 from auth.identities "
                       "where email = $1::text limit 1",
                       {p.email, aud});
    if (!dup.ok())
      return database_error(dup.error(), "Database error checking email",
                            dated);
    if (dup.rows() > 0)
      return gotrue_error(422, "email_exists",
                          "A user with this email address has already been "
                          "registered",
                          dated);
  }
  if (!p.phone.empty()) {
    auto dup = tx.exec("select 1 from auth.users where phone = $1 and aud = "
                       "$2 limit 1",
                       {p.phone, aud});
    if (!dup.ok())
      return database_error(dup.error(), "Database error checking phone",
                            dated);
    if (dup.rows() > 0)
      return gotrue_error(422, "phone_exists",
                          "Phone number already registered by another user",
                          dated);
  }

  std::string providers = p.email.empty()   ? "[\"phone\"]"
                          : p.phone.empty() ? "[\"email\"]"
                                            : "[\"email\", \"phone\"]";
  auto app_meta = std::string{"{\"provider\": \""}
                  + (p.email.empty() ? "phone" : "email")
                  + "\", \"providers\": " + providers + "}";
  // Without a password GoTrue stores the hash of a random one nobody knows;
  // a cheap hash does as well here.
  pg_params insert_params{
    p.id.empty() ? std::nullopt : std::optional<std::string>{p.id},
    aud,
    p.email.empty() ? std::nullopt : std::optional<std::string>{p.email},
    p.phone.empty() ? std::nullopt : std::optional<std::string>{p.phone},
    p.password ? p.password : std::optional<std::string>{random_token(32)},
    p.password ? "10" : "4",
    p.user_metadata.value_or("{}"),
    app_meta,
    p.role.empty() ? std::string{audience} : p.role,
  };
  auto inserted = tx.exec(
    "insert into auth.users (id, instance_id, aud, role, email, phone, "
    "encrypted_password, raw_app_meta_data, raw_user_meta_data, created_at, "
    "updated_at, is_anonymous) values (coalesce($1::uuid, gen_random_uuid()), "
    "'00000000-0000-0000-0000-000000000000', $2, $9, $3, $4, "
    "extensions.crypt($5, extensions.gen_salt('bf', $6::int)), $8::jsonb, "
    "$7::jsonb, now(), now(), false) returning id::text",
    insert_params);
  if (!inserted.ok())
    return database_error(inserted.error(), "Database error creating new user",
                          dated);
  auto id = std::string{inserted.get(0, 0)};

  std::vector<pg_rows> steps;
  if (!p.email.empty())
    steps.push_back(add_identity(tx, id, "email", p.email));
  if (!p.phone.empty())
    steps.push_back(add_identity(tx, id, "phone", p.phone));
  if (p.app_metadata)
    steps.push_back(
      merge_metadata(tx, id, "raw_app_meta_data", *p.app_metadata));
  if (p.email_confirm) {
    steps.push_back(tx.exec("update auth.users set email_confirmed_at = "
                            "now() where id = $1",
                            {id}));
    steps.push_back(merge_metadata(tx, id, "raw_user_meta_data",
                                   "{\"email_verified\": true}"));
  }
  if (p.phone_confirm)
    steps.push_back(tx.exec("update auth.users set phone_confirmed_at = "
                            "now() where id = $1",
                            {id}));
  if (ban)
    steps.push_back(apply_ban(tx, id, *ban));
  for (const auto& step : steps)
    if (!step.ok())
      return database_error(step.error(), "Database error creating new user",
                            dated);

  auto out = user_reply(tx, id, dated);
  auto committed = tx.commit();
  if (!committed.ok())
    return database_error(committed.error(), "Database error creating new user",
                          dated);
  return out;
}

reply auth_api::update_user(const std::string& id, const std::string& body,
                            bool dated) {
  if (auto err = check_user_id(id, dated))
    return *err;
  admin_params p;
  if (auto err = parse_admin_params(body, p, dated))
    return *err;
  if (!p.email.empty())
    if (auto err = validate_email(p.email, dated))
      return *err;
  if (!p.phone.empty())
    if (auto err = validate_phone(p.phone, dated))
      return *err;
  std::optional<long long> ban;
  if (auto err = parse_ban(p.ban_duration, ban, dated))
    return *err;

  leased_tx lt;
  open_auth_tx(pool_, lt, dated);
  if (lt.failure)
    return *lt.failure;
  auto& tx = *lt.tx;
  auto exists = tx.exec("select 1 from auth.users where id = $1", {id});
  if (!exists.ok())
    return internal_error("Database error loading user", dated);
  if (exists.rows() == 0)
    return gotrue_error(404, "user_not_found", "User not found", dated);

  std::vector<pg_rows> steps;
  steps.push_back(tx.exec("update auth.users set updated_at = now() where "
                          "id = $1",
                          {id}));
  if (!p.role.empty())
    steps.push_back(
      tx.exec("update auth.users set role = $2 where id = $1", {id, p.role}));
  if (p.email_confirm) {
    steps.push_back(tx.exec("update auth.users set email_confirmed_at = "
                            "now() where id = $1",
                            {id}));
    steps.push_back(merge_metadata(tx, id, "raw_user_meta_data",
                                   "{\"email_verified\": true}"));
  }
  if (p.phone_confirm)
    steps.push_back(tx.exec("update auth.users set phone_confirmed_at = "
                            "now() where id = $1",
                            {id}));
  if (p.password)
    steps.push_back(tx.exec("update auth.users set encrypted_password = "
                            "extensions.crypt($2, extensions.gen_salt('bf', "
                            "10)) where id = $1",
                            {id, *p.password}));
  if (!p.email.empty()) {
    steps.push_back(tx.exec("update auth.identities set identity_data = "
                            "identity_data || jsonb_build_object('email', "
                            "$2::text), updated_at = now() where user_id = "
                            "$1 and provider = 'email'",
                            {id, p.email}));
    steps.push_back(tx.exec(
      "insert into auth.identities (provider_id, user_id, identity_data, "
      "provider, last_sign_in_at, created_at, updated_at) select $1::text, "
      "$1::text::uuid, jsonb_build_object('email', $2::text, 'sub', $1::text, "
      "'email_verified', false, 'phone_verified', false), 'email', now(), "
      "now(), now() where not exists (select 1 from auth.identities where "
      "user_id = $1::text::uuid and provider = 'email')",
      {id, p.email}));
    steps.push_back(
      tx.exec("update auth.users set email = $2 where id = $1", {id, p.email}));
  }
  if (!p.phone.empty())
    steps.push_back(
      tx.exec("update auth.users set phone = $2 where id = $1", {id, p.phone}));
  if (p.app_metadata)
    steps.push_back(
      merge_metadata(tx, id, "raw_app_meta_data", *p.app_metadata));
  if (p.user_metadata)
    steps.push_back(
      merge_metadata(tx, id, "raw_user_meta_data", *p.user_metadata));
  if (ban)
    steps.push_back(apply_ban(tx, id, *ban));
  for (const auto& step : steps)
    if (!step.ok())
      return database_error(step.error(), "Error updating user", dated);

  auto out = user_reply(tx, id, dated);
  auto committed = tx.commit();
  if (!committed.ok())
    return database_error(committed.error(), "Error updating user", dated);
  return out;
}

reply auth_api::delete_user(const std::string& id, const std::string& body,
                            bool dated) {
  if (auto err = check_user_id(id, dated))
    return *err;
  bool soft = false;
  if (!body.empty()) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject())
      return gotrue_error(400, "bad_json",
                          "Could not parse request body as JSON: invalid "
                          "character in input",
                          dated);
    auto flag = doc.FindMember("should_soft_delete");
    if (flag != doc.MemberEnd() && !flag->value.IsNull()) {
      if (!flag->value.IsBool())
        return gotrue_error(400, "bad_json",
                            "Could not parse request body as JSON: json: "
                            "cannot unmarshal into Go struct field "
                            "adminUserDeleteParams.should_soft_delete of "
                            "type bool",
                            dated);
      soft = flag->value.GetBool();
    }
  }

  leased_tx lt;
  open_auth_tx(pool_, lt, dated);
  if (lt.failure)
    return *lt.failure;
  auto& tx = *lt.tx;
  auto found = tx.exec("select deleted_at is not null from auth.users where "
                       "id = $1 for update",
                       {id});
  if (!found.ok())
    return internal_error("Database error loading user", dated);
  if (found.rows() == 0)
    return gotrue_error(404, "user_not_found", "User not found", dated);

  if (soft) {
    if (found.get(0, 0) == "f") {
      // GoTrue replaces the identifying columns with a hash of the user id
      // and the old value (base64url of SHA-256), phones cut to 15 chars,
      // and empties the metadata.
      static const std::string scramble =
        "rtrim(translate(encode(extensions.digest(id::text || "
        "coalesce(%s, ''), 'sha256'), 'base64'), '+/', '-_'), '=')";
      auto of = [](const char* col) {
        auto s = scramble;
        s.replace(s.find("%s"), 2, col);
        return s;
      };
      auto users = tx.exec(
        "update auth.users set email = " + of("email") + ", phone = left("
          + of("phone") + ", 15), email_change = " + of("email_change")
          + ", phone_change = left(" + of("phone_change")
          + ", 15), encrypted_password = null, confirmation_token = '', "
            "recovery_token = '', email_change_token_current = '', "
            "email_change_token_new = '', phone_change_token = '', "
            "raw_user_meta_data = '{}', raw_app_meta_data = '{}', "
            "deleted_at = now(), updated_at = now() where id = $1",
        {id});
      auto identities = tx.exec(
        "update auth.identities set identity_data = '{}', provider_id = "
        "rtrim(translate(encode(extensions.digest(user_id::text || provider "
        "|| ':' || provider_id, 'sha256'), 'base64'), '+/', '-_'), '='), "
        "updated_at = now() where user_id = $1",
        {id});
      if (!users.ok())
        return internal_error("Error soft deleting user", dated);
      if (!identities.ok())
        return internal_error("Error soft deleting user identities", dated);
    }
  } else {
    auto gone = tx.exec("delete from auth.users where id = $1", {id});
    if (!gone.ok())
      return database_error(gone.error(), "Database error deleting user",
                            dated);
  }
  auto committed = tx.commit();
  if (!committed.ok())
    return database_error(committed.error(), "Database error deleting user",
                          dated);
  reply out;
  out.body = "{}";
  return out;
}

reply auth_api::signup(const std::string& body, bool dated) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return gotrue_error(400, "bad_json",
                        body.empty()
                          ? "Could not parse request body as JSON: unexpected "
                            "end of JSON input"
                          : "Could not parse request body as JSON: invalid "
                            "character in input",
                        dated);
  auto text_of = [&](const char* key) {
    auto i = doc.FindMember(key);
    return i != doc.MemberEnd() && i->value.IsString()
             ? std::string{i->value.GetString(), i->value.GetStringLength()}
             : std::string{};
  };
  if (!text_of("email").empty())
    return gotrue_error(422, "email_provider_disabled",
                        "Email signups are disabled", dated);
  if (!text_of("phone").empty())
    return gotrue_error(422, "phone_provider_disabled",
                        "Phone signups are disabled", dated);
  std::string user_meta = "{}";
  if (auto data = doc.FindMember("data");
      data != doc.MemberEnd() && data->value.IsObject())
    user_meta = to_text(data->value);

  leased_tx lt;
  open_auth_tx(pool_, lt, dated);
  if (lt.failure)
    return *lt.failure;
  auto& tx = *lt.tx;
  auto inserted = tx.exec(
    "insert into auth.users (id, instance_id, aud, role, raw_app_meta_data, "
    "raw_user_meta_data, created_at, updated_at, last_sign_in_at, "
    "is_anonymous) values (gen_random_uuid(), "
    "'00000000-0000-0000-0000-000000000000', 'authenticated', "
    "'authenticated', '{}', $1::jsonb, now(), now(), now(), true) "
    "returning id::text, extract(epoch from now())::bigint",
    {user_meta});
  if (!inserted.ok())
    return database_error(inserted.error(),
                          "Database error creating anonymous user", dated);
  auto id = std::string{inserted.get(0, 0)};
  auto now = std::stoll(std::string{inserted.get(0, 1)});

  bool found = false;
  pg_error error;
  auto user = render_user(tx, id, found, error);
  if (!found)
    return internal_error("Database error creating anonymous user", dated);
  auto committed = tx.commit();
  if (!committed.ok())
    return internal_error("Database error creating anonymous user", dated);

  auto session =
    random_token(8) + "-" + random_token(4) + "-" + random_token(4);
  auto claims = std::string{"{\"aud\":\"authenticated\",\"exp\":"}
                + std::to_string(now + session_seconds)
                + ",\"iat\":" + std::to_string(now)
                + ",\"iss\":\"supabase-standin/auth/v1\",\"sub\":\"" + id
                + "\",\"email\":\"\",\"phone\":\"\",\"app_metadata\":{},"
                  "\"user_metadata\":"
                + user_meta
                + ",\"role\":\"authenticated\",\"aal\":\"aal1\","
                  "\"amr\":[{\"method\":\"anonymous\",\"timestamp\":"
                + std::to_string(now) + "}],\"session_id\":\"" + session
                + "\",\"is_anonymous\":true}";
  reply out;
  out.body = "{\"access_token\":\"" + sign_jwt(claims, jwt_secret_)
             + "\",\"token_type\":\"bearer\",\"expires_in\":"
             + std::to_string(session_seconds) + ",\"expires_at\":"
             + std::to_string(now + session_seconds) + ",\"refresh_token\":\""
             + random_token(12) + "\",\"user\":" + user + "}";
  return out;
}

} // namespace flowsync::standin
