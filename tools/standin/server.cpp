#include "tools/standin/server.hpp"

#include "tools/standin/auth_api.hpp"
#include "tools/standin/jwt.hpp"
#include "tools/standin/pg.hpp"
#include "tools/standin/reply.hpp"
#include "tools/standin/rest_api.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>

#include <httplib.h>

namespace flowsync::standin {

namespace {

using params_list = std::vector<std::pair<std::string, std::string>>;

/// Who is calling, as the gateway and the JWT say.
struct caller {
  std::string role;
  jwt_claims claims;
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string percent_decode(std::string_view text) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0
               && hex(text[i + 2]) >= 0) {
      out.push_back(
        static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The query parameters in the order they came, taken from the request
// target alone: httplib would also parse a form-encoded body into params.
params_list params_of(const httplib::Request& req) {
  params_list out;
  auto q = req.target.find('?');
  if (q == std::string::npos)
    return out;
  std::string_view query{req.target};
  query.remove_prefix(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    if (!item.empty()) {
      auto eq = item.find('=');
      out.emplace_back(percent_decode(item.substr(0, eq)),
                       eq == std::string_view::npos
                         ? std::string{}
                         : percent_decode(item.substr(eq + 1)));
    }
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

bool dated_api(const httplib::Request& req) {
  auto version = req.get_header_value("X-Supabase-Api-Version");
  return !version.empty() && version >= "2024-01-01";
}

std::string bearer_of(const httplib::Request& req, bool& malformed) {
  malformed = false;
  auto header = req.get_header_value("Authorization");
  if (header.empty())
    return {};
  if (header.size() > 7
      && (header.compare(0, 7, "Bearer ") == 0
          || header.compare(0, 7, "bearer ") == 0))
    return header.substr(7);
  malformed = true;
  return {};
}

// The gateway's check: a project key in `apikey`, then the bearer token (the
// key itself when none is sent) decides the role.
std::optional<reply> gate(const httplib::Request& req,
                          const std::string& secret, bool rest, caller& out) {
  auto key = req.get_header_value("apikey");
  if (key.empty())
    for (const auto& [name, value] : params_of(req))
      if (name == "apikey")
        key = value;
  if (key.empty())
    return gateway_error(401, "No API key found in request",
                         "No `apikey` request header or url param was found.");
  auto checked = verify_jwt(key, secret, unix_now());
  if (checked.problem != jwt_problem::none
      || (checked.claims.role != "anon"
          && checked.claims.role != "service_role"))
    return gateway_error(401, "Invalid API key",
                         "Double check your Supabase `anon` or "
                         "`service_role` API key.");

  bool malformed = false;
  auto token = bearer_of(req, malformed);
  if (token.empty() && !malformed) {
    out.claims = checked.claims;
    out.role = checked.claims.role;
    return std::nullopt;
  }
  auto bearer = malformed ? jwt_check{jwt_problem::malformed, {}}
                          : verify_jwt(token, secret, unix_now());
  if (bearer.problem != jwt_problem::none) {
    if (!rest)
      return gotrue_error(403, "bad_jwt",
                          bearer.problem == jwt_problem::expired
                            ? "invalid JWT: unable to parse or verify "
                              "signature, token has invalid claims: token is "
                              "expired"
                            : "invalid JWT: unable to parse or verify "
                              "signature, token is malformed or unverifiable",
                          dated_api(req));
    auto expired = bearer.problem == jwt_problem::expired;
    auto r = postgrest_error(401, expired ? "PGRST303" : "PGRST301",
                             expired ? "JWT expired"
                                     : "JWT cryptographic operation failed");
    for (auto& [name, value] : r.headers)
      if (name == "WWW-Authenticate")
        value =
          std::string{"Bearer error=\"invalid_token\", "
                      "error_description=\""}
          + (expired ? "JWT expired" : "JWT cryptographic operation failed")
          + "\"";
    return r;
  }
  out.claims = bearer.claims;
  out.role = bearer.claims.role.empty() ? "anon" : bearer.claims.role;
  return std::nullopt;
}

reply fault_reply(fault_kind kind, const std::string& path) {
  bool auth = path.rfind("/auth/", 0) == 0;
  if (kind == fault_kind::too_many) {
    auto r = auth ? gotrue_error(429, "over_request_rate_limit",
                                 "Request rate limit reached")
                  : gateway_error(429, "API rate limit exceeded");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (kind == fault_kind::internal)
    return auth ? gotrue_error(500, "unexpected_failure",
                               "Unexpected failure, please check server logs "
                               "for more information")
                : postgrest_error(500, "XX000", "internal error");
  return auth ? gateway_error(503, "failure to get a peer from the "
                                   "ring-balancer")
              : postgrest_error(503, "PGRST001",
                                "Database client error. Retrying the "
                                "connection.");
}

// The path and the names of the query parameters, never their values.
std::string log_path(const httplib::Request& req) {
  std::string out = req.path;
  char sep = '?';
  for (const auto& param : params_of(req)) {
    out += sep + param.first;
    sep = '&';
  }
  return out;
}

std::string utc_stamp() {
  auto now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class standin_server {
 public:
  explicit standin_server(const server_options& options)
      : options_(options),
        pool_(options.conninfo, static_cast<size_t>(options.threads)),
        auth_(pool_, options.jwt_secret), rest_(pool_, options.max_rows) {
    faults_.configure(options.faults);
  }

  int run() {
    httplib::Server http;
    auto threads = static_cast<size_t>(options_.threads);
    http.new_task_queue = [threads] {
      return new httplib::ThreadPool(threads);
    };
    http.set_keep_alive_max_count(1000);
    // As production servers do: without it, a body written after its
    // headers waits for the client's delayed acknowledgement (40 ms).
    http.set_tcp_nodelay(true);
    http.set_payload_max_length(16 * 1024 * 1024);
    route(http);
    if (!http.bind_to_port(options_.host.c_str(), options_.port)) {
      std::fprintf(stderr, "supabase-standin cannot listen on %s:%d\n",
                   options_.host.c_str(), options_.port);
      return 1;
    }
    std::fprintf(stderr, "%s supabase-standin listens on %s:%d\n",
                 utc_stamp().c_str(), options_.host.c_str(), options_.port);
    return http.listen_after_bind() ? 0 : 1;
  }

 private:
  using handler = std::function<reply(const httplib::Request&)>;

  // Every request passes here: faults first, then the handler, then the
  // answer (possibly spoiled on purpose), then one log line.
  void serve(const httplib::Request& req, httplib::Response& res,
             const handler& fn) {
    auto start = std::chrono::steady_clock::now();
    auto fault = faults_.draw(req.path, req.method);

    reply out;
    if (fault == fault_kind::too_many || fault == fault_kind::internal
        || fault == fault_kind::unavailable) {
      out = fault_reply(fault, req.path);
    } else {
      if (fault == fault_kind::slow)
        std::this_thread::sleep_for(
          std::chrono::milliseconds{faults_.config().slow_ms});
      out = fn(req);
    }

    res.status = out.status;
    for (auto& [name, value] : out.headers)
      res.set_header(name.c_str(), value);
    if (fault == fault_kind::truncated) {
      res.status = 200;
      res.set_content(out.body.substr(0, out.body.size() / 2),
                      out.content_type.c_str());
    } else if (fault == fault_kind::drop) {
      auto body = std::make_shared<std::string>(std::move(out.body));
      res.set_content_provider(
        body->size(), out.content_type.c_str(),
        [body](size_t offset, size_t length, httplib::DataSink& sink) {
          auto half = body->size() / 2;
          if (offset >= half)
            return false;
          sink.write(body->data() + offset, std::min(length, half - offset));
          return true;
        });
    } else if (!out.body.empty() || out.status != 204) {
      res.set_content(out.body, out.content_type.c_str());
    }

    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
    std::fprintf(stderr, "%s %s %s %d %lld ms%s%s\n", utc_stamp().c_str(),
                 req.method.c_str(), log_path(req).c_str(), res.status,
                 static_cast<long long>(ms),
                 fault == fault_kind::none ? "" : " fault=",
                 fault == fault_kind::none ? "" : to_string(fault));
  }

  void on(httplib::Server& http, const char* method, const char* pattern,
          handler fn) {
    auto wrapped = [this, fn = std::move(fn)](const httplib::Request& req,
                                              httplib::Response& res) {
      serve(req, res, fn);
    };
    std::string m{method};
    if (m == "GET")
      http.Get(pattern, wrapped);
    else if (m == "POST")
      http.Post(pattern, wrapped);
    else if (m == "PUT")
      http.Put(pattern, wrapped);
    else if (m == "PATCH")
      http.Patch(pattern, wrapped);
    else if (m == "DELETE")
      http.Delete(pattern, wrapped);
  }

  // Admin endpoints: the gateway's key check, then GoTrue's own demand for
  // an admin role in the bearer token.
  std::optional<reply> admin_gate(const httplib::Request& req) {
    caller who;
    if (auto refused = gate(req, options_.jwt_secret, false, who))
      return refused;
    if (who.role != "service_role" && who.role != "supabase_admin")
      return gotrue_error(403, "not_admin", "User not allowed", dated_api(req));
    return std::nullopt;
  }

  reply rest(const httplib::Request& req, const std::string& method) {
    caller who;
    if (auto refused = gate(req, options_.jwt_secret, true, who))
      return *refused;
    rest_request r;
    r.method = method;
    r.table = req.matches[1];
    r.params = params_of(req);
    for (size_t i = 0, n = req.get_header_value_count("Prefer"); i < n; ++i)
      r.prefer += (i > 0 ? "," : "") + req.get_header_value("Prefer", i);
    r.profile = req.get_header_value(method == "GET" ? "Accept-Profile"
                                                     : "Content-Profile");
    r.body = req.body;
    r.role = who.role;
    r.claims = who.claims.json;
    return rest_.handle(r);
  }

  reply rpc(const httplib::Request& req) {
    caller who;
    if (auto refused = gate(req, options_.jwt_secret, true, who))
      return *refused;
    rest_request r;
    r.method = "POST";
    r.table = req.matches[1];
    r.body = req.body;
    r.role = who.role;
    r.claims = who.claims.json;
    return rest_.call(r);
  }

  void route(httplib::Server& http) {
    on(http, "GET", "/auth/v1/health", [](const httplib::Request&) {
      reply r;
      r.body = R"({"version":"supabase-standin","name":"GoTrue",)"
               R"("description":"GoTrue stand-in for the flowsync sandbox"})";
      return r;
    });
    on(http, "GET", "/auth/v1/admin/users", [this](const auto& req) {
      if (auto refused = admin_gate(req))
        return *refused;
      return auth_.list_users(params_of(req), dated_api(req));
    });
    on(http, "POST", "/auth/v1/admin/users", [this](const auto& req) {
      if (auto refused = admin_gate(req))
        return *refused;
      return auth_.create_user(req.body, dated_api(req));
    });
    on(http, "GET", R"(/auth/v1/admin/users/([^/]+))", [this](const auto& req) {
      if (auto refused = admin_gate(req))
        return *refused;
      return auth_.get_user(req.matches[1], dated_api(req));
    });
    on(http, "PUT", R"(/auth/v1/admin/users/([^/]+))", [this](const auto& req) {
      if (auto refused = admin_gate(req))
        return *refused;
      return auth_.update_user(req.matches[1], req.body, dated_api(req));
    });
    on(http, "DELETE", R"(/auth/v1/admin/users/([^/]+))",
       [this](const auto& req) {
         if (auto refused = admin_gate(req))
           return *refused;
         return auth_.delete_user(req.matches[1], req.body, dated_api(req));
       });
    on(http, "POST", "/auth/v1/signup", [this](const auto& req) {
      caller who;
      if (auto refused = gate(req, options_.jwt_secret, false, who))
        return *refused;
      return auth_.signup(req.body, dated_api(req));
    });
    on(http, "POST", R"(/rest/v1/rpc/([A-Za-z0-9_]+))",
       [this](const auto& req) { return rpc(req); });
    for (const char* method : {"GET", "POST", "PATCH", "DELETE"}) {
      std::string m{method};
      on(http, method, R"(/rest/v1/([A-Za-z0-9_$]+))",
         [this, m](const auto& req) { return rest(req, m); });
    }

    http.Post("/_standin/faults", [this](const httplib::Request& req,
                                         httplib::Response& res) {
      fault_config config;
      std::string error;
      if (!parse_fault_config(req.body, config, error)) {
        res.status = 400;
        res.set_content(R"({"error":")" + error + R"("})", "application/json");
        return;
      }
      faults_.configure(config);
      std::fprintf(stderr, "%s fault injection set: rate %.3f\n",
                   utc_stamp().c_str(), config.rate);
      res.set_content(to_json(config), "application/json");
    });
    http.Get("/_standin/faults",
             [this](const httplib::Request&, httplib::Response& res) {
               res.set_content(to_json(faults_.config()), "application/json");
             });
    http.Get("/_standin/stats",
             [this](const httplib::Request&, httplib::Response& res) {
               res.set_content(faults_.stats_json(), "application/json");
             });
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.status == 404 && res.body.empty())
        res.set_content(R"({"message":"no Route matched with those values"})",
                        "application/json; charset=utf-8");
    });
  }

  server_options options_;
  pg_pool pool_;
  auth_api auth_;
  rest_api rest_;
  fault_injector faults_;
};

} // namespace

int run_server(const server_options& options) {
  std::signal(SIGPIPE, SIG_IGN);
  standin_server server{options};
  return server.run();
}

} // namespace flowsync::standin
