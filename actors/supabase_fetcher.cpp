#include "actors/supabase_fetcher.hpp"

#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/spawn_options.hpp>

namespace flowsync {

namespace {

/// Progress through a list of conditional writes, kept across retries so
/// that a retry resumes where the failure happened.
template <class Item>
struct write_progress {
  std::vector<Item> items;
  size_t next = 0;
  id_list done;
};

/// Runs conditional writes one by one and collects the users written. A row
/// that did not qualify is read back: if it already holds what we meant to
/// write (an earlier try succeeded but its answer was lost), it counts as
/// written; otherwise the caller learns it from the missing id.
template <class Item, class Write, class Holds>
result<id_list> write_each(supabase_api& api, write_progress<Item>& progress,
                           Write write, Holds holds) {
  for (; progress.next < progress.items.size(); ++progress.next) {
    const auto& item = progress.items[progress.next];
    auto res = write(item);
    if (!res)
      return res.error();
    if (!*res) {
      auto rows = api.wallets_for({item.auth_id});
      if (!rows)
        return rows.error();
      if (rows->empty() || !holds(rows->front(), item))
        continue;
    }
    progress.done.ids.push_back(item.auth_id);
  }
  return progress.done;
}

} // namespace

supabase_fetcher_actor::behavior_type supabase_fetcher(
  supabase_fetcher_actor::stateful_pointer<supabase_fetcher_state> self,
  std::shared_ptr<supabase_api> api, int max_retries) {
  self->state.self = self;
  self->state.api = std::move(api);
  self->state.max_retries = max_retries;
  auto& st = self->state;
  return {
    [&st](atom::schema) {
      return st.run<bool>("the schema check", [&st]() -> result<bool> {
        if (auto res = st.api->check_schema(); !res)
          return res.error();
        return true;
      });
    },
    [&st](atom::users, int32_t page, int32_t per_page) {
      return st.run<user_page>(
        "users page " + std::to_string(page),
        [&st, page, per_page] { return st.api->list_users(page, per_page); });
    },
    [&st](atom::wallets, const std::string& after, int32_t limit) {
      return st.run<wallet_page>(
        "wallet rows", [&st, after, limit]() -> result<wallet_page> {
          auto rows = st.api->wallets_after(after, limit);
          if (!rows)
            return rows.error();
          return wallet_page{std::move(*rows)};
        });
    },
    [&st](atom::wallets, const id_list& users) {
      return st.run<wallet_page>("wallet rows of new users",
                                 [&st, users]() -> result<wallet_page> {
                                   auto rows = st.api->wallets_for(users.ids);
                                   if (!rows)
                                     return rows.error();
                                   return wallet_page{std::move(*rows)};
                                 });
    },
    [&st](atom::insert, const id_list& users) {
      return st.run<wallet_page>(
        "missing wallet rows", [&st, users]() -> result<wallet_page> {
          auto rows = st.api->insert_wallets(users.ids);
          if (!rows)
            return rows.error();
          return wallet_page{std::move(*rows)};
        });
    },
    [&st](atom::keys, const key_writes& writes) {
      auto progress = std::make_shared<write_progress<key_write>>();
      progress->items = writes.items;
      return st.run<id_list>("key storage", [&st, progress] {
        return write_each(
          *st.api, *progress,
          [&st](const key_write& w) {
            return st.api->store_keys(w.auth_id, w.public_key, w.sealed_key);
          },
          [](const wallet_row& row, const key_write& w) {
            return row.flow_public_key == w.public_key
                   && row.flow_private_key == w.sealed_key;
          });
      });
    },
    [&st](atom::address, const address_writes& writes) {
      auto progress = std::make_shared<write_progress<address_write>>();
      progress->items = writes.items;
      return st.run<id_list>("address storage", [&st, progress] {
        return write_each(
          *st.api, *progress,
          [&st](const address_write& w) {
            return st.api->store_address(w.auth_id, w.public_key, w.address);
          },
          [](const wallet_row& row, const address_write& w) {
            return row.flow_address == w.address
                   && row.flow_public_key == w.public_key;
          });
      });
    },
    [&st](atom::ledger, atom::insert, const ledger_page& page) {
      return st.run<bool>("ledger insert", [&st, page]() -> result<bool> {
        if (auto res = st.api->insert_ledger(page.entries); !res)
          return res.error();
        return true;
      });
    },
    [&st](atom::ledger, atom::update, const ledger_update& u) {
      return st.run<bool>("ledger update", [&st, u]() -> result<bool> {
        auto res = st.api->update_ledger(u.tx_id, u.auth_id, u.status,
                                         u.error_code, u.address);
        if (!res)
          return res.error();
        return true;
      });
    },
    [&st](atom::ledger) {
      return st.run<ledger_page>("open ledger rows",
                                 [&st]() -> result<ledger_page> {
                                   auto rows = st.api->open_ledger_entries();
                                   if (!rows)
                                     return rows.error();
                                   return ledger_page{std::move(*rows)};
                                 });
    },
    [&st](atom::topups, const std::string& since) {
      return st.run<ledger_page>("today's top-ups",
                                 [&st, since]() -> result<ledger_page> {
                                   auto rows = st.api->top_ups_since(since);
                                   if (!rows)
                                     return rows.error();
                                   return ledger_page{std::move(*rows)};
                                 });
    },
    [&st](atom::retry, uint64_t id) {
      auto i = st.waiting.find(id);
      if (i == st.waiting.end())
        return;
      auto op = std::move(i->second);
      st.waiting.erase(i);
      op();
    },
  };
}

supabase_fetcher_actor spawn_supabase_fetcher(caf::actor_system& sys,
                                              std::shared_ptr<supabase_api> api,
                                              int max_retries, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(supabase_fetcher, std::move(api),
                                    max_retries);
  return sys.spawn(supabase_fetcher, std::move(api), max_retries);
}

} // namespace flowsync
