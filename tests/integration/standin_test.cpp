// The Supabase stand-in against the running sandbox: paging, authorization,
// PostgREST's limits, filters, upserts, error codes, row level security and
// fault injection. Raw HTTP where the server's shape is the subject; the
// client adapter where it fits.

#include "adapters/http.hpp"
#include "adapters/supabase.hpp"
#include "tests/integration/sandbox.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>

#include <unistd.h>

using namespace flowsync;

namespace {

// Reads `export KEY='value'` lines of one of the sandbox's env files.
std::map<std::string, std::string> env_file(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("export ", 0) == 0)
      line.erase(0, 7);
    auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    auto value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
      value = value.substr(1, value.size() - 2);
    out[line.substr(0, eq)] = value;
  }
  return out;
}

// A sandbox setting: the environment, `.sandbox/env`, then the part files
// that the sandbox scripts write.
std::string setting(const std::string& name) {
  auto value = testing::sandbox_var(name);
  if (!value.empty())
    return value;
  for (const char* part : {"/env.standin", "/env.postgres"}) {
    auto vars = env_file(testing::sandbox_dir() + part);
    if (auto i = vars.find(name); i != vars.end())
      return i->second;
  }
  return {};
}

std::string base64url(const unsigned char* data, size_t size) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (size_t i = 0; i < size; i += 3) {
    uint32_t n = static_cast<uint32_t>(data[i]) << 16;
    if (i + 1 < size)
      n |= static_cast<uint32_t>(data[i + 1]) << 8;
    if (i + 2 < size)
      n |= data[i + 2];
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (i + 1 < size)
      out.push_back(alphabet[(n >> 6) & 63]);
    if (i + 2 < size)
      out.push_back(alphabet[n & 63]);
  }
  return out;
}

std::string base64url(const std::string& text) {
  return base64url(reinterpret_cast<const unsigned char*>(text.data()),
                   text.size());
}

/// The running sandbox's Supabase side, or nothing when it is not up.
struct sandbox {
  std::string url;
  std::string service_key;
  std::string anon_key;
  std::string jwt_secret;
  std::string pg_url;
  bool up = false;

  static const sandbox& get() {
    static sandbox instance = load();
    return instance;
  }

  /// A user's access token, signed as the Auth service signs them.
  std::string user_token(const std::string& user_id) const {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    auto payload = R"({"aud":"authenticated","role":"authenticated","sub":")"
                   + user_id + R"(","exp":)" + std::to_string(now + 600) + "}";
    auto input =
      base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), jwt_secret.data(), static_cast<int>(jwt_secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         mac, &size);
    return input + "." + base64url(mac, size);
  }

 private:
  static sandbox load() {
    sandbox s;
    s.url = setting("SUPABASE_URL");
    s.service_key = setting("SUPABASE_SERVICE_ROLE_KEY");
    s.anon_key = setting("SUPABASE_ANON_KEY");
    s.pg_url = setting("FLOWSYNC_PG_URL");
    std::ifstream in{setting("FLOWSYNC_STANDIN_JWT_SECRET_FILE")};
    std::getline(in, s.jwt_secret);
    if (s.url.empty() || s.service_key.empty() || s.pg_url.empty())
      return s;
    http_client http;
    http_request req;
    req.url = s.url + "/auth/v1/health";
    req.timeout = std::chrono::milliseconds{3000};
    auto resp = http.perform(req);
    s.up = resp && resp->status == 200;
    return s;
  }
};

#define REQUIRE_SANDBOX()                                                      \
  const auto& sb = sandbox::get();                                             \
  if (!sb.up) {                                                                \
    if (flowsync::testing::sandbox_required())                                 \
      FAIL("the sandbox's Supabase stand-in is not up");                       \
    MESSAGE("the sandbox's Supabase stand-in is not up: skipped (run "         \
            "tools/sandbox up)");                                              \
    return;                                                                    \
  }

/// Direct SQL as the superuser, for setup and cleanup.
class database {
 public:
  explicit database(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    // "table does not exist, skipping" and the like are noise here.
    PQclear(PQexec(conn_, "set client_min_messages = warning"));
  }

  ~database() { PQfinish(conn_); }

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Runs SQL; returns the first field of the first row, or "".
  std::string run(const std::string& sql,
                  const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params)
      values.push_back(p.c_str());
    auto* res =
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                   values.data(), nullptr, nullptr, 0);
    auto status = PQresultStatus(res);
    std::string out;
    if (status == PGRES_TUPLES_OK && PQntuples(res) > 0)
      out = PQgetvalue(res, 0, 0);
    bool ok = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
    if (!ok)
      FAIL_CHECK("SQL failed: " << PQerrorMessage(conn_));
    PQclear(res);
    return out;
  }

 private:
  PGconn* conn_;
};

/// One HTTP exchange with the stand-in.
struct exchange {
  long status = 0;
  http_response resp;
  rapidjson::Document json;
  bool transport_failed = false;
};

exchange call(const std::string& method, const std::string& path,
              const std::string& apikey, const std::string& bearer = {},
              const std::string& body = {}, http_headers extra = {}) {
  const auto& sb = sandbox::get();
  http_client http;
  http_request req;
  req.method = method;
  req.url = sb.url + path;
  req.timeout = std::chrono::milliseconds{10000};
  if (!apikey.empty())
    req.headers.emplace_back("apikey", apikey);
  if (!bearer.empty())
    req.headers.emplace_back("Authorization", "Bearer " + bearer);
  if (!body.empty())
    req.headers.emplace_back("Content-Type", "application/json");
  for (auto& h : extra)
    req.headers.push_back(std::move(h));
  req.body = body;
  exchange out;
  auto resp = http.perform(req);
  if (!resp) {
    out.transport_failed = true;
    return out;
  }
  out.status = resp->status;
  out.resp = std::move(*resp);
  out.json.Parse(out.resp.body.c_str());
  return out;
}

std::string text(const rapidjson::Value& obj, const char* key) {
  auto i = obj.FindMember(key);
  return i != obj.MemberEnd() && i->value.IsString() ? i->value.GetString()
                                                     : std::string{};
}

bool has(const rapidjson::Value& obj, const char* key) {
  return obj.IsObject() && obj.FindMember(key) != obj.MemberEnd();
}

std::string unique_tag() {
  static int counter = 0;
  return std::to_string(getpid()) + "-"
         + std::to_string(
           std::chrono::steady_clock::now().time_since_epoch().count())
         + "-" + std::to_string(++counter);
}

/// Users the test creates, removed with their rows when it ends.
class test_users {
 public:
  ~test_users() {
    const auto& sb = sandbox::get();
    if (ids_.empty())
      return;
    database db{sb.pg_url};
    std::string list = "{";
    for (size_t i = 0; i < ids_.size(); ++i)
      list += (i > 0 ? "," : "") + ids_[i];
    list += "}";
    db.run("delete from public.flowsync_ledger where auth_id = any($1::uuid[])",
           {list});
    db.run("delete from public.wallet where auth_id = any($1::uuid[])", {list});
    db.run("delete from auth.users where id = any($1::uuid[])", {list});
  }

  /// Creates a confirmed email user through the admin API; its id.
  std::string create() {
    const auto& sb = sandbox::get();
    auto email = "standin-test-" + unique_tag() + "@example.com";
    auto made = call("POST", "/auth/v1/admin/users", sb.service_key, {},
                     R"({"email":")" + email + R"(","email_confirm":true})");
    REQUIRE(made.status == 200);
    auto id = text(made.json, "id");
    REQUIRE(id.size() == 36);
    ids_.push_back(id);
    return id;
  }

  /// Remembers a user made some other way.
  void adopt(const std::string& id) { ids_.push_back(id); }

 private:
  std::vector<std::string> ids_;
};

/// A scratch table of `rows` numbered rows in schema public.
class probe_table {
 public:
  explicit probe_table(int rows)
      : name_("standin_probe_" + std::to_string(getpid())) {
    database db{sandbox::get().pg_url};
    db.run("drop table if exists public." + name_);
    db.run("create table public." + name_
           + " (n integer primary key, label text)");
    db.run("insert into public." + name_
           + " select n, case when n % 10 = 0 then null else 'row ' || n "
             "end from generate_series(1, "
           + std::to_string(rows) + ") as n");
  }

  ~probe_table() {
    database db{sandbox::get().pg_url};
    db.run("drop table if exists public." + name_);
  }

  const std::string& name() const { return name_; }

  std::string path(const std::string& query = {}) const {
    return "/rest/v1/" + name_ + (query.empty() ? "" : "?" + query);
  }

 private:
  std::string name_;
};

std::unique_ptr<supabase_api> client(const std::string& key) {
  supabase_options options;
  options.url = sandbox::get().url;
  options.service_role_key = secret{key};
  return make_supabase_client(std::move(options));
}

} // namespace

TEST_SUITE("supabase stand-in") {

  TEST_CASE("the users list pages newest first with X-Total-Count and Link") {
    REQUIRE_SANDBOX();
    test_users users;
    auto first = users.create();
    auto second = users.create();
    auto newest = users.create();

    auto page1 =
      call("GET", "/auth/v1/admin/users?page=1&per_page=1", sb.service_key);
    REQUIRE(page1.status == 200);
    auto total = std::stoll(page1.resp.header("X-Total-Count"));
    CHECK(total >= 3);
    REQUIRE(page1.json["users"].Size() == 1);
    CHECK(text(page1.json["users"][0], "id") == newest);
    CHECK(text(page1.json, "aud") == "authenticated");
    auto link = page1.resp.header("Link");
    CHECK(link.find("</admin/users?page=2&per_page=1>; rel=\"next\"")
          != std::string::npos);
    CHECK(link.find("</admin/users?page=" + std::to_string(total)
                    + "&per_page=1>; rel=\"last\"")
          != std::string::npos);

    auto page3 =
      call("GET", "/auth/v1/admin/users?page=3&per_page=1", sb.service_key);
    REQUIRE(page3.json["users"].Size() == 1);
    CHECK(text(page3.json["users"][0], "id") == first);

    auto last = call(
      "GET", "/auth/v1/admin/users?per_page=1&page=" + std::to_string(total),
      sb.service_key);
    CHECK(last.resp.header("Link").find("rel=\"next\"") == std::string::npos);

    auto ascending = call("GET",
                          "/auth/v1/admin/users?sort=created_at%20asc"
                          "&per_page=1&page="
                            + std::to_string(total),
                          sb.service_key);
    REQUIRE(ascending.json["users"].Size() == 1);
    CHECK(text(ascending.json["users"][0], "id") == newest);
    auto bad_sort =
      call("GET", "/auth/v1/admin/users?sort=email", sb.service_key);
    CHECK(bad_sort.status == 400);

    auto paged = client(sb.service_key)->list_users(2, 1);
    REQUIRE(paged);
    REQUIRE(paged->users.size() == 1);
    CHECK(paged->users[0].id == second);
    CHECK(paged->next_page == 3);
    CHECK(paged->total == total);
  }

  TEST_CASE("a user is shaped as the Auth service shapes it") {
    REQUIRE_SANDBOX();
    test_users users;
    auto id = users.create();

    auto got = call("GET", "/auth/v1/admin/users/" + id, sb.service_key);

    REQUIRE(got.status == 200);
    const auto& u = got.json;
    std::vector<std::string> keys;
    for (auto& m : u.GetObject())
      keys.emplace_back(m.name.GetString());
    CHECK(keys
          == std::vector<std::string>{
            "id", "aud", "role", "email", "email_confirmed_at", "phone",
            "confirmed_at", "app_metadata", "user_metadata", "identities",
            "created_at", "updated_at", "is_anonymous"});
    CHECK(text(u, "phone").empty());
    CHECK(text(u["app_metadata"], "provider") == "email");
    CHECK(u["user_metadata"]["email_verified"].GetBool());
    REQUIRE(u["identities"].Size() == 1);
    CHECK(text(u["identities"][0], "provider") == "email");
    CHECK(text(u["identities"][0], "user_id") == id);
    CHECK(text(u, "created_at").back() == 'Z');
    CHECK_FALSE(u["is_anonymous"].GetBool());
  }

  TEST_CASE("a sign-up during paging shifts later pages") {
    REQUIRE_SANDBOX();
    test_users users;
    auto seen_first = users.create();
    auto api = client(sb.service_key);
    auto before = api->list_users(1, 1);
    REQUIRE(before);
    REQUIRE(before->users.size() == 1);
    CHECK(before->users[0].id == seen_first);

    auto signup = call("POST", "/auth/v1/signup", sb.anon_key, {}, "{}");
    REQUIRE(signup.status == 200);
    auto anonymous = text(signup.json["user"], "id");
    users.adopt(anonymous);
    CHECK(signup.json["user"]["is_anonymous"].GetBool());
    CHECK(text(signup.json["user"], "email").empty());
    CHECK_FALSE(text(signup.json, "access_token").empty());

    auto after = api->list_users(2, 1);
    REQUIRE(after);
    REQUIRE(after->users.size() == 1);
    CHECK(after->users[0].id == seen_first);
    auto newest = api->list_users(1, 1);
    REQUIRE(newest);
    CHECK(newest->users[0].id == anonymous);
    CHECK(newest->users[0].anonymous);
  }

  TEST_CASE("an anonymous sign-up needs a JSON body") {
    REQUIRE_SANDBOX();
    auto empty = call("POST", "/auth/v1/signup", sb.anon_key, {}, {},
                      {{"Content-Type", "application/json"}});
    CHECK(empty.status == 400);
    CHECK(text(empty.json, "error_code") == "bad_json");
  }

  TEST_CASE("the anon key and missing keys are refused on the admin API") {
    REQUIRE_SANDBOX();
    auto anon = call("GET", "/auth/v1/admin/users", sb.anon_key);
    auto no_key = call("GET", "/auth/v1/admin/users", {});
    auto bad_key = call("GET", "/auth/v1/admin/users", "not-a-key");
    auto bad_bearer =
      call("GET", "/auth/v1/admin/users", sb.service_key, sb.anon_key);
    auto dated = call("GET", "/auth/v1/admin/users", sb.anon_key, {}, {},
                      {{"X-Supabase-Api-Version", "2024-01-01"}});

    CHECK(anon.status == 403);
    CHECK(anon.json["code"].GetInt() == 403);
    CHECK(text(anon.json, "error_code") == "not_admin");
    CHECK(text(anon.json, "msg") == "User not allowed");
    CHECK(no_key.status == 401);
    CHECK(text(no_key.json, "message") == "No API key found in request");
    CHECK(bad_key.status == 401);
    CHECK(text(bad_key.json, "message") == "Invalid API key");
    CHECK(bad_bearer.status == 403);
    CHECK(dated.status == 403);
    CHECK(text(dated.json, "code") == "not_admin");
    CHECK(text(dated.json, "message") == "User not allowed");

    auto page = client(sb.anon_key)->list_users(1, 10);
    REQUIRE_FALSE(page);
    CHECK(page.error().code == ec::unauthorized);
  }

  TEST_CASE("duplicate emails and bad ban durations are refused") {
    REQUIRE_SANDBOX();
    test_users users;
    auto id = users.create();
    auto email = text(
      call("GET", "/auth/v1/admin/users/" + id, sb.service_key).json, "email");

    auto twice = call("POST", "/auth/v1/admin/users", sb.service_key, {},
                      R"({"email":")" + email + R"("})");
    auto ban = call("PUT", "/auth/v1/admin/users/" + id, sb.service_key, {},
                    R"({"ban_duration":"forever"})");
    auto nobody =
      call("GET", "/auth/v1/admin/users/00000000-0000-4000-8000-000000000000",
           sb.service_key);

    CHECK(twice.status == 422);
    CHECK(text(twice.json, "error_code") == "email_exists");
    CHECK(ban.status == 400);
    CHECK(text(ban.json, "msg").find("invalid format for ban duration")
          != std::string::npos);
    CHECK(nobody.status == 404);
    CHECK(text(nobody.json, "error_code") == "user_not_found");
  }

  TEST_CASE("banned and soft-deleted users stay listed with their marks") {
    REQUIRE_SANDBOX();
    test_users users;
    auto id = users.create();
    auto original = text(
      call("GET", "/auth/v1/admin/users/" + id, sb.service_key).json, "email");

    auto banned = call("PUT", "/auth/v1/admin/users/" + id, sb.service_key, {},
                       R"({"ban_duration":"876000h"})");
    REQUIRE(banned.status == 200);
    CHECK(text(banned.json, "banned_until").rfind("2", 0) == 0);
    auto listed = client(sb.service_key)->list_users(1, 5);
    REQUIRE(listed);
    REQUIRE_FALSE(listed->users.empty());
    CHECK(listed->users[0].id == id);
    CHECK(listed->users[0].banned);

    auto lifted = call("PUT", "/auth/v1/admin/users/" + id, sb.service_key, {},
                       R"({"ban_duration":"none"})");
    CHECK_FALSE(has(lifted.json, "banned_until"));

    auto soft = call("DELETE", "/auth/v1/admin/users/" + id, sb.service_key, {},
                     R"({"should_soft_delete":true})");
    REQUIRE(soft.status == 200);
    auto after = call("GET", "/auth/v1/admin/users/" + id, sb.service_key);
    CHECK(has(after.json, "deleted_at"));
    CHECK(text(after.json, "email") != original);
    CHECK(text(after.json, "email").find('@') == std::string::npos);
    CHECK(after.json["user_metadata"].ObjectEmpty());
    auto relisted = client(sb.service_key)->list_users(1, 5);
    REQUIRE(relisted);
    REQUIRE_FALSE(relisted->users.empty());
    CHECK(relisted->users[0].id == id);
    CHECK(relisted->users[0].deleted);
  }

  TEST_CASE("a hard delete is blocked while the user has a wallet row") {
    REQUIRE_SANDBOX();
    test_users users;
    auto id = users.create();

    auto hard = call("DELETE", "/auth/v1/admin/users/" + id, sb.service_key);

    CHECK(hard.status == 500);
    CHECK(text(hard.json, "code") == "23503");
  }

  TEST_CASE("results are cut silently at the server's row cap") {
    REQUIRE_SANDBOX();
    probe_table probe{1100};

    auto all = call("GET", probe.path("order=n.asc"), sb.service_key);
    auto asked =
      call("GET", probe.path("order=n.asc&limit=1100"), sb.service_key);
    auto rest =
      call("GET", probe.path("order=n.asc&offset=1000"), sb.service_key);
    auto counted = call("GET", probe.path("order=n.asc"), sb.service_key, {},
                        {}, {{"Prefer", "count=exact"}});

    REQUIRE(all.status == 200);
    CHECK(all.json.Size() == 1000);
    CHECK(all.resp.header("Content-Range") == "0-999/*");
    CHECK(asked.json.Size() == 1000);
    REQUIRE(rest.json.Size() == 100);
    CHECK(rest.json[0]["n"].GetInt() == 1001);
    CHECK(rest.resp.header("Content-Range") == "1000-1099/*");
    CHECK(counted.status == 206);
    CHECK(counted.resp.header("Content-Range") == "0-999/1100");
  }

  TEST_CASE("filters and ordering select the rows PostgREST would") {
    REQUIRE_SANDBOX();
    probe_table probe{50};
    auto count = [&](const std::string& query) {
      auto r = call("GET", probe.path(query), sb.service_key);
      REQUIRE(r.status == 200);
      return r.json.Size();
    };

    CHECK(count("n=gt.45") == 5);
    CHECK(count("n=gte.45") == 6);
    CHECK(count("n=lt.3") == 2);
    CHECK(count("n=lte.3") == 3);
    CHECK(count("n=neq.1") == 49);
    CHECK(count("n=in.(1,2,3,99)") == 3);
    CHECK(count("label=is.null") == 5);
    CHECK(count("label=not.is.null") == 45);
    CHECK(count("n=not.lt.48") == 3);
    CHECK(count("or=(n.eq.1,n.eq.2,label.is.null)") == 7);
    CHECK(count("and=(n.gt.10,or(n.lt.13,n.eq.50))") == 3);
    CHECK(count("label=like.row%201*") == 10);
    CHECK(count("n=gt.40&label=is.null") == 1);

    auto ordered = call("GET",
                        probe.path("select=n,label&order=label.desc."
                                   "nullsfirst,n.asc&limit=3"),
                        sb.service_key);
    REQUIRE(ordered.json.Size() == 3);
    CHECK(ordered.json[0]["n"].GetInt() == 10);
    CHECK(ordered.json[0]["label"].IsNull());
    CHECK(ordered.json[1]["n"].GetInt() == 20);
    auto selected =
      call("GET", probe.path("select=label&n=eq.7"), sb.service_key);
    REQUIRE(selected.json.Size() == 1);
    CHECK_FALSE(has(selected.json[0], "n"));
    CHECK(text(selected.json[0], "label") == "row 7");
  }

  TEST_CASE("upserts merge or ignore duplicates; a plain duplicate conflicts") {
    REQUIRE_SANDBOX();
    probe_table probe{5};
    auto label_of_1 = [&] {
      auto r = call("GET", probe.path("select=label&n=eq.1"), sb.service_key);
      return text(r.json[0], "label");
    };

    auto plain = call("POST", probe.path(), sb.service_key, {},
                      R"([{"n":1,"label":"plain"}])");
    auto ignored = call("POST", probe.path("on_conflict=n"), sb.service_key, {},
                        R"([{"n":1,"label":"ignored"},{"n":6,"label":"new"}])",
                        {{"Prefer", "resolution=ignore-duplicates,"
                                    "return=representation"}});
    CHECK(label_of_1() == "row 1");
    auto merged = call("POST", probe.path("on_conflict=n"), sb.service_key, {},
                       R"({"n":1,"label":"merged"})",
                       {{"Prefer", "resolution=merge-duplicates,"
                                   "return=representation"}});

    CHECK(plain.status == 409);
    CHECK(text(plain.json, "code") == "23505");
    CHECK(ignored.status == 201);
    REQUIRE(ignored.json.IsArray());
    CHECK(ignored.json.Size() == 1);
    CHECK(ignored.resp.header("Preference-Applied")
          == "resolution=ignore-duplicates, return=representation");
    CHECK(merged.status == 201);
    CHECK(label_of_1() == "merged");

    auto deleted = call("DELETE", probe.path("n=gte.5"), sb.service_key, {}, {},
                        {{"Prefer", "return=representation"}});
    auto quietly = call("DELETE", probe.path("n=eq.4"), sb.service_key);
    auto everything = call("DELETE", probe.path(), sb.service_key);
    auto left = call("GET", probe.path("select=n"), sb.service_key);
    CHECK(deleted.status == 200);
    CHECK(deleted.json.Size() == 2);
    CHECK(quietly.status == 204);
    CHECK(quietly.resp.body.empty());
    CHECK(everything.status == 400);
    CHECK(text(everything.json, "code") == "21000");
    CHECK(left.json.Size() == 3);
  }

  TEST_CASE("PostgREST errors carry the real codes and statuses") {
    REQUIRE_SANDBOX();
    test_users users;
    auto id = users.create();
    auto token = sb.user_token(id);
    auto svc = sb.service_key;
    auto code = [](const exchange& e) { return text(e.json, "code"); };

    auto no_table = call("GET", "/rest/v1/no_such_table", svc);
    auto no_column = call("GET", "/rest/v1/wallet?select=nope", svc);
    auto no_body_column =
      call("POST", "/rest/v1/wallet", svc, {}, R"({"nope":1})");
    auto bad_filter = call("GET", "/rest/v1/wallet?auth_id=equals.x", svc);
    auto bad_uuid = call("GET", "/rest/v1/wallet?auth_id=eq.x", svc);
    auto anon_ledger = call("GET", "/rest/v1/flowsync_ledger", sb.anon_key);
    auto user_ledger =
      call("GET", "/rest/v1/flowsync_ledger", sb.anon_key, token);
    auto unfiltered =
      call("PATCH", "/rest/v1/wallet", svc, {}, R"({"flow_address":null})");
    auto bad_status = call("POST", "/rest/v1/flowsync_ledger", svc, {},
                           R"({"tx_id":")" + std::string(64, 'a')
                             + R"(","kind":"top_up","auth_id":")" + id
                             + R"(","status":"lost"})");
    auto missing_tx =
      call("POST", "/rest/v1/flowsync_ledger", svc, {},
           R"({"kind":"top_up","auth_id":")" + id + R"(","status":"sent"})");
    auto bad_json = call("POST", "/rest/v1/wallet", svc, {}, "{not json");
    auto bad_token = call("GET", "/rest/v1/wallet", sb.anon_key,
                          token.substr(0, token.size() - 2) + "xx");

    CHECK(no_table.status == 404);
    CHECK(code(no_table) == "PGRST205");
    CHECK(no_column.status == 400);
    CHECK(code(no_column) == "42703");
    CHECK(no_body_column.status == 400);
    CHECK(code(no_body_column) == "PGRST204");
    CHECK(bad_filter.status == 400);
    CHECK(code(bad_filter) == "PGRST100");
    CHECK(bad_uuid.status == 400);
    CHECK(code(bad_uuid) == "22P02");
    CHECK(anon_ledger.status == 401);
    CHECK(code(anon_ledger) == "42501");
    CHECK(user_ledger.status == 403);
    CHECK(code(user_ledger) == "42501");
    CHECK(unfiltered.status == 400);
    CHECK(code(unfiltered) == "21000");
    CHECK(bad_status.status == 400);
    CHECK(code(bad_status) == "23514");
    CHECK(missing_tx.status == 400);
    CHECK(code(missing_tx) == "23502");
    CHECK(bad_json.status == 400);
    CHECK(code(bad_json) == "PGRST102");
    CHECK(bad_token.status == 401);
    CHECK(code(bad_token) == "PGRST301");
    for (const auto* e : {&no_table, &no_column, &bad_uuid, &anon_ledger})
      CHECK((has(e->json, "details") && has(e->json, "hint")
             && has(e->json, "message")));
  }

  TEST_CASE("a user's token reads and updates only its own wallet row") {
    REQUIRE_SANDBOX();
    test_users users;
    auto mine = users.create();
    auto theirs = users.create();
    auto token = sb.user_token(mine);

    auto seen =
      call("GET", "/rest/v1/wallet?select=auth_id", sb.anon_key, token);
    auto other =
      call("PATCH", "/rest/v1/wallet?auth_id=eq." + theirs, sb.anon_key, token,
           R"({"flow_address":"0000000000000001"})",
           {{"Prefer", "return=representation"}});
    auto own = call("PATCH", "/rest/v1/wallet?auth_id=eq." + mine, sb.anon_key,
                    token, R"({"flow_address":"0000000000000002"})",
                    {{"Prefer", "return=representation"}});
    auto anonymous = call("GET", "/rest/v1/wallet?select=auth_id", sb.anon_key);
    auto insert = call("POST", "/rest/v1/wallet", sb.anon_key, token,
                       R"({"auth_id":")" + theirs + R"("})");
    auto rows = client(sb.service_key)->wallets_for({mine, theirs});

    REQUIRE(seen.status == 200);
    REQUIRE(seen.json.Size() == 1);
    CHECK(text(seen.json[0], "auth_id") == mine);
    CHECK(other.status == 200);
    CHECK(other.json.Size() == 0);
    CHECK(own.status == 200);
    CHECK(own.json.Size() == 1);
    CHECK(anonymous.json.Size() == 0);
    CHECK(insert.status == 403);
    REQUIRE(rows);
    REQUIRE(rows->size() == 2);
    for (const auto& row : *rows)
      CHECK(row.flow_address
            == (row.auth_id == mine ? "0000000000000002" : ""));
  }

  TEST_CASE("the client adapter keeps wallets and the ledger in the database") {
    REQUIRE_SANDBOX();
    test_users users;
    auto id = users.create();
    auto api = client(sb.service_key);
    std::string key_a(128, 'a');
    std::string key_b(128, 'b');

    REQUIRE(api->check_schema());
    auto inserted = api->insert_wallets({id});
    REQUIRE(inserted);
    REQUIRE(inserted->size() == 1);
    CHECK(inserted->at(0).flow_public_key.empty());
    auto has = [&](const result<std::vector<std::string>>& ids) {
      REQUIRE(ids);
      return std::find(ids->begin(), ids->end(), id) != ids->end();
    };
    auto stored = api->store_keys({{id, key_a, "sealed-a"}});
    auto again = api->store_keys({{id, key_a, "sealed-a"}});
    auto other = api->store_keys({{id, key_b, "sealed-b"}});
    auto wrong_key = api->store_addresses({{id, key_b, "01cf0e2f2f715450"}});
    auto address = api->store_addresses({{id, key_a, "01cf0e2f2f715450"}});
    auto retried = api->store_addresses({{id, key_a, "01cf0e2f2f715450"}});
    auto moved = api->store_addresses({{id, key_a, "01cf0e2f2f715451"}});
    auto after = api->wallets_for({id});

    // A repeated call reports the rows an earlier one wrote; a different
    // key or address does not overwrite.
    CHECK(has(stored));
    CHECK(has(again));
    CHECK_FALSE(has(other));
    CHECK_FALSE(has(wrong_key));
    CHECK(has(address));
    CHECK(has(retried));
    CHECK_FALSE(has(moved));
    REQUIRE(after);
    REQUIRE(after->size() == 1);
    CHECK(after->at(0).flow_public_key == key_a);
    CHECK(after->at(0).flow_address == "01cf0e2f2f715450");

    ledger_entry entry;
    entry.tx_id = std::string(60, 'c') + "0123";
    entry.kind = ledger_kind::top_up;
    entry.auth_id = id;
    entry.address = "01cf0e2f2f715450";
    entry.amount = "0.10000000";
    entry.reference_height = 77;
    REQUIRE(api->insert_ledger({entry}));
    REQUIRE(api->insert_ledger({entry}));
    auto open = api->open_ledger_entries();
    REQUIRE(open);
    auto found = std::find_if(open->begin(), open->end(), [&](auto& e) {
      return e.auth_id == id && e.tx_id == entry.tx_id;
    });
    REQUIRE(found != open->end());
    CHECK(found->reference_height == 77);
    CHECK(found->amount == "0.10000000");
    auto top_ups = api->top_ups_since("2000-01-01T00:00:00Z");
    REQUIRE(top_ups);
    CHECK(std::count_if(top_ups->begin(), top_ups->end(),
                        [&](auto& e) { return e.auth_id == id; })
          == 1);

    REQUIRE(
      api->settle_ledger({{entry.tx_id, id, ledger_status::sealed, 0, ""}}));
    auto closed = api->open_ledger_entries();
    REQUIRE(closed);
    CHECK(std::none_of(closed->begin(), closed->end(),
                       [&](auto& e) { return e.auth_id == id; }));
    // A late 'sent' (a retried request landing after the outcome) or a
    // second outcome leaves the row as it was, without an error.
    CHECK(api->settle_ledger({{entry.tx_id, "", ledger_status::sent, 0, ""}}));
    CHECK(
      api->settle_ledger({{entry.tx_id, id, ledger_status::failed, 1101, ""}}));
    database db{sb.pg_url};
    auto kept = db.run("select status || ' ' || error_code from "
                       "public.flowsync_ledger where tx_id = $1",
                       {entry.tx_id});
    CHECK(kept == "sealed 0");
    auto missing = api->settle_ledger(
      {{std::string(64, 'e'), id, ledger_status::failed, 1101, ""}});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ec::not_found);
  }

  TEST_CASE("injected faults answer as configured and are counted") {
    REQUIRE_SANDBOX();
    probe_table probe{20};
    auto previous = call("GET", "/_standin/faults", {});
    auto stats_of = [&](const char* kind) {
      auto s = call("GET", "/_standin/stats", {});
      return s.json["faults"][kind].GetUint64();
    };
    auto set_faults = [&](const std::string& kinds) {
      auto r = call("POST", "/_standin/faults", {}, {},
                    R"({"rate":1,"kinds":[)" + kinds + R"(],"paths":[")"
                      + probe.path() + R"("],"seed":7})");
      REQUIRE(r.status == 200);
    };

    auto before = stats_of("429");
    set_faults(R"("429")");
    auto limited = call("GET", probe.path(), sb.service_key);
    auto unaffected =
      call("GET", "/rest/v1/wallet?select=id&limit=1", sb.service_key);
    CHECK(limited.status == 429);
    CHECK(limited.resp.header("Retry-After") == "1");
    CHECK(unaffected.status == 200);
    CHECK(stats_of("429") == before + 1);

    set_faults(R"("truncated")");
    auto truncated = call("GET", probe.path(), sb.service_key);
    CHECK(truncated.status == 200);
    CHECK(truncated.json.HasParseError());

    set_faults(R"("drop")");
    auto dropped = call("GET", probe.path(), sb.service_key);
    CHECK(dropped.transport_failed);

    set_faults(R"("500","503")");
    auto failed = call("GET", probe.path(), sb.service_key);
    CHECK((failed.status == 500 || failed.status == 503));

    // Limited to a method, faults spare the other methods of the path.
    auto by_method = call("POST", "/_standin/faults", {}, {},
                          R"({"rate":1,"kinds":["500"],"methods":["POST"],)"
                          R"("paths":[")"
                            + probe.path() + R"("],"seed":7})");
    REQUIRE(by_method.status == 200);
    CHECK(call("GET", probe.path(), sb.service_key).status == 200);
    CHECK(call("POST", probe.path(), sb.service_key, {}, "{}").status == 500);

    auto bad = call("POST", "/_standin/faults", {}, {},
                    R"({"rate":1,"kinds":["meteor"]})");
    CHECK(bad.status == 400);

    auto restore = previous.resp.body.empty() ? std::string{R"({"rate":0})"}
                                              : previous.resp.body;
    CHECK(call("POST", "/_standin/faults", {}, {}, restore).status == 200);
    CHECK(call("GET", probe.path(), sb.service_key).status == 200);
  }

} // TEST_SUITE
