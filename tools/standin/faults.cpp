#include "tools/standin/faults.hpp"

#include <algorithm>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync::standin {

namespace {

constexpr fault_kind all_kinds[] = {
  fault_kind::too_many, fault_kind::internal,  fault_kind::unavailable,
  fault_kind::slow,     fault_kind::truncated, fault_kind::drop,
};

} // namespace

const char* to_string(fault_kind kind) noexcept {
  switch (kind) {
  case fault_kind::none:
    return "none";
  case fault_kind::too_many:
    return "429";
  case fault_kind::internal:
    return "500";
  case fault_kind::unavailable:
    return "503";
  case fault_kind::slow:
    return "slow";
  case fault_kind::truncated:
    return "truncated";
  case fault_kind::drop:
    return "drop";
  }
  return "none";
}

fault_kind parse_fault_kind(std::string_view name) noexcept {
  for (auto kind : all_kinds)
    if (name == to_string(kind))
      return kind;
  return fault_kind::none;
}

bool parse_fault_config(std::string_view json, fault_config& out,
                        std::string& error) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    error = "the body must be a JSON object";
    return false;
  }

  fault_config config = out;
  for (auto& member : doc.GetObject()) {
    std::string_view key{member.name.GetString(),
                         member.name.GetStringLength()};
    auto& value = member.value;
    if (key == "rate") {
      if (!value.IsNumber() || value.GetDouble() < 0 || value.GetDouble() > 1) {
        error = "rate must be a number from 0 to 1";
        return false;
      }
      config.rate = value.GetDouble();
    } else if (key == "kinds") {
      if (!value.IsArray()) {
        error = "kinds must be an array of names";
        return false;
      }
      config.kinds.clear();
      for (auto& item : value.GetArray()) {
        auto kind = item.IsString() ? parse_fault_kind(item.GetString())
                                    : fault_kind::none;
        if (kind == fault_kind::none) {
          error = "unknown fault kind; use 429, 500, 503, slow, truncated "
                  "or drop";
          return false;
        }
        config.kinds.push_back(kind);
      }
    } else if (key == "paths") {
      if (!value.IsArray()) {
        error = "paths must be an array of path prefixes";
        return false;
      }
      config.paths.clear();
      for (auto& item : value.GetArray()) {
        if (!item.IsString()) {
          error = "paths must be an array of path prefixes";
          return false;
        }
        config.paths.emplace_back(item.GetString(), item.GetStringLength());
      }
    } else if (key == "methods") {
      if (!value.IsArray()) {
        error = "methods must be an array of HTTP methods";
        return false;
      }
      config.methods.clear();
      for (auto& item : value.GetArray()) {
        if (!item.IsString()) {
          error = "methods must be an array of HTTP methods";
          return false;
        }
        config.methods.emplace_back(item.GetString(), item.GetStringLength());
      }
    } else if (key == "slow_ms") {
      if (!value.IsInt64() || value.GetInt64() < 0) {
        error = "slow_ms must be a non-negative integer";
        return false;
      }
      config.slow_ms = value.GetInt64();
    } else if (key == "seed") {
      if (!value.IsUint64()) {
        error = "seed must be a non-negative integer";
        return false;
      }
      config.seed = value.GetUint64();
    } else {
      error = "unknown key " + std::string{key}
              + "; use rate, kinds, paths, methods, slow_ms or seed";
      return false;
    }
  }
  if (config.rate > 0 && config.kinds.empty())
    config.kinds.assign(std::begin(all_kinds), std::end(all_kinds));
  out = std::move(config);
  return true;
}

std::string to_json(const fault_config& config) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("rate");
  w.Double(config.rate);
  w.Key("kinds");
  w.StartArray();
  for (auto kind : config.kinds)
    w.String(to_string(kind));
  w.EndArray();
  w.Key("paths");
  w.StartArray();
  for (const auto& path : config.paths)
    w.String(path.c_str());
  w.EndArray();
  w.Key("methods");
  w.StartArray();
  for (const auto& method : config.methods)
    w.String(method.c_str());
  w.EndArray();
  w.Key("slow_ms");
  w.Int64(config.slow_ms);
  w.Key("seed");
  w.Uint64(config.seed);
  w.EndObject();
  return buf.GetString();
}

fault_injector::fault_injector() : rng_(config_.seed) {
  // nop
}

void fault_injector::configure(fault_config config) {
  std::lock_guard<std::mutex> guard{mtx_};
  config_ = std::move(config);
  rng_.seed(config_.seed);
}

fault_config fault_injector::config() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return config_;
}

fault_kind fault_injector::draw(std::string_view path,
                                std::string_view method) {
  if (path.rfind("/_standin/", 0) == 0)
    return fault_kind::none;
  std::lock_guard<std::mutex> guard{mtx_};
  ++requests_;
  if (config_.rate <= 0 || config_.kinds.empty())
    return fault_kind::none;
  if (!config_.paths.empty()) {
    bool matches = false;
    for (const auto& prefix : config_.paths)
      matches = matches || path.rfind(prefix, 0) == 0;
    if (!matches)
      return fault_kind::none;
  }
  if (!config_.methods.empty()
      && std::find(config_.methods.begin(), config_.methods.end(), method)
           == config_.methods.end())
    return fault_kind::none;
  std::uniform_real_distribution<double> coin{0.0, 1.0};
  if (coin(rng_) >= config_.rate)
    return fault_kind::none;
  std::uniform_int_distribution<size_t> pick{0, config_.kinds.size() - 1};
  auto kind = config_.kinds[pick(rng_)];
  ++injected_[to_string(kind)];
  return kind;
}

std::string fault_injector::stats_json() const {
  std::lock_guard<std::mutex> guard{mtx_};
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  uint64_t total = 0;
  w.StartObject();
  w.Key("requests");
  w.Uint64(requests_);
  w.Key("faults");
  w.StartObject();
  for (auto kind : all_kinds) {
    auto i = injected_.find(to_string(kind));
    auto n = i == injected_.end() ? 0 : i->second;
    total += n;
    w.Key(to_string(kind));
    w.Uint64(n);
  }
  w.EndObject();
  w.Key("faults_total");
  w.Uint64(total);
  w.Key("rate");
  w.Double(config_.rate);
  w.EndObject();
  return buf.GetString();
}

} // namespace flowsync::standin
