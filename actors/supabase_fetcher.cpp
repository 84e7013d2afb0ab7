#include "actors/supabase_fetcher.hpp"

#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/spawn_options.hpp>

namespace flowsync {

namespace {} // namespace

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
    [&st](atom::users, const id_list& users) {
      return st.run<user_page>(
        "users by id", [&st, users] { return st.api->get_users(users.ids); });
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
      // The write is conditional and idempotent: a retry after a lost
      // answer reports the rows an earlier try wrote.
      return st.run<id_list>("key storage", [&st, writes]() -> result<id_list> {
        auto stored = st.api->store_keys(writes.items);
        if (!stored)
          return stored.error();
        return id_list{std::move(*stored)};
      });
    },
    [&st](atom::address, const address_writes& writes) {
      return st.run<id_list>(
        "address storage", [&st, writes]() -> result<id_list> {
          auto stored = st.api->store_addresses(writes.items);
          if (!stored)
            return stored.error();
          return id_list{std::move(*stored)};
        });
    },
    [&st](atom::ledger, atom::insert, const ledger_page& page) {
      return st.run<bool>("ledger insert", [&st, page]() -> result<bool> {
        if (auto res = st.api->insert_ledger(page.entries); !res)
          return res.error();
        return true;
      });
    },
    [&st](atom::ledger, atom::update, const ledger_updates& u) {
      return st.run<bool>("ledger update", [&st, u]() -> result<bool> {
        if (auto res = st.api->settle_ledger(u.items); !res)
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
