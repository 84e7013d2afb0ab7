#include "adapters/flow_cli_config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace flowsync {

std::string render_flow_cli_config(std::string_view network,
                                   std::string_view grpc_host,
                                   const std::vector<cli_account>& accounts) {
  rapidjson::StringBuffer buf;
  buf.Reserve(256 + accounts.size() * 320);
  rapidjson::PrettyWriter<rapidjson::StringBuffer> out{buf};
  out.SetIndent(' ', 2);
  auto str = [&out](std::string_view text) {
    out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  };
  out.StartObject();
  str("networks");
  out.StartObject();
  str(network);
  str(grpc_host);
  out.EndObject();
  str("accounts");
  out.StartObject();
  for (const auto& account : accounts) {
    str(account.name);
    out.StartObject();
    str("address");
    str(account.address);
    str("key");
    out.StartObject();
    str("type");
    str("file");
    str("location");
    str(account.key_location);
    str("signatureAlgorithm");
    str(to_string(account.signing));
    str("hashAlgorithm");
    str(to_string(account.hashing));
    str("index");
    out.Uint(account.key_index);
    out.EndObject();
    out.EndObject();
  }
  out.EndObject();
  out.EndObject();
  std::string text{buf.GetString(), buf.GetSize()};
  text.push_back('\n');
  return text;
}

result<std::vector<cli_account>>
parse_flow_cli_accounts(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject())
    return make_failure(ec::parse_error,
                        "the Flow CLI configuration is not a JSON object");
  std::vector<cli_account> out;
  auto accounts = doc.FindMember("accounts");
  if (accounts == doc.MemberEnd())
    return out;
  if (!accounts->value.IsObject())
    return make_failure(ec::parse_error, "'accounts' is not an object");
  for (const auto& [name, value] : accounts->value.GetObject()) {
    if (!value.IsObject())
      continue;
    auto addr = value.FindMember("address");
    auto key = value.FindMember("key");
    if (addr == value.MemberEnd() || !addr->value.IsString()
        || key == value.MemberEnd() || !key->value.IsObject())
      continue;
    auto location = key->value.FindMember("location");
    if (location == key->value.MemberEnd() || !location->value.IsString())
      continue;
    cli_account account;
    account.name = name.GetString();
    account.address = addr->value.GetString();
    account.key_location = location->value.GetString();
    auto index = key->value.FindMember("index");
    if (index != key->value.MemberEnd() && index->value.IsUint())
      account.key_index = index->value.GetUint();
    out.push_back(std::move(account));
  }
  return out;
}

result<std::filesystem::path>
key_dir_relative_to(const std::filesystem::path& key_dir,
                    const std::filesystem::path& config_file) {
  std::error_code err;
  auto config_dir = std::filesystem::absolute(config_file, err).parent_path();
  if (err)
    return make_failure(ec::storage, "cannot resolve '" + config_file.string()
                                       + "': " + err.message());
  auto dir = std::filesystem::absolute(key_dir, err);
  if (err)
    return make_failure(ec::storage, "cannot resolve '" + key_dir.string()
                                       + "': " + err.message());
  auto rel =
    dir.lexically_normal().lexically_relative(config_dir.lexically_normal());
  if (rel.empty())
    return make_failure(ec::config, "the key folder '" + key_dir.string()
                                      + "' cannot be reached from '"
                                      + config_dir.string() + "'");
  return rel;
}

} // namespace flowsync
