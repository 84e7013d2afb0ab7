#include "actors/config_writer.hpp"

#include "adapters/atomic_file.hpp"
#include "adapters/flow_cli_config.hpp"
#include "adapters/logging.hpp"

#include <vector>

#include <caf/actor_system.hpp>
#include <caf/spawn_options.hpp>

namespace flowsync {

namespace {

constexpr auto key_file_mode =
  std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

constexpr auto config_file_mode = std::filesystem::perms::owner_read
                                  | std::filesystem::perms::owner_write
                                  | std::filesystem::perms::group_read;

/// A key file holds the 32-byte private key in hex and nothing else.
constexpr uintmax_t key_file_size = 64;

std::filesystem::path key_file_path(const config_writer_config& cfg,
                                    const std::string& auth_id) {
  return cfg.output.key_dir / (auth_id + ".pkey");
}

} // namespace

void config_writer_state::load_existing() {
  auto text = read_file(cfg.output.flow_config);
  if (!text)
    return;
  written_hash = std::hash<std::string>{}(*text);
  auto parsed = parse_flow_cli_accounts(*text);
  if (!parsed) {
    FLOWSYNC_WARN("config-writer cannot read the accounts of {}; it will "
                  "be rewritten: {}",
                  cfg.output.flow_config.string(), parsed.error().message);
    return;
  }
  for (const auto& account : *parsed) {
    std::error_code err;
    entry e;
    e.address = account.address;
    e.key_index = account.key_index;
    // A key file cut short by a crash is written again: a key is 64 hex
    // digits, nothing more.
    e.key_file_ok =
      std::filesystem::file_size(key_file_path(cfg, account.name), err)
        == key_file_size
      && !err;
    accounts.emplace(account.name, std::move(e));
  }
  FLOWSYNC_INFO("config-writer found {} accounts in {}", accounts.size(),
                cfg.output.flow_config.string());
}

void config_writer_state::upsert(const account_entry& account) {
  auto& e = accounts[account.auth_id];
  if (e.address != account.address || e.key_index != account.key_index) {
    e.address = account.address;
    e.key_index = account.key_index;
    e.key_file_ok = false;
    dirty = true;
  }
  if (!account.sealed_key.empty() && e.sealed_key != account.sealed_key) {
    // After a restart the key files are on disk: compare each once instead
    // of writing it again.
    e.compare_file = e.key_file_ok && e.sealed_key.empty();
    e.sealed_key = account.sealed_key;
    e.key_file_ok = false;
  }
  if (!e.key_file_ok)
    dirty = true;
  e.seen = cycle;
}

void config_writer_state::drop_unseen(uint64_t complete_cycle) {
  size_t dropped = 0;
  for (auto i = accounts.begin(); i != accounts.end();) {
    if (i->second.seen >= complete_cycle) {
      ++i;
      continue;
    }
    std::error_code err;
    std::filesystem::remove(key_file_path(cfg, i->first), err);
    i = accounts.erase(i);
    ++dropped;
  }
  if (dropped > 0) {
    dirty = true;
    FLOWSYNC_INFO("config-writer drops {} accounts no longer in step", dropped);
  }
}

config_writer_state::key_file
config_writer_state::ensure_key_file(const std::string& auth_id, entry& e) {
  if (e.key_file_ok)
    return key_file::in_place;
  if (e.sealed_key.empty())
    return key_file::failed;
  auto key = keys->open(e.sealed_key, auth_id);
  if (!key) {
    FLOWSYNC_ERROR("config-writer cannot open the key of user {}: {}", auth_id,
                   key.error().message);
    return key_file::failed;
  }
  auto path = key_file_path(cfg, auth_id);
  if (e.compare_file) {
    e.compare_file = false;
    if (auto existing = read_file(path);
        existing && *existing == key->reveal()) {
      e.key_file_ok = true;
      return key_file::in_place;
    }
  }
  // The Flow CLI does not trim: the file holds the hex key and nothing else.
  // Not synced one by one: a key file is derived from the wallet row, and
  // one that a crash cut short or lost is found at the next start (by its
  // size, then by comparing it with the key) and written again. Syncing a
  // hundred thousand files, or the whole file system, cost more than the
  // rest of the flush together.
  auto res = write_file_unsynced(path, key->reveal(), key_file_mode);
  if (!res) {
    FLOWSYNC_ERROR("config-writer cannot write the key file of user {}: {}",
                   auth_id, res.error().message);
    return key_file::failed;
  }
  e.key_file_ok = true;
  return key_file::written;
}

flush_report config_writer_state::flush(bool force) {
  flush_report report;
  report.accounts = accounts.size();
  if ((!dirty && !force) || cfg.read_only)
    return report;
  auto start = std::chrono::steady_clock::now();
  if (auto res = ensure_private_dir(cfg.output.key_dir); !res) {
    FLOWSYNC_ERROR("config-writer cannot prepare {}: {}",
                   cfg.output.key_dir.string(), res.error().message);
    return report;
  }

  std::vector<cli_account> listed;
  listed.reserve(accounts.size());
  for (auto& [auth_id, e] : accounts) {
    auto file = ensure_key_file(auth_id, e);
    if (file == key_file::failed)
      continue;
    if (file == key_file::written)
      ++report.key_files_written;
    cli_account account;
    account.name = auth_id;
    account.address = e.address;
    account.key_location = (key_location_dir / (auth_id + ".pkey")).string();
    account.key_index = e.key_index;
    listed.push_back(std::move(account));
  }

  auto text = render_flow_cli_config(cfg.network, cfg.grpc_host, listed);
  auto hash = std::hash<std::string>{}(text);
  std::error_code exists_err;
  if (hash == written_hash
      && std::filesystem::exists(cfg.output.flow_config, exists_err)) {
    dirty = false;
    report.accounts = listed.size();
    return report;
  }
  auto config_dir = cfg.output.flow_config.parent_path();
  if (!config_dir.empty()) {
    std::error_code err;
    std::filesystem::create_directories(config_dir, err);
  }
  auto res =
    write_file_atomically(cfg.output.flow_config, text, config_file_mode, true);
  report.milliseconds = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  if (!res) {
    FLOWSYNC_ERROR("config-writer cannot write {}: {}",
                   cfg.output.flow_config.string(), res.error().message);
    return report;
  }
  report.accounts = listed.size();
  report.written = true;
  written_hash = hash;
  dirty = false;
  FLOWSYNC_INFO("config-writer wrote {} accounts ({} new key files) to {} "
                "in {:.0f} ms",
                listed.size(), report.key_files_written,
                cfg.output.flow_config.string(), report.milliseconds);
  return report;
}

config_writer_actor::behavior_type
config_writer(config_writer_actor::stateful_pointer<config_writer_state> self,
              config_writer_config cfg, sealer keys) {
  auto& st = self->state;
  st.self = self;
  st.cfg = std::move(cfg);
  st.keys.emplace(std::move(keys));
  if (auto rel =
        key_dir_relative_to(st.cfg.output.key_dir, st.cfg.output.flow_config))
    st.key_location_dir = *rel;
  else
    st.key_location_dir = std::filesystem::absolute(st.cfg.output.key_dir);
  st.load_existing();
  auto schedule_tick = [self] {
    if (self->state.tick_pending)
      return;
    self->state.tick_pending = true;
    self->delayed_send(self, self->state.cfg.output.flush_interval,
                       atom::tick::value);
  };
  return {
    [self](atom::begin, uint64_t cycle) { self->state.cycle = cycle; },
    [self, schedule_tick](atom::account, const account_entry& account) {
      self->state.upsert(account);
      if (self->state.dirty)
        schedule_tick();
    },
    [self](atom::refused, const std::string& auth_id) {
      if (self->state.accounts.erase(auth_id) > 0)
        self->state.dirty = true;
    },
    [self](atom::end, uint64_t cycle, bool complete) {
      if (complete)
        self->state.drop_unseen(cycle);
      std::error_code err;
      auto missing =
        !std::filesystem::exists(self->state.cfg.output.flow_config, err);
      return self->state.flush(missing);
    },
    [self](atom::flush) { return self->state.flush(false); },
    [self](atom::tick) {
      self->state.tick_pending = false;
      self->state.flush(false);
    },
  };
}

config_writer_actor spawn_config_writer(caf::actor_system& sys,
                                        config_writer_config cfg, sealer keys,
                                        bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(config_writer, std::move(cfg),
                                    std::move(keys));
  return sys.spawn(config_writer, std::move(cfg), std::move(keys));
}

} // namespace flowsync
