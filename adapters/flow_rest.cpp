#include "adapters/bytes.hpp"
#include "adapters/flow_access.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync {

namespace {

/// Flow's message for a script over its compute limit. Access nodes answer
/// it with the same gRPC code as a rate limit, so the text decides.
constexpr std::string_view compute_limit_text = "computation limit exceeded";

/// The REST server's message when a request body exceeds its size cap
/// (4 MiB on the emulator and on access nodes by default).
constexpr std::string_view body_too_large_text = "request body too large";

/// The access node's own answer once a client exceeds its request rate.
constexpr std::string_view rate_limit_text = "rate limit reached";

/// Flow error codes the client reacts to.
constexpr int computation_limit_code = 1110;
constexpr int sequence_number_code = 1007;

/// Flow's messages end in a plea for feedback; it says nothing about the
/// error and makes log lines long.
constexpr std::string_view feedback_trailer = "Was this error unhelpful?";

/// Longest Flow error text copied into a failure.
constexpr size_t max_message_size = 1000;

bool contains_nocase(std::string_view text, std::string_view needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a))
                                 == std::tolower(static_cast<unsigned char>(b));
                        });
  return it != text.end();
}

/// True if "[Error Code: `code`]" occurs anywhere in `message`: Flow nests
/// errors, and the telling code is not always the outermost one.
bool has_error_code(std::string_view message, int code) {
  auto needle = "[Error Code: " + std::to_string(code) + "]";
  return message.find(needle) != std::string_view::npos;
}

/// Flow's error text without the feedback trailer and surrounding blanks,
/// cut to a length that fits a log line.
std::string tidy_flow_message(std::string_view text) {
  if (auto pos = text.find(feedback_trailer); pos != std::string_view::npos)
    text = text.substr(0, pos);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  while (!text.empty()
         && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  std::string out{text.substr(0, max_message_size)};
  if (text.size() > max_message_size)
    out += "...";
  return out;
}

/// A string member of a JSON object, or nullptr.
const rapidjson::Value* member(const rapidjson::Value& object,
                               const char* name) {
  if (!object.IsObject())
    return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string_view string_member(const rapidjson::Value& object,
                               const char* name) {
  auto value = member(object, name);
  if (value == nullptr || !value->IsString())
    return {};
  return {value->GetString(), value->GetStringLength()};
}

/// The REST API writes 64-bit integers as decimal strings.
result<uint64_t> uint_member(const rapidjson::Value& object, const char* name,
                             std::string_view what) {
  auto text = string_member(object, name);
  uint64_t value = 0;
  auto [end, err] =
    std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || err != std::errc{} || end != text.data() + text.size())
    return make_failure(ec::parse_error,
                        std::string{what} + " has no valid '" + name + "'");
  return value;
}

/// The message of an error answer, `{"code": N, "message": "..."}`. It is
/// Flow's own text, never a secret of ours; empty when the body has another
/// shape (a proxy's HTML page, for instance), which is then not repeated.
std::string error_message_of(const http_response& response) {
  rapidjson::Document doc;
  doc.Parse(response.body.data(), response.body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return {};
  return std::string{string_member(doc, "message")};
}

/// Turns an unsuccessful answer into a failure, telling apart what callers
/// must treat differently: a rate limit (back off), a compute or size limit
/// (split the batch), an aborted script, a stale sequence number.
failure classify(const http_response& response, std::string_view what,
                 bool is_script) {
  auto f = failure_from_status(response, what);
  auto message = error_message_of(response);
  f.flow_code = flow_error_code(message);
  if (!message.empty())
    f.message += ": " + tidy_flow_message(message);

  if (response.status == 429 || contains_nocase(message, rate_limit_text)) {
    f.code = ec::rate_limited;
  } else if (response.status == 413
             || contains_nocase(message, body_too_large_text)
             || contains_nocase(message, "request size exceeds")) {
    f.code = ec::compute_limit;
  } else if (has_error_code(message, computation_limit_code)
             || contains_nocase(message, compute_limit_text)) {
    f.code = ec::compute_limit;
    f.flow_code = computation_limit_code;
  } else if (has_error_code(message, sequence_number_code)) {
    f.code = ec::sequence_mismatch;
    f.flow_code = sequence_number_code;
  } else if (contains_nocase(message, "transaction is expired")) {
    f.code = ec::expired;
  } else if (is_script && response.status < 500 && f.flow_code != 0) {
    // The node ran the script and Cadence stopped it: a panic, a failed
    // check, a bad argument. Trying again will not help.
    f.code = ec::execution_failed;
  }
  return f;
}

result<rapidjson::Document> parse_json(const std::string& body,
                                       std::string_view what) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError())
    return make_failure(ec::parse_error,
                        std::string{what} + " answered with malformed JSON");
  return doc;
}

tx_status parse_status(std::string_view text) {
  if (text == "Pending")
    return tx_status::pending;
  if (text == "Finalized")
    return tx_status::finalized;
  if (text == "Executed")
    return tx_status::executed;
  if (text == "Sealed")
    return tx_status::sealed;
  if (text == "Expired")
    return tx_status::expired;
  // The emulator answers an unknown id with an empty status.
  return tx_status::unknown;
}

bool is_hex_id(std::string_view id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

result<account_key_info> parse_key(const rapidjson::Value& key) {
  account_key_info info;
  auto index = uint_member(key, "index", "an account key");
  if (!index)
    return index.error();
  info.index = static_cast<uint32_t>(*index);

  auto hex = string_member(key, "public_key");
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
    hex.remove_prefix(2);
  info.public_key = lower(hex);

  auto sig = parse_sig_algo(string_member(key, "signing_algorithm"));
  auto hash = parse_hash_algo(string_member(key, "hashing_algorithm"));
  if (!sig || !hash)
    return make_failure(ec::parse_error,
                        "account key " + std::to_string(info.index)
                          + " has an unknown signing or hashing algorithm");
  info.signing = *sig;
  info.hashing = *hash;

  auto weight = uint_member(key, "weight", "an account key");
  auto sequence = uint_member(key, "sequence_number", "an account key");
  if (!weight)
    return weight.error();
  if (!sequence)
    return sequence.error();
  info.weight = static_cast<uint32_t>(*weight);
  info.sequence_number = *sequence;

  auto revoked = member(key, "revoked");
  info.revoked = revoked != nullptr && revoked->IsBool() && revoked->GetBool();
  return info;
}

result<flow_event> parse_event(const rapidjson::Value& event) {
  flow_event out;
  out.type = std::string{string_member(event, "type")};
  auto index = uint_member(event, "event_index", "an event");
  if (!index)
    return index.error();
  out.event_index = static_cast<uint32_t>(*index);

  auto raw = from_base64(string_member(event, "payload"));
  if (!raw)
    return make_failure(ec::parse_error, "the payload of event " + out.type
                                           + " is not valid base64");
  auto payload = decode_cadence_json(
    std::string_view{reinterpret_cast<const char*>(raw->data()), raw->size()});
  if (!payload)
    return make_failure(ec::parse_error,
                        "the payload of event " + out.type
                          + " is not JSON-Cadence: " + payload.error().message);
  out.payload = std::move(*payload);
  return out;
}

class flow_rest_client : public flow_access {
 public:
  explicit flow_rest_client(flow_rest_options options)
      : options_(std::move(options)) {
    while (!options_.base_url.empty() && options_.base_url.back() == '/')
      options_.base_url.pop_back();
  }

  result<cvalue> execute_script(std::string_view script,
                                const std::vector<cvalue>& arguments) override {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> out{buffer};
    out.StartObject();
    out.Key("script");
    auto encoded = to_base64(to_bytes(script));
    out.String(encoded.data(),
               static_cast<rapidjson::SizeType>(encoded.size()));
    out.Key("arguments");
    out.StartArray();
    for (const auto& arg : arguments) {
      auto text = to_base64(to_bytes(encode_cadence_json(arg)));
      out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
    out.EndArray();
    out.EndObject();

    auto response = exchange("POST", "/v1/scripts?block_height=sealed",
                             buffer.GetString(), "the script");
    if (!response)
      return response.error();
    if (response->status != 200)
      return classify(*response, "the script", true);

    // The result is a JSON string holding base64 of the JSON-Cadence value.
    auto doc = parse_json(response->body, "the script");
    if (!doc)
      return doc.error();
    if (!doc->IsString())
      return make_failure(ec::parse_error,
                          "the script's answer is not a base64 string");
    auto raw = from_base64({doc->GetString(), doc->GetStringLength()});
    if (!raw)
      return make_failure(ec::parse_error,
                          "the script's answer is not valid base64");
    auto value = decode_cadence_json(std::string_view{
      reinterpret_cast<const char*>(raw->data()), raw->size()});
    if (!value)
      return make_failure(ec::parse_error,
                          "the script's answer is not JSON-Cadence: "
                            + value.error().message);
    return std::move(*value);
  }

  result<account_info> get_account(const address& addr) override {
    auto what = "account " + addr.hex();
    auto response = exchange(
      "GET", "/v1/accounts/" + addr.hex() + "?expand=keys&block_height=sealed",
      {}, what);
    if (!response)
      return response.error();
    if (response->status != 200) {
      auto f = classify(*response, what, false);
      // An address that is not valid on this chain cannot hold an account.
      if (f.code == ec::request_rejected
          && contains_nocase(f.message, "invalid for chain"))
        f.code = ec::not_found;
      return f;
    }

    auto doc = parse_json(response->body, what);
    if (!doc)
      return doc.error();
    account_info info;
    auto parsed = address::parse(string_member(*doc, "address"));
    if (!parsed)
      return make_failure(ec::parse_error, what + " has no valid address");
    info.addr = *parsed;
    // The balance is an integer count of 1e-8 FLOW.
    auto balance = uint_member(*doc, "balance", what);
    if (!balance)
      return balance.error();
    info.balance = ufix64::from_units(*balance);

    auto keys = member(*doc, "keys");
    if (keys != nullptr && keys->IsArray()) {
      for (const auto& key : keys->GetArray()) {
        auto parsed_key = parse_key(key);
        if (!parsed_key)
          return parsed_key.error();
        info.keys.push_back(std::move(*parsed_key));
      }
    }
    return info;
  }

  result<block_header> latest_sealed_block() override {
    auto what = std::string{"the latest sealed block"};
    auto response = exchange("GET", "/v1/blocks?height=sealed", {}, what);
    if (!response)
      return response.error();
    if (response->status != 200)
      return classify(*response, what, false);

    auto doc = parse_json(response->body, what);
    if (!doc)
      return doc.error();
    if (!doc->IsArray() || doc->Empty())
      return make_failure(ec::parse_error, what + " came back empty");
    auto header = member((*doc)[0], "header");
    if (header == nullptr)
      return make_failure(ec::parse_error, what + " has no header");
    block_header out;
    out.id = lower(string_member(*header, "id"));
    if (!is_hex_id(out.id))
      return make_failure(ec::parse_error, what + " has no valid id");
    auto height = uint_member(*header, "height", what);
    if (!height)
      return height.error();
    out.height = *height;
    return out;
  }

  result<std::string> send_transaction(const transaction& tx) override {
    auto what = std::string{"the transaction"};
    auto response =
      exchange("POST", "/v1/transactions", tx.to_rest_json(), what);
    if (!response)
      return response.error();
    if (response->status != 200 && response->status != 201)
      return classify(*response, what, false);

    auto doc = parse_json(response->body, what);
    if (!doc)
      return doc.error();
    auto id = lower(string_member(*doc, "id"));
    if (!is_hex_id(id))
      return make_failure(ec::parse_error,
                          "the node accepted the transaction but named no id");
    return id;
  }

  result<tx_result> transaction_result(std::string_view id) override {
    if (!is_hex_id(id))
      return make_failure(ec::invalid_input,
                          "a transaction id is 64 hex digits");
    auto what = "the result of transaction " + std::string{id};
    auto response =
      exchange("GET", "/v1/transaction_results/" + lower(id), {}, what);
    if (!response)
      return response.error();
    // Access nodes answer 404 for a transaction they never saw; that is a
    // status, not a failure: it may still arrive, or it never will.
    if (response->status == 404)
      return tx_result{};
    if (response->status != 200)
      return classify(*response, what, false);

    auto doc = parse_json(response->body, what);
    if (!doc)
      return doc.error();
    tx_result out;
    out.status = parse_status(string_member(*doc, "status"));
    if (auto code = member(*doc, "status_code");
        code != nullptr && code->IsUint())
      out.status_code = static_cast<uint32_t>(code->GetUint());
    out.error_message = tidy_flow_message(string_member(*doc, "error_message"));
    out.error_code = flow_error_code(out.error_message);
    if (auto events = member(*doc, "events");
        events != nullptr && events->IsArray()) {
      for (const auto& event : events->GetArray()) {
        auto parsed = parse_event(event);
        if (!parsed)
          return parsed.error();
        out.events.push_back(std::move(*parsed));
      }
    }
    return out;
  }

 private:
  result<http_response> exchange(const std::string& method,
                                 const std::string& path, std::string body,
                                 const std::string& what) {
    http_request request;
    request.method = method;
    request.url = options_.base_url + path;
    request.timeout = options_.timeout;
    request.headers.emplace_back("Accept", "application/json");
    if (method != "GET")
      request.headers.emplace_back("Content-Type", "application/json");
    request.body = std::move(body);
    auto response = http_.perform(request);
    if (!response) {
      auto f = response.error();
      f.message = what + ": " + f.message;
      return f;
    }
    return response;
  }

  flow_rest_options options_;
  http_client http_;
};

} // namespace

const char* to_string(tx_status status) noexcept {
  switch (status) {
  case tx_status::unknown:
    return "unknown";
  case tx_status::pending:
    return "pending";
  case tx_status::finalized:
    return "finalized";
  case tx_status::executed:
    return "executed";
  case tx_status::sealed:
    return "sealed";
  case tx_status::expired:
    return "expired";
  }
  return "unknown";
}

int flow_error_code(std::string_view message) {
  static constexpr std::string_view marker = "[Error Code: ";
  auto pos = message.find(marker);
  if (pos == std::string_view::npos)
    return 0;
  auto digits = message.substr(pos + marker.size());
  int code = 0;
  auto [end, err] =
    std::from_chars(digits.data(), digits.data() + digits.size(), code);
  if (err != std::errc{} || end == digits.data() + digits.size() || *end != ']')
    return 0;
  return code;
}

std::unique_ptr<flow_access> make_flow_rest_client(flow_rest_options options) {
  return std::make_unique<flow_rest_client>(std::move(options));
}

} // namespace flowsync
