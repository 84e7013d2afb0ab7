// The Flow REST client against an in-process server that answers like
// flow-emulator v1.22.0 does (bodies captured from it, shortened).

#include "adapters/bytes.hpp"
#include "adapters/flow_access.hpp"

#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <doctest/doctest.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace flowsync;

namespace {

/// What the fake node saw of one request.
struct seen_request {
  std::string method;
  std::string path;
  std::string query;
  std::string body;
  std::string content_type;
};

/// An access node on a loopback port whose answers each test sets.
class fake_node {
 public:
  using handler =
    std::function<void(const httplib::Request&, httplib::Response&)>;

  fake_node() {
    auto record = [this](const httplib::Request& req, httplib::Response& res) {
      std::string query;
      for (const auto& [key, value] : req.params)
        query += (query.empty() ? "" : "&") + key + "=" + value;
      handler h;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        requests_.push_back({req.method, req.path, query, req.body,
                             req.get_header_value("Content-Type")});
        auto it = handlers_.find(req.method + " " + req.path);
        if (it != handlers_.end())
          h = it->second;
      }
      if (h) {
        h(req, res);
      } else {
        res.status = 404;
        res.set_content(R"({"code": 404, "message": "no such route"})",
                        "application/json");
      }
    };
    server_.Get(".*", record);
    server_.Post(".*", record);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread{[this] { server_.listen_after_bind(); }};
    // stop() does nothing to a server that has not started listening, and
    // the destructor would then wait for ever.
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }

  ~fake_node() {
    server_.stop();
    thread_.join();
  }

  /// Answers `method path` with `status` and `body`.
  void on(const std::string& method, const std::string& path, int status,
          std::string body) {
    on(method, path,
       [status, body](const httplib::Request&, httplib::Response& res) {
         res.status = status;
         res.set_content(body, "application/json");
       });
  }

  void on(const std::string& method, const std::string& path, handler h) {
    std::lock_guard<std::mutex> guard{mtx_};
    handlers_[method + " " + path] = std::move(h);
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

  std::vector<seen_request> requests() {
    std::lock_guard<std::mutex> guard{mtx_};
    return requests_;
  }

  seen_request last() {
    auto all = requests();
    REQUIRE_FALSE(all.empty());
    return all.back();
  }

  std::unique_ptr<flow_access>
  client(std::chrono::milliseconds timeout = std::chrono::milliseconds{5000}) {
    return make_flow_rest_client({url(), timeout});
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mtx_;
  std::map<std::string, handler> handlers_;
  std::vector<seen_request> requests_;
};

/// `text` as a JSON string literal, quotes and escapes included.
std::string json_string(const std::string& text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out{buffer};
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return buffer.GetString();
}

/// An error answer as flow-go's REST server writes it.
std::string error_body(int code, const std::string& message) {
  return "{\n\t\"code\": " + std::to_string(code)
         + ",\n\t\"message\": " + json_string(message) + "\n}";
}

std::string b64(std::string_view text) {
  return to_base64(to_bytes(text));
}

// Flow's own messages as the emulator sends them.
const std::string panic_message =
  "Invalid Flow argument: [Error Code: 1101] error caused by: 1 error "
  "occurred:\n\t* [Error Code: 1101] cadence runtime error: Execution "
  "failed:\nerror: panic: boom\n --> 241e005f:1:30\n  |\n1 | access(all) "
  "fun main(): Int { panic(\"boom\") }\n\nWas this error unhelpful?\n"
  "Consider suggesting an improvement here: "
  "https://github.com/onflow/cadence/issues.\n\n\n";

const std::string compute_message =
  "Invalid Flow argument: [Error Code: 1110] error caused by: 1 error "
  "occurred:\n\t* [Error Code: 1101] cadence runtime error: Execution "
  "failed:\nerror: computation error: [Error Code: 1110] computation limit "
  "exceeded (used: 100001, limit: 100000)\n";

const std::string sequence_message =
  "[Error Code: 1007] error caused by: 1 error occurred:\n\t* checking "
  "sequence number failed: [Error Code: 1007] invalid proposal key: public "
  "key 0 on account f8d6e0586b0a20c7 has sequence number 68, but given 3";

// Captured: flow.AccountCreated for 0xf3fcd2c1a78f5eee and 0xe03daebed8ca0615.
const std::string created_1 =
  "eyJ2YWx1ZSI6eyJpZCI6ImZsb3cuQWNjb3VudENyZWF0ZWQiLCJmaWVsZHMiOlt7InZhbH"
  "VlIjp7InZhbHVlIjoiMHhmM2ZjZDJjMWE3OGY1ZWVlIiwidHlwZSI6IkFkZHJlc3MifSwi"
  "bmFtZSI6ImFkZHJlc3MifV19LCJ0eXBlIjoiRXZlbnQifQo=";
const std::string created_2 =
  "eyJ2YWx1ZSI6eyJpZCI6ImZsb3cuQWNjb3VudENyZWF0ZWQiLCJmaWVsZHMiOlt7InZhbH"
  "VlIjp7InZhbHVlIjoiMHhlMDNkYWViZWQ4Y2EwNjE1IiwidHlwZSI6IkFkZHJlc3MifSwi"
  "bmFtZSI6ImFkZHJlc3MifV19LCJ0eXBlIjoiRXZlbnQifQo=";

const std::string tx_id =
  "5d0fc0c7cce68bdb5478d0aeee5cc5965c82b95e9779d2dc231cde3acedef16d";

const std::string block_id =
  "7dc0bfca492aa43b2f6560cf2025209a617508b0fe3a5fae4451b6b63c7efc8d";

const std::string collection_id =
  "2c9a61aa1acf2c54611a08beb39f6762b76ec98fa4e14fa29ff19a83c3f862bd";

std::string result_body(const std::string& status, int status_code,
                        const std::string& error, const std::string& events) {
  return "{\n\t\"block_id\": \"" + block_id + "\",\n\t\"collection_id\": \""
         + collection_id + "\",\n\t\"execution\": \"Success\",\n\t\"status\": "
         + json_string(status)
         + ",\n\t\"status_code\": " + std::to_string(status_code)
         + ",\n\t\"error_message\": " + json_string(error)
         + ",\n\t\"computation_used\": \"0\",\n\t\"events\": [" + events
         + "],\n\t\"_links\": {\"_self\": \"/v1/transaction_results/" + tx_id
         + "\"}\n}";
}

std::string event_json(const std::string& type, int index,
                       const std::string& payload) {
  return R"({"type": ")" + type + R"(", "transaction_id": ")" + tx_id
         + R"(", "transaction_index": "0", "event_index": ")"
         + std::to_string(index) + R"(", "payload": ")" + payload + R"("})";
}

/// The emulator's service key, in the case the REST API writes it.
const std::string service_key_hex =
  "43661ddd40c0510b2097a5ad583607f4780876184308a325516951fac6a816fe"
  "4e522c9278d3ef3d67c6d903291d0501f9a9bd5b4dc2c5af26c2ad0597bac97a";

std::string upper(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

/// Two keys: key 0 as the emulator has it (in upper case, to check that
/// case does not matter), key 1 revoked with other algorithms.
const std::string account_body = R"({
	"address": "f8d6e0586b0a20c7",
	"balance": "99999999999600000",
	"keys": [
		{
			"index": "0",
			"public_key": "0x)"
                                 + upper(service_key_hex) + R"(",
			"signing_algorithm": "ECDSA_P256",
			"hashing_algorithm": "SHA3_256",
			"sequence_number": "66",
			"weight": "1000",
			"revoked": false
		},
		{
			"index": "1",
			"public_key": "0x)"
                                 + service_key_hex + R"(",
			"signing_algorithm": "ECDSA_secp256k1",
			"hashing_algorithm": "SHA2_256",
			"sequence_number": "3",
			"weight": "0",
			"revoked": true
		}
	],
	"_expandable": {},
	"_links": {"_self": "/v1/accounts/f8d6e0586b0a20c7"}
})";

const std::string sealed_block_id =
  "977d50c3613728f021420dd3bfbba9a78b204f92ac5372135810b973760c8267";

const std::string block_body = R"([
	{
		"header": {
			"id": ")"
                               + upper(sealed_block_id) + R"(",
			"parent_id": ")"
                               + block_id + R"(",
			"height": "70",
			"timestamp": "2026-12-03T16:31:34.14Z",
			"parent_voter_signature": ""
		},
		"_expandable": {"payload": "/v1/blocks/)"
                               + sealed_block_id + R"(/payload"},
		"_links": {"_self": "/v1/blocks/)"
                               + sealed_block_id + R"("},
		"block_status": "BLOCK_SEALED"
	}
])";

address addr(std::string_view hex) {
  return *address::parse(hex);
}

} // namespace

// -- scripts ------------------------------------------------------------------

TEST_CASE("a script runs against the sealed block with base64 source and "
          "arguments") {
  fake_node node;
  // Captured: the emulator's answer for a script returning 1.5.
  node.on("POST", "/v1/scripts", 200,
          R"("eyJ2YWx1ZSI6IjEuNTAwMDAwMDAiLCJ0eXBlIjoiVUZpeDY0In0K")");
  auto client = node.client();
  std::vector<cvalue> args{cvalue::make_address(addr("f8d6e0586b0a20c7")),
                           cvalue::make_string("BaitCoin")};

  auto value = client->execute_script("access(all) fun main() {}", args);

  REQUIRE(value);
  CHECK_EQ(value->as_ufix64()->units(), 150'000'000u);
  auto seen = node.last();
  CHECK_EQ(seen.path, "/v1/scripts");
  CHECK_EQ(seen.query, "block_height=sealed");
  CHECK_EQ(seen.content_type, "application/json");
  rapidjson::Document body;
  body.Parse(seen.body.c_str());
  REQUIRE(body.IsObject());
  CHECK_EQ(std::string{body["script"].GetString()},
           b64("access(all) fun main() {}"));
  REQUIRE_EQ(body["arguments"].Size(), 2u);
  CHECK_EQ(std::string{body["arguments"][0].GetString()},
           b64(encode_cadence_json(args[0])));
  CHECK_EQ(std::string{body["arguments"][1].GetString()},
           b64(encode_cadence_json(args[1])));
}

TEST_CASE("a script that panics is execution_failed with Flow's message") {
  fake_node node;
  node.on("POST", "/v1/scripts", 400, error_body(400, panic_message));

  auto value = node.client()->execute_script("x", {});

  REQUIRE_FALSE(value);
  CHECK_EQ(value.error().code, ec::execution_failed);
  CHECK_EQ(value.error().flow_code, 1101);
  CHECK_EQ(value.error().http_status, 400);
  CHECK_NE(value.error().message.find("panic: boom"), std::string::npos);
  CHECK_EQ(value.error().message.find("Was this error unhelpful"),
           std::string::npos);
}

TEST_CASE("a script over its compute limit is compute_limit, not a rate "
          "limit") {
  fake_node node;
  node.on("POST", "/v1/scripts", 400, error_body(400, compute_message));

  auto value = node.client()->execute_script("x", {});

  REQUIRE_FALSE(value);
  CHECK_EQ(value.error().code, ec::compute_limit);
  CHECK_EQ(value.error().flow_code, 1110);
  CHECK_FALSE(is_retryable(value.error()));
}

TEST_CASE("a compute limit told only in words is compute_limit") {
  // Access nodes word it as a gRPC ResourceExhausted without the code.
  fake_node node;
  node.on("POST", "/v1/scripts", 400,
          error_body(400, "script execution computation limit exceeded"));

  auto value = node.client()->execute_script("x", {});

  REQUIRE_FALSE(value);
  CHECK_EQ(value.error().code, ec::compute_limit);
}

TEST_CASE("a request over the size cap is compute_limit") {
  SUBCASE("as the emulator says it") {
    fake_node node;
    node.on("POST", "/v1/scripts", 400,
            error_body(400, "http: request body too large"));
    auto value = node.client()->execute_script("x", {});
    REQUIRE_FALSE(value);
    CHECK_EQ(value.error().code, ec::compute_limit);
  }
  SUBCASE("as HTTP 413") {
    fake_node node;
    node.on("POST", "/v1/scripts", 413,
            error_body(413, "request size exceeds maximum allowed"));
    auto value = node.client()->execute_script("x", {});
    REQUIRE_FALSE(value);
    CHECK_EQ(value.error().code, ec::compute_limit);
  }
}

TEST_CASE("HTTP 429 is rate_limited with the server's Retry-After") {
  fake_node node;
  node.on("POST", "/v1/scripts",
          [](const httplib::Request&, httplib::Response& res) {
            res.status = 429;
            res.set_header("Retry-After", "3");
            res.set_content("slow down", "text/plain");
          });

  auto value = node.client()->execute_script("x", {});

  REQUIRE_FALSE(value);
  CHECK_EQ(value.error().code, ec::rate_limited);
  CHECK_EQ(value.error().retry_after, doctest::Approx(3.0));
  CHECK(is_retryable(value.error()));
}

TEST_CASE("a rate-limit message without 429 is still rate_limited") {
  fake_node node;
  node.on("GET", "/v1/blocks", 500,
          error_body(500, "Invalid Flow request: rate limit reached, "
                          "please retry later"));

  auto block = node.client()->latest_sealed_block();

  REQUIRE_FALSE(block);
  CHECK_EQ(block.error().code, ec::rate_limited);
}

TEST_CASE("a server error is server_error and its body is never repeated") {
  fake_node node;
  node.on(
    "POST", "/v1/scripts", [](const httplib::Request&, httplib::Response& res) {
      res.status = 502;
      res.set_content("<html>upstream said token=hunter2</html>", "text/html");
    });

  auto value = node.client()->execute_script("x", {});

  REQUIRE_FALSE(value);
  CHECK_EQ(value.error().code, ec::server_error);
  CHECK_EQ(value.error().http_status, 502);
  CHECK_EQ(value.error().message.find("hunter2"), std::string::npos);
  CHECK_EQ(value.error().message.find("html"), std::string::npos);
}

TEST_CASE("a script answer that is not a base64 string is a parse_error") {
  SUBCASE("not a string") {
    fake_node node;
    node.on("POST", "/v1/scripts", 200, R"({"value": 1})");
    auto value = node.client()->execute_script("x", {});
    REQUIRE_FALSE(value);
    CHECK_EQ(value.error().code, ec::parse_error);
  }
  SUBCASE("not base64") {
    fake_node node;
    node.on("POST", "/v1/scripts", 200, R"("***")");
    auto value = node.client()->execute_script("x", {});
    REQUIRE_FALSE(value);
    CHECK_EQ(value.error().code, ec::parse_error);
  }
  SUBCASE("not JSON") {
    fake_node node;
    node.on("POST", "/v1/scripts", 200, "{truncated");
    auto value = node.client()->execute_script("x", {});
    REQUIRE_FALSE(value);
    CHECK_EQ(value.error().code, ec::parse_error);
  }
}

// -- accounts -----------------------------------------------------------------

TEST_CASE("an account is read with its balance and keys") {
  fake_node node;
  node.on("GET", "/v1/accounts/f8d6e0586b0a20c7", 200, account_body);

  auto account = node.client()->get_account(addr("f8d6e0586b0a20c7"));

  REQUIRE(account);
  CHECK_EQ(node.last().query, "block_height=sealed&expand=keys");
  CHECK_EQ(account->addr, addr("f8d6e0586b0a20c7"));
  CHECK_EQ(account->balance.to_string(), "999999999.99600000");
  REQUIRE_EQ(account->keys.size(), 2u);
  const auto& key0 = account->keys[0];
  CHECK_EQ(key0.index, 0u);
  CHECK_EQ(key0.public_key, service_key_hex);
  CHECK_EQ(key0.signing, sig_algo::ecdsa_p256);
  CHECK_EQ(key0.hashing, hash_algo::sha3_256);
  CHECK_EQ(key0.weight, 1000u);
  CHECK_EQ(key0.sequence_number, 66u);
  CHECK_FALSE(key0.revoked);
  const auto& key1 = account->keys[1];
  CHECK_EQ(key1.index, 1u);
  CHECK_EQ(key1.signing, sig_algo::ecdsa_secp256k1);
  CHECK_EQ(key1.hashing, hash_algo::sha2_256);
  CHECK_EQ(key1.weight, 0u);
  CHECK_EQ(key1.sequence_number, 3u);
  CHECK(key1.revoked);
}

TEST_CASE("a missing account is not_found") {
  fake_node node;
  node.on("GET", "/v1/accounts/0e76147f6a0e2cdb", 404,
          error_body(404, "Flow resource not found: could not find account "
                          "with address 0e76147f6a0e2cdb"));

  auto account = node.client()->get_account(addr("0e76147f6a0e2cdb"));

  REQUIRE_FALSE(account);
  CHECK_EQ(account.error().code, ec::not_found);
}

TEST_CASE("an address that is invalid on the chain is not_found") {
  fake_node node;
  node.on("GET", "/v1/accounts/0000000000000bad", 400,
          error_body(400, "rpc error: code = InvalidArgument desc = address "
                          "0000000000000bad is invalid for chain "
                          "flow-emulator"));

  auto account = node.client()->get_account(addr("0000000000000bad"));

  REQUIRE_FALSE(account);
  CHECK_EQ(account.error().code, ec::not_found);
}

TEST_CASE("an account answer with a bad number is a parse_error") {
  fake_node node;
  node.on("GET", "/v1/accounts/f8d6e0586b0a20c7", 200,
          R"({"address": "f8d6e0586b0a20c7", "balance": "12.5", "keys": []})");

  auto account = node.client()->get_account(addr("f8d6e0586b0a20c7"));

  REQUIRE_FALSE(account);
  CHECK_EQ(account.error().code, ec::parse_error);
}

TEST_CASE("an account key with an unknown algorithm is a parse_error") {
  fake_node node;
  node.on("GET", "/v1/accounts/f8d6e0586b0a20c7", 200,
          R"({"address": "f8d6e0586b0a20c7", "balance": "1", "keys": [
               {"index": "0", "public_key": "0xab", "signing_algorithm":
                "BLS_BLS12_381", "hashing_algorithm": "SHA3_256",
                "sequence_number": "0", "weight": "1000",
                "revoked": false}]})");

  auto account = node.client()->get_account(addr("f8d6e0586b0a20c7"));

  REQUIRE_FALSE(account);
  CHECK_EQ(account.error().code, ec::parse_error);
}

// -- blocks -------------------------------------------------------------------

TEST_CASE("the latest sealed block gives its id and height") {
  fake_node node;
  node.on("GET", "/v1/blocks", 200, block_body);

  auto block = node.client()->latest_sealed_block();

  REQUIRE(block);
  CHECK_EQ(node.last().query, "height=sealed");
  CHECK_EQ(block->id, sealed_block_id);
  CHECK_EQ(block->height, 70u);
}

TEST_CASE("a block answer without a usable header is a parse_error") {
  SUBCASE("empty list") {
    fake_node node;
    node.on("GET", "/v1/blocks", 200, "[]");
    auto block = node.client()->latest_sealed_block();
    REQUIRE_FALSE(block);
    CHECK_EQ(block.error().code, ec::parse_error);
  }
  SUBCASE("short id") {
    fake_node node;
    node.on("GET", "/v1/blocks", 200,
            R"([{"header": {"id": "abcd", "height": "1"}}])");
    auto block = node.client()->latest_sealed_block();
    REQUIRE_FALSE(block);
    CHECK_EQ(block.error().code, ec::parse_error);
  }
}

// -- transactions -------------------------------------------------------------

namespace {

transaction sample_transaction() {
  transaction tx;
  tx.script = "transaction { prepare(signer: &Account) {} }";
  tx.arguments = {encode_cadence_json(cvalue::make_string("hello"))};
  tx.reference_block_id = bytes(32, 0x11);
  tx.gas_limit = 9999;
  tx.proposer = {addr("f8d6e0586b0a20c7"), 1, 7};
  tx.payer = addr("f8d6e0586b0a20c7");
  tx.authorizers = {addr("f8d6e0586b0a20c7")};
  tx.envelope_signatures = {{addr("f8d6e0586b0a20c7"), 0, bytes(64, 0x22)}};
  return tx;
}

} // namespace

TEST_CASE("a sent transaction returns the id the node names") {
  fake_node node;
  node.on("POST", "/v1/transactions", 200,
          R"({"id": ")" + tx_id + R"(", "script": "eA==", "arguments": []})");
  auto tx = sample_transaction();

  auto id = node.client()->send_transaction(tx);

  REQUIRE(id);
  CHECK_EQ(*id, tx_id);
  auto seen = node.last();
  CHECK_EQ(seen.method, "POST");
  CHECK_EQ(seen.path, "/v1/transactions");
  CHECK_EQ(seen.body, tx.to_rest_json());
  CHECK_EQ(seen.content_type, "application/json");
}

TEST_CASE("a node that accepts with 201 is a success too") {
  fake_node node;
  node.on("POST", "/v1/transactions", 201, R"({"id": ")" + tx_id + R"("})");

  auto id = node.client()->send_transaction(sample_transaction());

  REQUIRE(id);
  CHECK_EQ(*id, tx_id);
}

TEST_CASE("an accepted transaction without an id is a parse_error") {
  fake_node node;
  node.on("POST", "/v1/transactions", 200, R"({"script": "eA=="})");

  auto id = node.client()->send_transaction(sample_transaction());

  REQUIRE_FALSE(id);
  CHECK_EQ(id.error().code, ec::parse_error);
}

TEST_CASE("a stale sequence number on send is sequence_mismatch") {
  fake_node node;
  node.on("POST", "/v1/transactions", 400,
          error_body(400, "Invalid Flow argument: " + sequence_message));

  auto id = node.client()->send_transaction(sample_transaction());

  REQUIRE_FALSE(id);
  CHECK_EQ(id.error().code, ec::sequence_mismatch);
  CHECK_EQ(id.error().flow_code, 1007);
}

TEST_CASE("a transaction with an old reference block is expired") {
  fake_node node;
  node.on("POST", "/v1/transactions", 400,
          error_body(400, "Invalid Flow argument: transaction is expired: "
                          "ref_height=3 final_height=700"));

  auto id = node.client()->send_transaction(sample_transaction());

  REQUIRE_FALSE(id);
  CHECK_EQ(id.error().code, ec::expired);
}

TEST_CASE("a malformed transaction is request_rejected with the node's "
          "reason") {
  fake_node node;
  node.on("POST", "/v1/transactions", 400,
          error_body(400, "proposal key not provided"));

  auto id = node.client()->send_transaction(sample_transaction());

  REQUIRE_FALSE(id);
  CHECK_EQ(id.error().code, ec::request_rejected);
  CHECK_NE(id.error().message.find("proposal key not provided"),
           std::string::npos);
}

TEST_CASE("a sealed result carries its events in order") {
  fake_node node;
  node.on("GET", "/v1/transaction_results/" + tx_id, 200,
          result_body("Sealed", 0, "",
                      event_json("flow.AccountCreated", 12, created_1) + ","
                        + event_json("flow.AccountCreated", 33, created_2)));

  auto result = node.client()->transaction_result(tx_id);

  REQUIRE(result);
  CHECK_EQ(result->status, tx_status::sealed);
  CHECK(result->final());
  CHECK_FALSE(result->failed());
  CHECK_EQ(result->error_code, 0);
  REQUIRE_EQ(result->events.size(), 2u);
  CHECK_EQ(result->events[0].type, "flow.AccountCreated");
  CHECK_EQ(result->events[0].event_index, 12u);
  CHECK_EQ(result->events[0].payload.field("address")->as_address()->hex(),
           "f3fcd2c1a78f5eee");
  CHECK_EQ(result->events[1].event_index, 33u);
  CHECK_EQ(result->events[1].payload.field("address")->as_address()->hex(),
           "e03daebed8ca0615");
}

TEST_CASE("a sealed result with an error is a failure with its code") {
  fake_node node;
  node.on("GET", "/v1/transaction_results/" + tx_id, 200,
          result_body("Sealed", 1, panic_message, ""));

  auto result = node.client()->transaction_result(tx_id);

  REQUIRE(result);
  CHECK_EQ(result->status, tx_status::sealed);
  CHECK_EQ(result->status_code, 1u);
  CHECK(result->failed());
  CHECK_EQ(result->error_code, 1101);
  CHECK_NE(result->error_message.find("panic: boom"), std::string::npos);
  CHECK_EQ(result->error_message.find("Was this error unhelpful"),
           std::string::npos);
}

TEST_CASE("a result of a stale sequence number reports 1007") {
  fake_node node;
  node.on("GET", "/v1/transaction_results/" + tx_id, 200,
          result_body("Sealed", 1, sequence_message, ""));

  auto result = node.client()->transaction_result(tx_id);

  REQUIRE(result);
  CHECK(result->failed());
  CHECK_EQ(result->error_code, 1007);
}

TEST_CASE("every status the node names is mapped") {
  const std::vector<std::pair<std::string, tx_status>> cases{
    {"Pending", tx_status::pending},   {"Finalized", tx_status::finalized},
    {"Executed", tx_status::executed}, {"Sealed", tx_status::sealed},
    {"Expired", tx_status::expired},   {"", tx_status::unknown},
    {"Unheard", tx_status::unknown}};
  for (const auto& [text, status] : cases) {
    CAPTURE(text);
    fake_node node;
    node.on("GET", "/v1/transaction_results/" + tx_id, 200,
            result_body(text, 0, "", ""));
    auto result = node.client()->transaction_result(tx_id);
    REQUIRE(result);
    CHECK_EQ(result->status, status);
  }
}

TEST_CASE("a transaction the node does not know is unknown, not an error") {
  SUBCASE("as access nodes say it") {
    fake_node node;
    node.on("GET", "/v1/transaction_results/" + tx_id, 404,
            error_body(404, "Flow resource not found: transaction not found"));
    auto result = node.client()->transaction_result(tx_id);
    REQUIRE(result);
    CHECK_EQ(result->status, tx_status::unknown);
    CHECK_FALSE(result->final());
  }
  SUBCASE("as the emulator says it") {
    fake_node node;
    node.on("GET", "/v1/transaction_results/" + tx_id, 200,
            result_body("", 0, "", ""));
    auto result = node.client()->transaction_result(tx_id);
    REQUIRE(result);
    CHECK_EQ(result->status, tx_status::unknown);
  }
}

TEST_CASE("an expired transaction is final and not failed") {
  fake_node node;
  node.on("GET", "/v1/transaction_results/" + tx_id, 200,
          result_body("Expired", 0, "", ""));

  auto result = node.client()->transaction_result(tx_id);

  REQUIRE(result);
  CHECK_EQ(result->status, tx_status::expired);
  CHECK(result->final());
  CHECK_FALSE(result->failed());
}

TEST_CASE("an event whose payload is not base64 is a parse_error") {
  fake_node node;
  node.on(
    "GET", "/v1/transaction_results/" + tx_id, 200,
    result_body("Sealed", 0, "", event_json("flow.AccountCreated", 0, "%%%")));

  auto result = node.client()->transaction_result(tx_id);

  REQUIRE_FALSE(result);
  CHECK_EQ(result.error().code, ec::parse_error);
}

TEST_CASE("a malformed transaction id is refused before asking the node") {
  fake_node node;
  auto client = node.client();

  auto short_id = client->transaction_result("abc");
  auto not_hex = client->transaction_result(std::string(64, 'g'));

  REQUIRE_FALSE(short_id);
  CHECK_EQ(short_id.error().code, ec::invalid_input);
  REQUIRE_FALSE(not_hex);
  CHECK_EQ(not_hex.error().code, ec::invalid_input);
  CHECK(node.requests().empty());
}

TEST_CASE("an upper-case id is asked for in lower case") {
  fake_node node;
  node.on("GET", "/v1/transaction_results/" + tx_id, 200,
          result_body("Pending", 0, "", ""));
  auto result = node.client()->transaction_result(upper(tx_id));

  REQUIRE(result);
  CHECK_EQ(result->status, tx_status::pending);
}

// -- transport ----------------------------------------------------------------

TEST_CASE("a node that refuses the connection is a transport failure") {
  // Take a free port from the kernel and give it back unused, so that
  // nothing listens on it.
  int port = 0;
  {
    auto fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(where);
    REQUIRE_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&where), size), 0);
    REQUIRE_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&where), &size),
               0);
    port = ntohs(where.sin_port);
    ::close(fd);
  }
  auto client = make_flow_rest_client(
    {"http://127.0.0.1:" + std::to_string(port), std::chrono::seconds{2}});

  auto block = client->latest_sealed_block();

  REQUIRE_FALSE(block);
  CHECK_EQ(block.error().code, ec::transport);
  CHECK(is_retryable(block.error()));
  // No connection was opened: the request certainly did nothing.
  CHECK(block.error().unsent);
}

TEST_CASE("a node that answers too late is a timeout") {
  fake_node node;
  node.on("GET", "/v1/blocks",
          [](const httplib::Request&, httplib::Response& res) {
            std::this_thread::sleep_for(std::chrono::milliseconds{700});
            res.set_content("[]", "application/json");
          });

  auto block =
    node.client(std::chrono::milliseconds{150})->latest_sealed_block();

  REQUIRE_FALSE(block);
  CHECK_EQ(block.error().code, ec::timeout);
  // The node had the request: it may act on it.
  CHECK_FALSE(block.error().unsent);
}

TEST_CASE("a trailing slash on the base URL is harmless") {
  fake_node node;
  node.on("GET", "/v1/blocks", 200, block_body);
  auto client =
    make_flow_rest_client({node.url() + "/", std::chrono::seconds{5}});

  auto block = client->latest_sealed_block();

  REQUIRE(block);
  CHECK_EQ(node.last().path, "/v1/blocks");
}

// -- helpers ------------------------------------------------------------------

TEST_CASE("the Flow error code is read from the first marker") {
  CHECK_EQ(flow_error_code("[Error Code: 1007] invalid proposal key"), 1007);
  CHECK_EQ(flow_error_code("x [Error Code: 1101] y [Error Code: 1110]"), 1101);
  CHECK_EQ(flow_error_code("no code here"), 0);
  CHECK_EQ(flow_error_code("[Error Code: abc]"), 0);
  CHECK_EQ(flow_error_code("[Error Code: 12"), 0);
  CHECK_EQ(flow_error_code(""), 0);
}

TEST_CASE("each transaction status has a short name") {
  CHECK_EQ(std::string{to_string(tx_status::unknown)}, "unknown");
  CHECK_EQ(std::string{to_string(tx_status::pending)}, "pending");
  CHECK_EQ(std::string{to_string(tx_status::finalized)}, "finalized");
  CHECK_EQ(std::string{to_string(tx_status::executed)}, "executed");
  CHECK_EQ(std::string{to_string(tx_status::sealed)}, "sealed");
  CHECK_EQ(std::string{to_string(tx_status::expired)}, "expired");
}
