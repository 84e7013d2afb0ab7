// The Supabase client against an in-process HTTP server that answers the
// way the Auth service and PostgREST do.

#include "adapters/supabase.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace flowsync;

namespace {

// A page of the Auth admin users list with the odd cases (anonymous,
// soft-deleted, banned, phone-only, OAuth), shaped as the service shapes it.
constexpr const char* users_fixture = R"json({
  "users": [
    {
      "id": "7a3f0000-0000-0000-0000-000000000006",
      "aud": "authenticated",
      "role": "authenticated",
      "email": "angler.six@example.com",
      "email_confirmed_at": "2026-11-30T08:15:02.118544Z",
      "phone": "",
      "confirmed_at": "2026-11-30T08:15:02.118544Z",
      "last_sign_in_at": "2026-12-01T19:02:40.51873Z",
      "app_metadata": {
        "provider": "email",
        "providers": [
          "email"
        ]
      },
      "user_metadata": {
        "email_verified": true
      },
      "identities": [
        {
          "identity_id": "00000000-0000-0000-0000-000000001771",
          "id": "7a3f0000-0000-0000-0000-000000000006",
          "user_id": "7a3f0000-0000-0000-0000-000000000006",
          "identity_data": {
            "email": "angler.six@example.com",
            "email_verified": false,
            "phone_verified": false,
            "sub": "7a3f0000-0000-0000-0000-000000000006"
          },
          "provider": "email",
          "last_sign_in_at": "2026-11-30T08:15:02.11Z",
          "created_at": "2026-11-30T08:15:02.11Z",
          "updated_at": "2026-11-30T08:15:02.11Z",
          "email": "angler.six@example.com"
        }
      ],
      "created_at": "2026-11-30T08:15:02.101Z",
      "updated_at": "2026-12-01T19:02:40.52Z",
      "is_anonymous": false
    },
    {
      "id": "7a3f0000-0000-0000-0000-000000000005",
      "aud": "authenticated",
      "role": "authenticated",
      "email": "",
      "phone": "",
      "app_metadata": {},
      "user_metadata": {},
      "identities": [],
      "created_at": "2026-11-29T22:01:11.4Z",
      "updated_at": "2026-11-29T22:01:11.4Z",
      "is_anonymous": true
    },
    {
      "id": "7a3f0000-0000-0000-0000-000000000004",
      "aud": "authenticated",
      "role": "authenticated",
      "email": "5b2d0c1e9f@deleted.invalid",
      "phone": "",
      "app_metadata": {},
      "user_metadata": {},
      "identities": [],
      "created_at": "2026-11-20T10:00:00Z",
      "updated_at": "2026-11-28T09:30:00Z",
      "deleted_at": "2026-11-28T09:30:00Z",
      "is_anonymous": false
    },
    {
      "id": "7a3f0000-0000-0000-0000-000000000003",
      "aud": "authenticated",
      "role": "authenticated",
      "email": "banned.angler@example.com",
      "email_confirmed_at": "2026-11-10T12:00:00Z",
      "phone": "",
      "confirmed_at": "2026-11-10T12:00:00Z",
      "app_metadata": {
        "provider": "email",
        "providers": [
          "email"
        ]
      },
      "user_metadata": {},
      "identities": [],
      "created_at": "2026-11-10T12:00:00Z",
      "updated_at": "2026-11-25T12:00:00Z",
      "banned_until": "2126-11-25T12:00:00Z",
      "is_anonymous": false
    },
    {
      "id": "7a3f0000-0000-0000-0000-000000000002",
      "aud": "authenticated",
      "role": "authenticated",
      "email": "",
      "phone": "15550100123",
      "phone_confirmed_at": "2026-11-05T07:07:07Z",
      "confirmed_at": "2026-11-05T07:07:07Z",
      "app_metadata": {
        "provider": "phone",
        "providers": [
          "phone"
        ]
      },
      "user_metadata": {},
      "identities": [],
      "created_at": "2026-11-05T07:07:07Z",
      "updated_at": "2026-11-05T07:07:07Z",
      "is_anonymous": false
    },
    {
      "id": "7a3f0000-0000-0000-0000-000000000001",
      "aud": "authenticated",
      "role": "authenticated",
      "email": "oauth.angler@example.com",
      "email_confirmed_at": "2026-11-01T00:00:01Z",
      "phone": "",
      "confirmed_at": "2026-11-01T00:00:01Z",
      "app_metadata": {
        "provider": "google",
        "providers": [
          "google"
        ]
      },
      "user_metadata": {
        "full_name": "Ørjan Ñúñez 🎣",
        "avatar_url": "https://example.com/a.png"
      },
      "identities": [
        {
          "identity_id": "00000000-0000-0000-0000-0000000003e9",
          "id": "104918273645500918273",
          "user_id": "7a3f0000-0000-0000-0000-000000000001",
          "identity_data": {
            "email": "oauth.angler@example.com",
            "sub": "104918273645500918273"
          },
          "provider": "google",
          "created_at": "2026-11-01T00:00:01Z",
          "updated_at": "2026-11-01T00:00:01Z",
          "email": "oauth.angler@example.com"
        }
      ],
      "created_at": "2026-11-01T00:00:01Z",
      "updated_at": "2026-11-01T00:00:01Z",
      "is_anonymous": false
    }
  ],
  "aud": "authenticated"
})json";

constexpr const char* service_key = "test-service-role-key";

constexpr const char* user_a = "7a3f0000-0000-0000-0000-00000000000a";
constexpr const char* user_b = "7a3f0000-0000-0000-0000-00000000000b";

const std::string public_key(128, 'a');

/// What the fake server saw of one request.
struct seen_request {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;
  std::string prefer;
  std::string apikey;
  std::string authorization;
  std::string body;

  std::string param(const std::string& key) const {
    auto i = params.find(key);
    return i == params.end() ? std::string{} : i->second;
  }
};

using answer_fn =
  std::function<void(const seen_request&, httplib::Response& res)>;

/// An HTTP server on a random loopback port, answering with `answer`.
class fake_supabase {
 public:
  fake_supabase() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      seen_request seen{req.method,
                        req.path,
                        {req.params.begin(), req.params.end()},
                        req.get_header_value("Prefer"),
                        req.get_header_value("apikey"),
                        req.get_header_value("Authorization"),
                        req.body};
      answer_fn fn;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        seen_.push_back(seen);
        fn = answer_;
      }
      if (fn)
        fn(seen, res);
      else
        res.status = 500;
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Patch(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread{[this] { server_.listen_after_bind(); }};
    for (int i = 0; i < 200 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }

  ~fake_supabase() {
    server_.stop();
    thread_.join();
  }

  void answer(answer_fn fn) {
    std::lock_guard<std::mutex> guard{mtx_};
    answer_ = std::move(fn);
  }

  std::vector<seen_request> seen() {
    std::lock_guard<std::mutex> guard{mtx_};
    return seen_;
  }

  std::unique_ptr<supabase_api> client() {
    supabase_options options;
    options.url = "http://127.0.0.1:" + std::to_string(port_) + "/";
    options.service_role_key = secret{service_key};
    options.timeout = std::chrono::milliseconds{5000};
    return make_supabase_client(std::move(options));
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mtx_;
  answer_fn answer_;
  std::vector<seen_request> seen_;
};

void json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

std::string wallet_json(const std::string& auth_id, const char* address) {
  return R"({"id":"0b0b0000-0000-0000-0000-000000000001","created_at":)"
         R"("2026-12-01T00:00:00+00:00","auth_id":")"
         + auth_id + R"(","flow_address":)" + address
         + R"(,"flow_private_key":null,"flow_public_key":null})";
}

std::string ledger_json(int id, const char* status) {
  return R"({"id":)" + std::to_string(id)
         + R"(,"created_at":"2026-12-01T00:00:00+00:00","tx_id":")"
         + std::string(64, 'f') + R"(","kind":"top_up","auth_id":")" + user_a
         + R"(","address":"01cf0e2f2f715450","amount":"0.10000000",)"
           R"("status":")"
         + status
         + R"(","error_code":0,"reference_height":42,)"
           R"("proposal_key_index":2,"sequence_number":7})";
}

ledger_entry sample_entry() {
  ledger_entry e;
  e.tx_id = std::string(64, 'a');
  e.kind = ledger_kind::create_account;
  e.auth_id = user_a;
  e.status = ledger_status::signed_tx;
  e.reference_height = 1234;
  e.proposal_key_index = 3;
  e.sequence_number = 99;
  return e;
}

} // namespace

TEST_SUITE("supabase client") {

  TEST_CASE("a page of users is read with its paging headers") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      res.set_header("Link", R"(</admin/users?page=3&per_page=6>; rel="next", )"
                             R"(</admin/users?page=5&per_page=6>; rel="last")");
      res.set_header("X-Total-Count", "27");
      json(res, 200, users_fixture);
    });

    auto page = fake.client()->list_users(2, 6);

    REQUIRE(page);
    CHECK(page->users.size() == 6);
    CHECK(page->rejected.empty());
    CHECK(page->total == 27);
    CHECK(page->next_page == 3);
    CHECK(page->users[0].id == "7a3f0000-0000-0000-0000-000000000006");
    CHECK(page->users[0].created_at == "2026-11-30T08:15:02.101Z");
    CHECK_FALSE(page->users[0].anonymous);
    CHECK(page->users[1].anonymous);
    CHECK(page->users[2].deleted);
    CHECK(page->users[3].banned);
    CHECK_FALSE(page->users[4].banned);
    CHECK_FALSE(page->users[5].deleted);
    auto seen = fake.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].path == "/auth/v1/admin/users");
    CHECK(seen[0].param("page") == "2");
    CHECK(seen[0].param("per_page") == "6");
    CHECK(seen[0].apikey == service_key);
    CHECK(seen[0].authorization == std::string{"Bearer "} + service_key);
  }

  TEST_CASE("the last page has no next page and a missing total reads as -1") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      res.set_header("Link", R"(</admin/users?page=5&per_page=6>; rel="last")");
      json(res, 200, R"({"users":[],"aud":"authenticated"})");
    });

    auto page = fake.client()->list_users(5, 6);

    REQUIRE(page);
    CHECK(page->users.empty());
    CHECK(page->next_page == 0);
    CHECK(page->total == -1);
  }

  TEST_CASE("odd user records are rejected one by one and the rest is used") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      res.set_header("X-Total-Count", "9");
      json(res, 200, R"({"users":[
      {"aud":"authenticated","created_at":"2026-01-01T00:00:00Z"},
      {"id":42},
      {"id":"not-a-uuid"},
      {"id":"7A3F0000-0000-0000-0000-0000000000AA","created_at":17,
       "is_anonymous":false},
      {"id":"7a3f0000-0000-0000-0000-0000000000ab","is_anonymous":"yes"},
      {"id":"7a3f0000-0000-0000-0000-0000000000ac","banned_until":"soon"},
      "just a string",
      {"id":"7A3F0000-0000-0000-0000-0000000000AD","created_at":
       "2026-01-02T00:00:00Z","banned_until":"2001-01-01T00:00:00+02:00",
       "favourite_fish":"pike","deleted_at":null},
      {"id":"7a3f0000-0000-0000-0000-0000000000ae","banned_until":
       "2999-01-01T00:00:00.5Z"}
    ],"aud":"authenticated"})");
    });

    auto page = fake.client()->list_users(1, 50);

    REQUIRE(page);
    REQUIRE(page->users.size() == 2);
    CHECK(page->users[0].id == "7a3f0000-0000-0000-0000-0000000000ad");
    CHECK_FALSE(page->users[0].banned);
    CHECK_FALSE(page->users[0].deleted);
    CHECK(page->users[1].banned);
    REQUIRE(page->rejected.size() == 7);
    CHECK(page->rejected[0].index == 0);
    CHECK(page->rejected[0].reason == "id is missing or not a string");
    CHECK(page->rejected[1].index == 1);
    CHECK(page->rejected[2].reason == "id is not a UUID");
    CHECK(page->rejected[3].id == "7a3f0000-0000-0000-0000-0000000000aa");
    CHECK(page->rejected[3].reason == "created_at is not a string");
    CHECK(page->rejected[4].reason == "is_anonymous is not a boolean");
    CHECK(page->rejected[5].reason
          == "banned_until is not an RFC 3339 timestamp");
    CHECK(page->rejected[6].index == 6);
    CHECK(page->rejected[6].reason == "record is not an object");
  }

  TEST_CASE("users are looked up one by one; a missing one is left out") {
    fake_supabase fake;
    std::vector<std::string> paths;
    fake.answer([&paths](const seen_request& req, httplib::Response& res) {
      paths.push_back(req.method + " " + req.path);
      auto id = req.path.substr(req.path.rfind('/') + 1);
      if (id == "7a3f0000-0000-0000-0000-0000000000b1")
        json(res, 200,
             R"({"id":"7a3f0000-0000-0000-0000-0000000000b1",)"
             R"("created_at":"2026-01-01T00:00:00Z","is_anonymous":true})");
      else if (id == "7a3f0000-0000-0000-0000-0000000000b2")
        json(res, 404,
             R"({"code":404,"error_code":"user_not_found",)"
             R"("msg":"User not found"})");
      else
        json(res, 200, R"({"id":"7a3f0000-0000-0000-0000-0000000000ff"})");
    });
    auto client = fake.client();

    auto users = client->get_users({"7A3F0000-0000-0000-0000-0000000000B1",
                                    "7a3f0000-0000-0000-0000-0000000000b2",
                                    "7a3f0000-0000-0000-0000-0000000000b3"});
    auto refused = client->get_users({"../rest/v1/wallet"});

    REQUIRE(users);
    REQUIRE(users->users.size() == 1);
    CHECK(users->users[0].id == "7a3f0000-0000-0000-0000-0000000000b1");
    CHECK(users->users[0].anonymous);
    REQUIRE(users->rejected.size() == 1);
    CHECK(users->rejected[0].id == "7a3f0000-0000-0000-0000-0000000000b3");
    CHECK(users->rejected[0].reason == "the answer names another user");
    REQUIRE(paths.size() == 3);
    CHECK(paths[0]
          == "GET /auth/v1/admin/users/7a3f0000-0000-0000-0000-0000000000b1");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ec::invalid_input);
    CHECK(paths.size() == 3);
  }

  TEST_CASE("a page that is not the expected JSON is a parse error") {
    fake_supabase fake;
    std::string body;
    fake.answer([&body](const seen_request&, httplib::Response& res) {
      json(res, 200, body);
    });
    auto client = fake.client();

    body = std::string{users_fixture}.substr(0, 700);
    auto truncated = client->list_users(1, 50);
    body = R"({"aud":"authenticated"})";
    auto no_users = client->list_users(1, 50);
    body = R"([1,2,3])";
    auto not_object = client->list_users(1, 50);

    REQUIRE_FALSE(truncated);
    CHECK(truncated.error().code == ec::parse_error);
    REQUIRE_FALSE(no_users);
    CHECK(no_users.error().code == ec::parse_error);
    REQUIRE_FALSE(not_object);
    CHECK(not_object.error().code == ec::parse_error);
  }

  TEST_CASE("a rate-limited answer carries its Retry-After") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      res.set_header("Retry-After", "1");
      json(res, 429,
           R"({"code":429,"error_code":"over_request_rate_limit",)"
           R"("msg":"Request rate limit reached"})");
    });

    auto page = fake.client()->list_users(1, 50);

    REQUIRE_FALSE(page);
    CHECK(page.error().code == ec::rate_limited);
    CHECK(page.error().http_status == 429);
    CHECK(page.error().retry_after == doctest::Approx(1.0));
    CHECK(is_retryable(page.error()));
    CHECK(page.error().message.find("over_request_rate_limit")
          != std::string::npos);
  }

  TEST_CASE("a server error is retryable and its body stays out of messages") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 500, R"(not json at all: leaked-row-data)");
    });

    auto rows = fake.client()->wallets_after("", 10);

    REQUIRE_FALSE(rows);
    CHECK(rows.error().code == ec::server_error);
    CHECK(is_retryable(rows.error()));
    CHECK(rows.error().message.find("leaked-row-data") == std::string::npos);
    CHECK(rows.error().message.find(service_key) == std::string::npos);
  }

  TEST_CASE("a PostgREST error names its code and message in the failure") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 409,
           R"({"code":"23503","details":"Key (auth_id)=(x) is not present.",)"
           R"("hint":null,"message":"insert or update on table \"wallet\" )"
           R"(violates foreign key constraint"})");
    });

    auto rows = fake.client()->insert_wallets({user_a});

    REQUIRE_FALSE(rows);
    CHECK(rows.error().code == ec::request_rejected);
    CHECK(rows.error().http_status == 409);
    CHECK(rows.error().message.find("23503") != std::string::npos);
    CHECK(rows.error().message.find("Key (auth_id)") == std::string::npos);
  }

  TEST_CASE("truncated wallet rows are a parse error") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      auto body = "[" + wallet_json(user_a, "null") + "]";
      json(res, 200, body.substr(0, body.size() / 2));
    });

    auto rows = fake.client()->wallets_after("", 10);

    REQUIRE_FALSE(rows);
    CHECK(rows.error().code == ec::parse_error);
  }

  TEST_CASE("wallets_after pages by auth_id and reads NULL as empty") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 200,
           "[" + wallet_json(user_b, "\"01cf0e2f2f715450\"") + ", "
             + wallet_json(user_a, "null") + "]");
    });

    auto rows = fake.client()->wallets_after(user_a, 500);

    REQUIRE(rows);
    REQUIRE(rows->size() == 2);
    CHECK((*rows)[0].flow_address == "01cf0e2f2f715450");
    CHECK((*rows)[1].flow_address.empty());
    CHECK((*rows)[1].flow_public_key.empty());
    auto seen = fake.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].path == "/rest/v1/wallet");
    CHECK(seen[0].param("order") == "auth_id.asc");
    CHECK(seen[0].param("limit") == "500");
    CHECK(seen[0].param("auth_id") == std::string{"gt."} + user_a);
    CHECK(seen[0].param("select").find("flow_private_key")
          != std::string::npos);
  }

  TEST_CASE("insert_wallets upserts, ignoring existing rows, then reads back") {
    fake_supabase fake;
    fake.answer([](const seen_request& req, httplib::Response& res) {
      if (req.method == "POST") {
        res.status = 201;
        return;
      }
      json(res, 200,
           "[" + wallet_json(user_a, "null") + ", "
             + wallet_json(user_b, "\"\"") + "]");
    });

    auto rows = fake.client()->insert_wallets({user_a, user_b, user_a});

    REQUIRE(rows);
    CHECK(rows->size() == 2);
    auto seen = fake.seen();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].param("on_conflict") == "auth_id");
    CHECK(seen[0].prefer.find("resolution=ignore-duplicates")
          != std::string::npos);
    CHECK(seen[0].body
          == std::string{R"([{"auth_id":")"} + user_a + R"("},{"auth_id":")"
               + user_b + R"("}])");
    CHECK(seen[1].method == "GET");
    CHECK(seen[1].param("auth_id")
          == std::string{"in.("} + user_a + "," + user_b + ")");
  }

  TEST_CASE("store_keys is one call of the migration's function for all rows") {
    fake_supabase fake;
    std::string answer = R"([")" + std::string{user_a} + R"("])";
    fake.answer([&answer](const seen_request&, httplib::Response& res) {
      json(res, 200, answer);
    });
    auto client = fake.client();

    auto stored = client->store_keys(
      {{user_a, public_key, "sealed-a"}, {user_b, public_key, "sealed-b"}});

    REQUIRE(stored);
    CHECK(*stored == std::vector<std::string>{user_a});
    auto seen = fake.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].path == "/rest/v1/rpc/flowsync_store_keys");
    CHECK(seen[0].body
          == R"({"rows":[{"auth_id":")" + std::string{user_a}
               + R"(","public_key":")" + public_key
               + R"(","sealed_key":"sealed-a"},{"auth_id":")" + user_b
               + R"(","public_key":")" + public_key
               + R"(","sealed_key":"sealed-b"}]})");
  }

  TEST_CASE("store_addresses sends normalised addresses and reads the users "
            "written") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 200, "[]");
    });

    auto stored = fake.client()->store_addresses(
      {{user_a, public_key, "0x01CF0E2F2F715450"}});

    REQUIRE(stored);
    CHECK(stored->empty());
    auto seen = fake.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].path == "/rest/v1/rpc/flowsync_store_addresses");
    CHECK(seen[0].body.find(R"("address":"01cf0e2f2f715450")")
          != std::string::npos);
  }

  TEST_CASE("a missing bulk function is a configuration error naming the "
            "fix") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 404,
           R"({"code":"PGRST202","details":null,"hint":null,"message":)"
           R"("Could not find the function"})");
    });

    auto stored = fake.client()->store_keys({{user_a, public_key, "s"}});

    REQUIRE_FALSE(stored);
    CHECK(stored.error().code == ec::config);
    CHECK(stored.error().message.find("flowsync migrate --print")
          != std::string::npos);
  }

  TEST_CASE("insert_ledger writes every column, NULL for empty ones") {
    fake_supabase fake;
    fake.answer(
      [](const seen_request&, httplib::Response& res) { res.status = 201; });
    auto entry = sample_entry();
    auto top_up = sample_entry();
    top_up.kind = ledger_kind::top_up;
    top_up.address = "01cf0e2f2f715450";
    top_up.amount = "0.10000000";

    auto written = fake.client()->insert_ledger({entry, top_up});

    REQUIRE(written);
    auto seen = fake.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].path == "/rest/v1/flowsync_ledger");
    CHECK(seen[0].param("on_conflict") == "tx_id,auth_id");
    CHECK(seen[0].prefer.find("resolution=ignore-duplicates")
          != std::string::npos);
    CHECK(seen[0].body.find(R"("address":null,"amount":null)")
          != std::string::npos);
    CHECK(seen[0].body.find(R"("kind":"top_up")") != std::string::npos);
    CHECK(seen[0].body.find(R"("amount":"0.10000000")") != std::string::npos);
    CHECK(seen[0].body.find(R"("status":"signed")") != std::string::npos);
    CHECK(seen[0].body.find(R"("reference_height":1234)") != std::string::npos);
  }

  TEST_CASE("settling a transaction without rows is not found") {
    fake_supabase fake;
    fake.answer(
      [](const seen_request&, httplib::Response& res) { json(res, 200, "0"); });

    auto settled = fake.client()->settle_ledger(
      {{std::string(64, 'b'), "", ledger_status::sealed, 0,
        "01cf0e2f2f715450"}});

    REQUIRE_FALSE(settled);
    CHECK(settled.error().code == ec::not_found);
    auto seen = fake.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].path == "/rest/v1/rpc/flowsync_settle_ledger");
    CHECK(seen[0].body
          == R"({"rows":[{"tx_id":")" + std::string(64, 'b')
               + R"(","auth_id":null,"status":"sealed","error_code":0,)"
                 R"("address":"01cf0e2f2f715450"}]})");
  }

  TEST_CASE("open ledger entries are read page by page by id") {
    fake_supabase fake;
    fake.answer([](const seen_request& req, httplib::Response& res) {
      auto after = req.param("id");
      if (after == "gt.0")
        json(res, 200,
             "[" + ledger_json(3, "signed") + "," + ledger_json(8, "sent")
               + "]");
      else if (after == "gt.8")
        json(res, 200, "[" + ledger_json(11, "sent") + "]");
      else
        json(res, 200, "[]");
    });

    auto open = fake.client()->open_ledger_entries();

    REQUIRE(open);
    REQUIRE(open->size() == 3);
    CHECK((*open)[0].id == 3);
    CHECK((*open)[0].status == ledger_status::signed_tx);
    CHECK((*open)[1].status == ledger_status::sent);
    CHECK((*open)[2].kind == ledger_kind::top_up);
    CHECK((*open)[2].amount == "0.10000000");
    CHECK((*open)[2].reference_height == 42);
    CHECK((*open)[2].proposal_key_index == 2);
    CHECK((*open)[2].sequence_number == 7);
    auto seen = fake.seen();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].param("status") == "in.(signed,sent)");
    CHECK(seen[0].param("order") == "id.asc");
    CHECK(seen[2].param("id") == "gt.11");
  }

  TEST_CASE("a ledger row with an unknown status is a parse error") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 200, "[" + ledger_json(3, "pending") + "]");
    });

    auto open = fake.client()->open_ledger_entries();

    REQUIRE_FALSE(open);
    CHECK(open.error().code == ec::parse_error);
  }

  TEST_CASE("top_ups_since filters by kind and creation time") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 200, "[]");
    });

    auto rows = fake.client()->top_ups_since("2026-12-01T00:00:00+00:00");

    REQUIRE(rows);
    auto seen = fake.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].param("kind") == "eq.top_up");
    CHECK(seen[0].param("created_at") == "gte.2026-12-01T00:00:00+00:00");
  }

  TEST_CASE("a missing ledger table is a configuration error naming the fix") {
    fake_supabase fake;
    fake.answer([](const seen_request& req, httplib::Response& res) {
      if (req.path == "/rest/v1/wallet")
        json(res, 200, "[]");
      else
        json(res, 404,
             R"({"code":"PGRST205","details":null,"hint":null,"message":)"
             R"("Could not find the table 'public.flowsync_ledger' in the )"
             R"(schema cache"})");
    });

    auto checked = fake.client()->check_schema();

    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ec::config);
    CHECK(checked.error().message.find("flowsync migrate --print")
          != std::string::npos);
  }

  TEST_CASE("a refused key is a configuration error") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 401,
           R"({"message":"Invalid API key","hint":"Double check your )"
           R"(Supabase `anon` or `service_role` API key."})");
    });

    auto checked = fake.client()->check_schema();

    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ec::config);
    CHECK(checked.error().message.find(service_key) == std::string::npos);
  }

  TEST_CASE("a schema check against a healthy project passes") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 200, "[]");
    });

    auto checked = fake.client()->check_schema();

    CHECK(checked);
    CHECK(fake.seen().size() == 3);
  }

  TEST_CASE("bad input is refused before any request is sent") {
    fake_supabase fake;
    fake.answer([](const seen_request&, httplib::Response& res) {
      json(res, 200, "[]");
    });
    auto client = fake.client();
    auto bad_tx = sample_entry();
    bad_tx.tx_id = "abc";
    auto bad_amount = sample_entry();
    bad_amount.amount = "0.1";

    auto page = client->list_users(0, 50);
    auto after = client->wallets_after("'; drop table wallet; --", 10);
    auto keys = client->store_keys({{"not-a-uuid", public_key, "sealed"}});
    auto short_key = client->store_keys({{user_a, "abcd", "sealed"}});
    auto no_seal = client->store_keys({{user_a, public_key, ""}});
    auto address = client->store_addresses({{user_a, public_key, "0x12"}});
    auto ids = client->insert_wallets({user_a, "nope"});
    auto tx = client->insert_ledger({bad_tx});
    auto amount = client->insert_ledger({bad_amount});
    auto update =
      client->settle_ledger({{"zz", "", ledger_status::failed, 1, ""}});
    auto since = client->top_ups_since("today&kind=neq.top_up");

    for (const auto* f :
         {&page.error(), &after.error(), &keys.error(), &short_key.error(),
          &no_seal.error(), &address.error(), &ids.error(), &tx.error(),
          &amount.error(), &update.error(), &since.error()})
      CHECK(f->code == ec::invalid_input);
    CHECK(fake.seen().empty());
  }

  TEST_CASE("nothing to write sends nothing") {
    fake_supabase fake;

    auto wallets = fake.client()->insert_wallets({});
    auto ledger = fake.client()->insert_ledger({});

    REQUIRE(wallets);
    CHECK(wallets->empty());
    CHECK(ledger);
    CHECK(fake.seen().empty());
  }

  TEST_CASE("a refused connection is a retryable transport failure") {
    // A port that was free a moment ago and has nobody listening now.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    socklen_t size = sizeof(addr);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
    int port = ntohs(addr.sin_port);
    ::close(fd);
    supabase_options options;
    options.url = "http://127.0.0.1:" + std::to_string(port);
    options.service_role_key = secret{service_key};
    auto client = make_supabase_client(std::move(options));

    auto page = client->list_users(1, 50);

    REQUIRE_FALSE(page);
    CHECK(page.error().code == ec::transport);
    CHECK(is_retryable(page.error()));
  }

  TEST_CASE("ledger kinds and statuses read back as they are written") {
    for (auto kind : {ledger_kind::create_account, ledger_kind::setup_vault,
                      ledger_kind::top_up}) {
      auto parsed = parse_ledger_kind(to_string(kind));
      REQUIRE(parsed);
      CHECK(*parsed == kind);
    }
    for (auto status :
         {ledger_status::signed_tx, ledger_status::sent, ledger_status::sealed,
          ledger_status::failed, ledger_status::expired}) {
      auto parsed = parse_ledger_status(to_string(status));
      REQUIRE(parsed);
      CHECK(*parsed == status);
    }
    CHECK(std::string{to_string(ledger_status::signed_tx)} == "signed");
    CHECK_FALSE(parse_ledger_kind("refund"));
    CHECK_FALSE(parse_ledger_status("Sealed"));
  }

} // TEST_SUITE
