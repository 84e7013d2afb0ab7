#include "adapters/settings.hpp"

#include "adapters/cadence_sources.hpp"
#include "adapters/sealing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace flowsync {

namespace {

constexpr const char* example_hint =
  "see config/flowsync.example.toml for every setting";

failure config_error(std::string message) {
  return make_failure(ec::config, std::move(message));
}

std::string trim(std::string text) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(),
             text.end());
  return text;
}

/// Reads one TOML table, remembering which keys were used so that unknown
/// ones can be reported with the list of known ones.
class section_reader {
 public:
  section_reader(const toml::table* table, std::string name, std::string origin)
      : table_(table), name_(std::move(name)), origin_(std::move(origin)) {
    // nop
  }

  const toml::node* get(const std::string& key) {
    known_.insert(key);
    if (table_ == nullptr)
      return nullptr;
    return table_->get(key);
  }

  std::string where(const std::string& key) const {
    auto full = name_.empty() ? key : name_ + "." + key;
    return "'" + full + "' in " + origin_;
  }

  result<void> read(const std::string& key, std::string& out) {
    if (auto node = get(key)) {
      auto value = node->value<std::string>();
      if (!value)
        return config_error(where(key) + " must be a string");
      out = *value;
    }
    return {};
  }

  template <class Int>
  result<void> read_int(const std::string& key, Int& out, int64_t min,
                        int64_t max) {
    if (auto node = get(key)) {
      auto value = node->value<int64_t>();
      if (!node->is_integer() || !value)
        return config_error(where(key) + " must be an integer");
      if (*value < min || *value > max)
        return config_error(fmt::format("{} must be between {} and {}, not {}",
                                        where(key), min, max, *value));
      out = static_cast<Int>(*value);
    }
    return {};
  }

  template <class Duration>
  result<void> read_duration(const std::string& key, Duration& out, int64_t min,
                             int64_t max) {
    int64_t count = out.count();
    if (auto res = read_int(key, count, min, max); !res)
      return res;
    out = Duration{count};
    return {};
  }

  result<void> read(const std::string& key, bool& out) {
    if (auto node = get(key)) {
      auto value = node->value<bool>();
      if (!node->is_boolean() || !value)
        return config_error(where(key) + " must be true or false");
      out = *value;
    }
    return {};
  }

  /// Amounts of FLOW: a string such as "0.075" (exact), or a number with at
  /// most eight decimals.
  result<void> read(const std::string& key, ufix64& out) {
    auto node = get(key);
    if (node == nullptr)
      return {};
    std::string text;
    if (auto str = node->value<std::string>(); node->is_string()) {
      text = *str;
    } else if (node->is_integer()) {
      text = std::to_string(*node->value<int64_t>());
    } else if (node->is_floating_point()) {
      auto x = *node->value<double>();
      text = fmt::format("{:.8f}", x);
      if (std::fabs(std::stod(text) - x) > 1e-12)
        return config_error(where(key) + " has more than 8 decimals; write "
                            + "amounts as strings, e.g. \"0.075\"");
    } else {
      return config_error(where(key) + " must be an amount such as \"0.1\"");
    }
    auto value = ufix64::parse(text);
    if (!value)
      return config_error(where(key) + " is not a valid UFix64 amount ("
                          + value.error().message + ")");
    out = *value;
    return {};
  }

  result<void> read(const std::string& key, address& out) {
    std::string text;
    if (auto res = read(key, text); !res)
      return res;
    if (text.empty())
      return {};
    auto value = address::parse(text);
    if (!value)
      return config_error(where(key) + " is not a Flow address ("
                          + value.error().message + ")");
    out = *value;
    return {};
  }

  result<void> read(const std::string& key, std::vector<uint32_t>& out) {
    auto node = get(key);
    if (node == nullptr)
      return {};
    auto array = node->as_array();
    if (array == nullptr)
      return config_error(where(key) + " must be an array of integers");
    std::vector<uint32_t> values;
    for (const auto& item : *array) {
      auto value = item.value<int64_t>();
      if (!item.is_integer() || !value || *value < 0 || *value > 0xffff)
        return config_error(where(key) + " must hold key indices (0 to 65535)");
      values.push_back(static_cast<uint32_t>(*value));
    }
    out = std::move(values);
    return {};
  }

  result<void> read(const std::string& key, std::vector<std::string>& out) {
    auto node = get(key);
    if (node == nullptr)
      return {};
    auto array = node->as_array();
    if (array == nullptr)
      return config_error(where(key) + " must be an array of strings");
    std::vector<std::string> values;
    for (const auto& item : *array) {
      auto value = item.value<std::string>();
      if (!item.is_string() || !value)
        return config_error(where(key) + " must hold strings");
      values.push_back(*value);
    }
    out = std::move(values);
    return {};
  }

  /// Fails on the first key that no read asked for.
  result<void> reject_unknown() const {
    if (table_ == nullptr)
      return {};
    for (const auto& [key, node] : *table_) {
      std::string name{key.str()};
      if (known_.count(name) == 0) {
        std::string list;
        for (const auto& k : known_)
          list += (list.empty() ? "" : ", ") + k;
        return config_error(fmt::format(
          "unknown setting {}; the known settings here are: {} ({})",
          where(name), list, example_hint));
      }
    }
    return {};
  }

 private:
  const toml::table* table_;
  std::string name_;
  std::string origin_;
  std::set<std::string> known_;
};

result<toml::table> parse_toml(std::string_view text, const std::string& name) {
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& err) {
    const auto& at = err.source().begin;
    return config_error(fmt::format("{} is not valid TOML (line {}, column "
                                    "{}): {}",
                                    name, at.line, at.column,
                                    err.description()));
  }
}

/// The sections of the top-level table and the keys that stand alone.
const std::set<std::string> sections{"supabase", "flow",     "contracts",
                                     "policy",   "batching", "rate_limits",
                                     "output",   "cycle",    "inspector"};

const toml::table* sub_table(const toml::table& root, const std::string& key) {
  auto node = root.get(key);
  return node == nullptr ? nullptr : node->as_table();
}

result<void> read_contracts(const toml::table* table, const std::string& origin,
                            contract_addresses& out) {
  if (table == nullptr)
    return {};
  for (const auto& [key, node] : *table) {
    std::string name{key.str()};
    auto text = node.value<std::string>();
    if (!node.is_string() || !text)
      return config_error("'contracts." + name + "' in " + origin
                          + " must be an address string");
    auto addr = address::parse(*text);
    if (!addr)
      return config_error("'contracts." + name + "' in " + origin
                          + " is not a Flow address");
    out[name] = *addr;
  }
  return {};
}

/// Applies a network profile (config/networks/<name>.toml).
result<void> apply_profile(settings& cfg, const std::string& network) {
  auto text = config_resource("networks/" + network + ".toml");
  if (text.empty())
    return config_error("unknown network '" + network
                        + "': choose emulator, testnet or mainnet");
  auto origin = "the " + network + " network profile";
  auto root = parse_toml(text, origin);
  if (!root)
    return root.error();
  section_reader top{&*root, "", origin};
  auto& flow = cfg.flow;
  std::string chain_id;
  for (auto res :
       {top.read("access_url", flow.access_url),
        top.read("grpc_host", flow.grpc_host), top.read("chain_id", chain_id),
        top.read("service_address", flow.service_address),
        top.read("proposal_key_indices", flow.proposal_key_indices),
        top.read_int("expiry_blocks", flow.expiry_blocks, 1, 100000)})
    if (!res)
      return res;
  top.get("contracts");
  if (auto res =
        read_contracts(sub_table(*root, "contracts"), origin, flow.contracts);
      !res)
    return res;
  return top.reject_unknown();
}

result<void> apply_file(settings& cfg, const toml::table& root,
                        const std::string& origin) {
  section_reader top{&root, "", origin};
  std::string ignored_network;
  if (auto res = top.read("network", ignored_network); !res)
    return res;
  if (auto res = top.read("log_level", cfg.log_level); !res)
    return res;
  for (const auto& name : sections) {
    auto node = top.get(name);
    if (node != nullptr && !node->is_table())
      return config_error(top.where(name) + " must be a table ([" + name
                          + "])");
  }
  if (auto res = top.reject_unknown(); !res)
    return res;

  section_reader sb{sub_table(root, "supabase"), "supabase", origin};
  auto& s = cfg.supabase;
  for (auto res : {sb.read("url", s.url),
                   sb.read_int("users_per_page", s.users_per_page, 1, 1000),
                   sb.read_int("wallets_per_page", s.wallets_per_page, 1, 1000),
                   sb.read_int("max_retries", s.max_retries, 0, 20),
                   sb.read_duration("timeout_ms", s.timeout, 100, 600000),
                   sb.reject_unknown()})
    if (!res)
      return res;

  section_reader fl{sub_table(root, "flow"), "flow", origin};
  auto& f = cfg.flow;
  std::string key_file;
  std::string sig_name = to_string(f.service_sig_algo);
  std::string hash_name = to_string(f.service_hash_algo);
  for (auto res :
       {fl.read("access_url", f.access_url), fl.read("grpc_host", f.grpc_host),
        fl.read("service_address", f.service_address),
        fl.read("service_key_file", key_file),
        fl.read_int("service_key_index", f.service_key_index, 0, 0xffff),
        fl.read("service_sig_algo", sig_name),
        fl.read("service_hash_algo", hash_name),
        fl.read("proposal_key_indices", f.proposal_key_indices),
        fl.read("tokens", f.tokens),
        fl.read_int("gas_limit", f.gas_limit, 100, 9999),
        fl.read_int("expiry_blocks", f.expiry_blocks, 1, 100000),
        fl.read_duration("poll_interval_ms", f.poll_interval, 10, 60000),
        fl.read_duration("tx_timeout_s", f.tx_timeout, 1, 3600),
        fl.read_duration("request_timeout_ms", f.request_timeout, 100, 600000),
        fl.reject_unknown()})
    if (!res)
      return res;
  auto sig = parse_sig_algo(sig_name);
  if (!sig)
    return config_error(fl.where("service_sig_algo")
                        + " must be ECDSA_P256 or ECDSA_secp256k1");
  f.service_sig_algo = *sig;
  auto hash = parse_hash_algo(hash_name);
  if (!hash)
    return config_error(fl.where("service_hash_algo")
                        + " must be SHA3_256 or SHA2_256");
  f.service_hash_algo = *hash;
  if (!key_file.empty()) {
    std::ifstream in{key_file};
    if (!in)
      return config_error(fl.where("service_key_file") + " names '" + key_file
                          + "', which cannot be read");
    std::stringstream buf;
    buf << in.rdbuf();
    f.service_key = secret{trim(buf.str())};
  }

  if (auto res =
        read_contracts(sub_table(root, "contracts"), origin, f.contracts);
      !res)
    return res;

  section_reader po{sub_table(root, "policy"), "policy", origin};
  auto& p = cfg.policy;
  for (auto res :
       {po.read("min_balance", p.min_balance),
        po.read("top_up_amount", p.top_up_amount),
        po.read("initial_funding", p.initial_funding),
        po.read_int("max_top_ups_per_day", p.max_top_ups_per_day, 0, 1000),
        po.read("daily_budget", p.daily_budget),
        po.read("service_floor", p.service_floor),
        po.read("include_anonymous", p.include_anonymous), po.reject_unknown()})
    if (!res)
      return res;

  section_reader ba{sub_table(root, "batching"), "batching", origin};
  auto& b = cfg.batching;
  for (auto res :
       {ba.read_int("state_batch", b.state_batch, 1, 5000),
        ba.read_int("create_batch", b.create_batch, 1, 500),
        ba.read_int("top_up_batch", b.top_up_batch, 1, 2000),
        ba.read_int("dispatch_batch", b.dispatch_batch, 1, 10000),
        ba.read_int("workers", b.workers, 1, 64), ba.reject_unknown()})
    if (!res)
      return res;

  section_reader rl{sub_table(root, "rate_limits"), "rate_limits", origin};
  auto& r = cfg.rate_limits;
  for (auto res :
       {rl.read_int("scripts_per_second", r.scripts, 1, 100000),
        rl.read_int("transactions_per_second", r.transactions, 1, 100000),
        rl.read_int("access_per_second", r.access, 1, 100000),
        rl.read_duration("penalty_s", r.penalty, 1, 3600), rl.reject_unknown()})
    if (!res)
      return res;

  section_reader ou{sub_table(root, "output"), "output", origin};
  auto& o = cfg.output;
  std::string flow_config = o.flow_config.string();
  std::string key_dir = o.key_dir.string();
  for (auto res :
       {ou.read("flow_config", flow_config), ou.read("key_dir", key_dir),
        ou.read_duration("flush_interval_s", o.flush_interval, 1, 3600),
        ou.reject_unknown()})
    if (!res)
      return res;
  o.flow_config = flow_config;
  o.key_dir = key_dir;

  section_reader cy{sub_table(root, "cycle"), "cycle", origin};
  auto& c = cfg.cycle;
  for (auto res :
       {cy.read_duration("sync_interval_s", c.interval, 1, 86400),
        cy.read_duration("signup_poll_s", c.signup_poll, 0, 3600),
        cy.read_duration("drain_timeout_s", c.drain_timeout, 1, 3600),
        cy.reject_unknown()})
    if (!res)
      return res;

  section_reader in{sub_table(root, "inspector"), "inspector", origin};
  auto& i = cfg.inspector;
  for (auto res : {in.read("host", i.host),
                   in.read_int("port", i.port, 0, 65535), in.reject_unknown()})
    if (!res)
      return res;
  return {};
}

result<secret> secret_from_env(const env_lookup& env, const std::string& name,
                               const std::string& file_name) {
  if (auto value = env(name); value && !value->empty())
    return secret{trim(*value)};
  if (auto path = env(file_name); path && !path->empty()) {
    std::ifstream in{*path};
    if (!in)
      return config_error(file_name + " names '" + *path
                          + "', which cannot be read");
    std::stringstream buf;
    buf << in.rdbuf();
    return secret{trim(buf.str())};
  }
  return secret{};
}

result<void> apply_env(settings& cfg, const env_lookup& env) {
  if (auto v = env("SUPABASE_URL"); v && !v->empty())
    cfg.supabase.url = *v;
  if (auto v = env("SUPABASE_SERVICE_ROLE_KEY"); v && !v->empty())
    cfg.supabase.service_role_key = secret{*v};
  else if (auto alt = env("SUPABASE_SERVICE_KEY"); alt && !alt->empty())
    cfg.supabase.service_role_key = secret{*alt};
  if (auto v = env("FLOW_ACCESS_URL"); v && !v->empty())
    cfg.flow.access_url = *v;
  if (auto v = env("FLOWSYNC_LOG_LEVEL"); v && !v->empty())
    cfg.log_level = *v;
  if (auto v = env("SYNC_INTERVAL"); v && !v->empty()) {
    char* end = nullptr;
    auto seconds = std::strtol(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0' || seconds < 1 || seconds > 86400)
      return config_error("SYNC_INTERVAL must be a number of seconds between "
                          "1 and 86400, not '"
                          + *v + "'");
    cfg.cycle.interval = std::chrono::seconds{seconds};
  }
  if (auto v = env("FLOWSYNC_INSPECTOR_PORT"); v && !v->empty()) {
    // 0 keeps the inspector off, as in the file.
    auto port = *v == "0" ? result<uint16_t>{uint16_t{0}}
                          : parse_port(*v, "FLOWSYNC_INSPECTOR_PORT");
    if (!port)
      return port.error();
    cfg.inspector.port = *port;
  }
  if (auto v = env("FLOWSYNC_SERVICE_ADDRESS"); v && !v->empty()) {
    auto addr = address::parse(*v);
    if (!addr)
      return config_error("FLOWSYNC_SERVICE_ADDRESS is not a Flow address");
    cfg.flow.service_address = *addr;
  }
  if (auto v = env("FLOWSYNC_PROPOSAL_KEYS"); v && !v->empty()) {
    std::vector<uint32_t> indices;
    std::stringstream in{*v};
    std::string item;
    while (std::getline(in, item, ',')) {
      char* end = nullptr;
      auto n = std::strtol(item.c_str(), &end, 10);
      if (item.empty() || *end != '\0' || n < 0 || n > 0xffff)
        return config_error("FLOWSYNC_PROPOSAL_KEYS must be key indices "
                            "separated by commas, e.g. 1,2,3");
      indices.push_back(static_cast<uint32_t>(n));
    }
    cfg.flow.proposal_key_indices = std::move(indices);
  }
  if (auto v = env("FLOWSYNC_CONTRACTS"); v && !v->empty()) {
    std::stringstream in{*v};
    std::string item;
    while (std::getline(in, item, ',')) {
      auto eq = item.find('=');
      auto addr = eq == std::string::npos
                    ? result<address>{make_failure(ec::invalid_input, "")}
                    : address::parse(item.substr(eq + 1));
      if (eq == 0 || !addr)
        return config_error("FLOWSYNC_CONTRACTS must list Name=address "
                            "pairs separated by commas, e.g. "
                            "BaitCoin=179b6b1cb6755e31");
      cfg.flow.contracts[item.substr(0, eq)] = *addr;
    }
  }
  auto service_key =
    secret_from_env(env, "FLOWSYNC_SERVICE_KEY", "FLOWSYNC_SERVICE_KEY_FILE");
  if (!service_key)
    return service_key.error();
  if (!service_key->empty())
    cfg.flow.service_key = std::move(*service_key);
  auto master =
    secret_from_env(env, "FLOWSYNC_MASTER_KEY", "FLOWSYNC_MASTER_KEY_FILE");
  if (!master)
    return master.error();
  cfg.master_key = std::move(*master);
  return {};
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

result<void> validate(settings& cfg) {
  static const std::set<std::string> levels{"trace", "debug", "info",
                                            "warn",  "error", "off"};
  if (levels.count(cfg.log_level) == 0)
    return config_error("log_level must be one of trace, debug, info, warn, "
                        "error, off; not '"
                        + cfg.log_level + "'");
  if (cfg.supabase.url.empty())
    return config_error("no Supabase URL: set SUPABASE_URL or [supabase] url");
  if (!is_http_url(cfg.supabase.url))
    return config_error("the Supabase URL must start with http:// or "
                        "https://");
  while (!cfg.supabase.url.empty() && cfg.supabase.url.back() == '/')
    cfg.supabase.url.pop_back();
  if (cfg.supabase.service_role_key.empty())
    return config_error("no Supabase service role key: set "
                        "SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SERVICE_KEY) "
                        "in the environment");
  auto& f = cfg.flow;
  if (f.access_url.empty() || !is_http_url(f.access_url))
    return config_error("no access node: set FLOW_ACCESS_URL or [flow] "
                        "access_url to the node's REST URL (http:// or "
                        "https://)");
  while (!f.access_url.empty() && f.access_url.back() == '/')
    f.access_url.pop_back();
  if (f.service_address.is_zero())
    return config_error("no service account: set FLOWSYNC_SERVICE_ADDRESS or "
                        "[flow] service_address");
  if (f.service_key.empty())
    return config_error("no service account key: set FLOWSYNC_SERVICE_KEY or "
                        "FLOWSYNC_SERVICE_KEY_FILE in the environment, or "
                        "[flow] service_key_file");
  if (auto key = private_key::from_hex(f.service_key, f.service_sig_algo); !key)
    return config_error("the service account key is not a valid "
                        + std::string{to_string(f.service_sig_algo)}
                        + " private key (64 hex digits expected)");
  if (f.proposal_key_indices.size() < cfg.batching.workers)
    return config_error(fmt::format(
      "{} workers need {} proposal keys, but [flow] proposal_key_indices "
      "(or FLOWSYNC_PROPOSAL_KEYS) lists {}",
      cfg.batching.workers, cfg.batching.workers,
      f.proposal_key_indices.size()));
  std::set<uint32_t> distinct(f.proposal_key_indices.begin(),
                              f.proposal_key_indices.end());
  if (distinct.size() != f.proposal_key_indices.size())
    return config_error("[flow] proposal_key_indices lists a key twice: "
                        "each worker needs a key of its own");
  if (f.tokens.empty())
    return config_error("[flow] tokens must name at least one token");
  for (const auto& name :
       {std::string{"FungibleToken"}, std::string{"FungibleTokenMetadataViews"},
        std::string{"FlowToken"}})
    if (f.contracts.count(name) == 0)
      return config_error("no address for contract " + name
                          + ": add it to [contracts]");
  for (const auto& token : f.tokens)
    if (f.contracts.count(token) == 0)
      return config_error("token " + token
                          + " has no address: add it to [contracts]");
  if (cfg.master_key.empty())
    return config_error("no master key: set FLOWSYNC_MASTER_KEY (64 hex "
                        "digits, e.g. from `openssl rand -hex 32`) or "
                        "FLOWSYNC_MASTER_KEY_FILE");
  if (auto s = sealer::from_master_key(cfg.master_key); !s)
    return s.error();
  auto& p = cfg.policy;
  if (p.top_up_amount.units() == 0)
    return config_error("[policy] top_up_amount must be above zero");
  if (p.top_up_amount < p.min_balance)
    return config_error("[policy] top_up_amount is below min_balance: a "
                        "top-up would not bring an empty account back above "
                        "the threshold");
  if (cfg.output.flow_config.empty() || cfg.output.key_dir.empty())
    return config_error("[output] flow_config and key_dir must not be empty");
  if (!is_loopback_host(cfg.inspector.host))
    return config_error("[inspector] host must be a loopback address "
                        "(127.0.0.1, ::1 or localhost), not '"
                        + cfg.inspector.host
                        + "': the inspector has no authentication");
  return {};
}

} // namespace

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (auto value = std::getenv(name.c_str()))
      return std::string{value};
    return std::nullopt;
  };
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost")
    return true;
  // Addresses only: a name such as "127.example.com" may resolve anywhere.
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1
         && IN6_IS_ADDR_LOOPBACK(&v6);
}

result<uint16_t> parse_port(const std::string& text, const std::string& what) {
  char* end = nullptr;
  auto port = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || port < 1 || port > 65535)
    return config_error(what + " must be a port number between 1 and 65535, "
                        + "not '" + text + "'");
  return static_cast<uint16_t>(port);
}

result<settings> load_settings(const std::filesystem::path& file,
                               const env_lookup& env) {
  settings cfg;
  std::optional<toml::table> root;
  std::string origin = file.string();
  if (!file.empty()) {
    std::ifstream in{file};
    if (!in)
      return config_error("cannot read the config file '" + origin
                          + "'; pass an existing file with --config or "
                            "FLOWSYNC_CONFIG");
    std::stringstream buf;
    buf << in.rdbuf();
    auto parsed = parse_toml(buf.str(), origin);
    if (!parsed)
      return parsed.error();
    root = std::move(*parsed);
    cfg.source = file;
  }

  std::string network;
  if (root) {
    if (auto node = root->get("network")) {
      auto value = node->value<std::string>();
      if (!node->is_string() || !value)
        return config_error("'network' in " + origin + " must be a string");
      network = *value;
    }
  }
  if (auto v = env("NETWORK"); v && !v->empty())
    network = *v;
  if (network.empty())
    return config_error("no network chosen: set NETWORK or network = "
                        "\"emulator\", \"testnet\" or \"mainnet\" in the "
                        "config file (mainnet is never assumed)");
  cfg.flow.network = network;

  if (auto res = apply_profile(cfg, network); !res)
    return res.error();
  if (root)
    if (auto res = apply_file(cfg, *root, origin); !res)
      return res.error();
  if (auto res = apply_env(cfg, env); !res)
    return res.error();
  if (auto res = validate(cfg); !res)
    return res.error();
  return cfg;
}

std::string describe(const settings& cfg) {
  // Secrets come from the environment only: shown as comments, never values.
  auto set = [](const secret& s) { return s.empty() ? "unset" : "set"; };
  std::string indices;
  for (auto i : cfg.flow.proposal_key_indices)
    indices += (indices.empty() ? "" : ", ") + std::to_string(i);
  std::string tokens;
  for (const auto& t : cfg.flow.tokens)
    tokens += (tokens.empty() ? "\"" : ", \"") + t + "\"";
  std::string out = fmt::format(
    "network = \"{}\"\nlog_level = \"{}\"\n\n[supabase]\nurl = \"{}\"\n"
    "# service role key: {}\nusers_per_page = {}\nwallets_per_page = {}\n"
    "max_retries = {}\ntimeout_ms = {}\n\n[flow]\naccess_url = \"{}\"\n"
    "grpc_host = \"{}\"\nservice_address = \"{}\"\n# service key: {}\n"
    "service_key_index = {}\nservice_sig_algo = \"{}\"\n"
    "service_hash_algo = \"{}\"\nproposal_key_indices = [{}]\n"
    "tokens = [{}]\ngas_limit = {}\nexpiry_blocks = {}\n"
    "poll_interval_ms = {}\ntx_timeout_s = {}\nrequest_timeout_ms = {}\n",
    cfg.flow.network, cfg.log_level, cfg.supabase.url,
    set(cfg.supabase.service_role_key), cfg.supabase.users_per_page,
    cfg.supabase.wallets_per_page, cfg.supabase.max_retries,
    cfg.supabase.timeout.count(), cfg.flow.access_url, cfg.flow.grpc_host,
    cfg.flow.service_address.hex(), set(cfg.flow.service_key),
    cfg.flow.service_key_index, to_string(cfg.flow.service_sig_algo),
    to_string(cfg.flow.service_hash_algo), indices, tokens, cfg.flow.gas_limit,
    cfg.flow.expiry_blocks, cfg.flow.poll_interval.count(),
    cfg.flow.tx_timeout.count(), cfg.flow.request_timeout.count());
  out += "\n[contracts]\n";
  for (const auto& [name, addr] : cfg.flow.contracts)
    out += fmt::format("{} = \"{}\"\n", name, addr.hex());
  const auto& p = cfg.policy;
  out += fmt::format(
    "\n[policy]\nmin_balance = \"{}\"\ntop_up_amount = \"{}\"\n"
    "initial_funding = \"{}\"\nmax_top_ups_per_day = {}\n"
    "daily_budget = \"{}\"\nservice_floor = \"{}\"\ninclude_anonymous = {}\n",
    p.min_balance.to_string(), p.top_up_amount.to_string(),
    p.initial_funding.to_string(), p.max_top_ups_per_day,
    p.daily_budget.to_string(), p.service_floor.to_string(),
    p.include_anonymous);
  const auto& b = cfg.batching;
  out += fmt::format("\n[batching]\nstate_batch = {}\ncreate_batch = {}\n"
                     "top_up_batch = {}\ndispatch_batch = {}\nworkers = {}\n",
                     b.state_batch, b.create_batch, b.top_up_batch,
                     b.dispatch_batch, b.workers);
  const auto& r = cfg.rate_limits;
  out += fmt::format("\n[rate_limits]\nscripts_per_second = {}\n"
                     "transactions_per_second = {}\naccess_per_second = {}\n"
                     "penalty_s = {}\n",
                     r.scripts, r.transactions, r.access, r.penalty.count());
  const auto& o = cfg.output;
  out += fmt::format("\n[output]\nflow_config = \"{}\"\nkey_dir = \"{}\"\n"
                     "flush_interval_s = {}\n",
                     o.flow_config.string(), o.key_dir.string(),
                     o.flush_interval.count());
  const auto& c = cfg.cycle;
  out += fmt::format("\n[cycle]\nsync_interval_s = {}\nsignup_poll_s = {}\n"
                     "drain_timeout_s = {}\n",
                     c.interval.count(), c.signup_poll.count(),
                     c.drain_timeout.count());
  out +=
    fmt::format("\n[inspector]\nhost = \"{}\"\nport = {}\n\n"
                "# master key: {}\n",
                cfg.inspector.host, cfg.inspector.port, set(cfg.master_key));
  return out;
}

} // namespace flowsync
