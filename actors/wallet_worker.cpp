#include "actors/wallet_worker.hpp"

#include "actors/backoff.hpp"
#include "actors/planner.hpp"
#include "actors/supabase_fetcher.hpp"
#include "adapters/logging.hpp"
#include "messages/error.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/spawn_options.hpp>

namespace flowsync {

namespace {

template <class Duration>
long long millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

} // namespace

// -- set-up -------------------------------------------------------------------

result<void> wallet_worker_state::init(wallet_worker_config config,
                                       worker_peers others,
                                       std::shared_ptr<flow_access> node,
                                       sealer sealing) {
  cfg = std::move(config);
  peers = std::move(others);
  flow = std::move(node);
  keys.emplace(std::move(sealing));
  state_batch = cfg.batching.state_batch;

  const auto& contracts = cfg.flow.contracts;
  std::pair<std::string*, std::string_view> files[] = {
    {&state_script, cadence_file::wallet_state},
    {&create_script, cadence_file::create_accounts},
    {&top_up_script, cadence_file::top_up},
    {&setup_script, cadence_file::setup_vault},
  };
  for (auto& [out, path] : files) {
    auto text = load_cadence(path, contracts);
    if (!text)
      return text.error();
    *out = std::move(*text);
  }
  for (const auto& token : cfg.flow.tokens) {
    auto i = contracts.find(token);
    if (i == contracts.end())
      return make_failure(ec::config, "token " + token + " has no address");
    tokens.push_back(token_ref{token, i->second});
  }
  auto key =
    private_key::from_hex(cfg.flow.service_key, cfg.flow.service_sig_algo);
  if (!key)
    return make_failure(ec::config, "the service account key is unusable");
  service_key.emplace(std::move(*key));
  return {};
}

// -- steps and retries --------------------------------------------------------

void wallet_worker_state::run_step(
  std::function<void()> fn, std::function<void(const failure&)> on_failure) {
  step = std::move(fn);
  on_step_failure = std::move(on_failure);
  tries = 0;
  step();
}

void wallet_worker_state::fail_or_retry(const failure& why,
                                        std::string_view what) {
  ++tries;
  if (!draining && is_retryable(why) && tries < max_step_tries) {
    auto delay = backoff_delay(tries - 1, rng, why.retry_after,
                               std::chrono::milliseconds{500},
                               std::chrono::milliseconds{15000});
    FLOWSYNC_WARN("wallet-worker-{} retries {} in {} ms: {}", cfg.index, what,
                  delay.count(), why.message);
    self->delayed_send(self, delay, atom::step::value);
    return;
  }
  FLOWSYNC_ERROR("wallet-worker-{} gives up on {} after {} tries: {}",
                 cfg.index, what, tries, why.message);
  auto fail = std::move(on_step_failure);
  step = nullptr;
  if (fail)
    fail(why);
}

void wallet_worker_state::with_grant(request_class cls,
                                     std::function<void()> then) {
  self->request(peers.limiter, grant_timeout, atom::acquire::value, cls)
    .then([then = std::move(then)](uint64_t) { then(); },
          [this](const caf::error& err) {
            auto f = make_failure(ec::timeout, "no grant from the rate "
                                               "limiter: "
                                                 + describe(err));
            f.unsent = true;
            fail_or_retry(f, "a rate-limiter grant");
          });
}

// -- bookkeeping --------------------------------------------------------------

bool wallet_worker_state::end_wallet(const std::string& auth_id) {
  if (queue.empty())
    return false;
  return job().ended.insert(auth_id).second;
}

void wallet_worker_state::list_account(const wallet_task& wallet) {
  account_entry entry{wallet.auth_id, wallet.address, wallet.sealed_key, 0};
  self->send(peers.writer, atom::account::value, entry);
}

void wallet_worker_state::count_synced(const wallet_task& wallet) {
  if (end_wallet(wallet.auth_id))
    ++job().report.counters.synced;
}

void wallet_worker_state::fail_wallet(const wallet_task& wallet) {
  end_wallet(wallet.auth_id);
}

void wallet_worker_state::refuse(const wallet_task& wallet,
                                 std::string reason) {
  if (!end_wallet(wallet.auth_id))
    return;
  ++job().report.counters.corrupted;
  FLOWSYNC_WARN("wallet-worker-{} refuses the wallet of user {}: {}", cfg.index,
                wallet.auth_id, reason);
  self->send(peers.writer, atom::refused::value, wallet.auth_id);
  refused_wallet item{wallet.auth_id, reason};
  self->send(peers.stats, atom::refused::value, item);
  job().report.refused.push_back(std::move(item));
}

void wallet_worker_state::action_done(const wallet_task& wallet, bool ok) {
  auto& j = job();
  auto i = j.outstanding.find(wallet.auth_id);
  if (i == j.outstanding.end())
    return;
  auto& [left, failed] = i->second;
  failed = failed || !ok;
  if (--left > 0)
    return;
  if (failed)
    fail_wallet(wallet);
  else
    count_synced(wallet);
  j.outstanding.erase(i);
}

void wallet_worker_state::update_ledger(const std::string& tx_id,
                                        const std::string& auth_id,
                                        ledger_status status, int error_code,
                                        const std::string& addr) {
  settle({ledger_update{tx_id, auth_id, status, error_code, addr}});
}

void wallet_worker_state::settle(std::vector<ledger_update> changes) {
  if (changes.empty())
    return;
  auto tx_id = changes.front().tx_id;
  ++settling;
  self
    ->request(peers.fetcher, fetcher_timeout, atom::ledger::value,
              atom::update::value, ledger_updates{std::move(changes)})
    .then(
      [this](bool) {
        --settling;
        check_drained();
      },
      [this, tx_id](const caf::error& err) {
        FLOWSYNC_WARN("wallet-worker-{} could not update the ledger of "
                      "transaction {} ({}); the next cycle's recovery will",
                      cfg.index, tx_id, describe(err));
        --settling;
        check_drained();
      });
}

// -- batches ------------------------------------------------------------------

void wallet_worker_state::sort_wallet(wallet_task wallet) {
  auto& j = job();
  if (auto why = check_row(wallet, *keys)) {
    refuse(wallet, std::move(*why));
    return;
  }
  if (has_address(wallet))
    j.check.push_back(std::move(wallet));
  else
    j.create.push_back(std::move(wallet));
}

void wallet_worker_state::start_batch() {
  auto& j = job();
  j.report.id = j.batch.id;
  for (auto& wallet : j.batch.wallets) {
    ++j.report.counters.total;
    if (wallet.open_entries.empty()) {
      sort_wallet(std::move(wallet));
      continue;
    }
    for (const auto& entry : wallet.open_entries) {
      auto& entries = j.open_entries[entry.tx_id];
      if (entries.empty())
        j.open_txs.push_back(entry.tx_id);
      entries.push_back(entry);
    }
    j.held.emplace(wallet.auth_id, std::move(wallet));
  }
  j.batch.wallets.clear();
  FLOWSYNC_DEBUG("wallet-worker-{} starts batch {}: {} to check, {} to "
                 "create, {} open transactions",
                 cfg.index, j.batch.id, j.check.size(), j.create.size(),
                 j.open_txs.size());
  advance();
}

void wallet_worker_state::advance() {
  auto& j = job();
  if (draining && j.phase != batch_phase::transactions)
    j.phase = batch_phase::done;
  switch (j.phase) {
  case batch_phase::recover:
    // A plan resolves nothing: wallets with open transactions stay pending.
    if (cfg.dry_run)
      j.open_txs.clear();
    if (j.open_txs.empty()) {
      j.phase = batch_phase::check;
      return advance();
    }
    return recover_next();
  case batch_phase::check:
    if (j.check_pos >= j.check.size()) {
      j.phase = batch_phase::fund_top_ups;
      return advance();
    }
    return check_next();
  case batch_phase::fund_top_ups:
    if (cfg.dry_run)
      return count_plans();
    return fund_top_ups();
  case batch_phase::keys:
    return prepare_keys();
  case batch_phase::fund_creations:
    return fund_creations();
  case batch_phase::transactions:
    return send_next();
  case batch_phase::done:
    return finish_batch();
  }
}

void wallet_worker_state::finish_batch() {
  auto& j = job();
  auto& counters = j.report.counters;
  counters.pending = counters.total - j.ended.size();
  self->send(peers.stats, atom::count::value, counters);
  FLOWSYNC_DEBUG("wallet-worker-{} finished batch {}: {}", cfg.index,
                 j.batch.id, to_string(counters));
  j.promise.deliver(std::move(j.report));
  queue.pop_front();
  step = nullptr;
  if (!queue.empty())
    return start_batch();
  check_drained();
}

void wallet_worker_state::check_drained() {
  if (!draining || !drain_promise || in_flight || !queue.empty()
      || settling > 0)
    return;
  drain_promise->deliver(true);
  drain_promise.reset();
}

// -- recovery -----------------------------------------------------------------

void wallet_worker_state::recover_next() {
  auto id = job().open_txs.back();
  run_step(
    [this, id] {
      with_grant(request_class::access, [this, id] {
        auto res = flow->transaction_result(id);
        if (!res)
          return fail_or_retry(res.error(), "the result of " + id);
        on_recovered(id, *res);
      });
    },
    [this, id](const failure&) { leave_open(id); });
}

void wallet_worker_state::on_recovered(const std::string& id,
                                       const tx_result& res) {
  auto& j = job();
  const auto& entries = j.open_entries[id];
  auto kind = entries.front().kind;
  if (res.status == tx_status::sealed && !res.failed()) {
    if (kind == ledger_kind::create_account)
      return recover_creation(id, res);
    update_ledger(id, "", ledger_status::sealed, 0, "");
    FLOWSYNC_INFO("wallet-worker-{} found open transaction {} sealed",
                  cfg.index, id);
    return release_held(id);
  }
  if (res.status == tx_status::sealed) {
    update_ledger(id, "", ledger_status::failed, res.error_code, "");
    FLOWSYNC_WARN("wallet-worker-{} found open transaction {} failed (error "
                  "{})",
                  cfg.index, id, res.error_code);
    return release_held(id);
  }
  if (res.status == tx_status::expired) {
    update_ledger(id, "", ledger_status::expired, 0, "");
    return release_held(id);
  }
  if (res.status != tx_status::unknown)
    return leave_open(id);

  // The node does not know it: either it was never sent or it is gone. Once
  // the chain is past its reference block by the expiry window, it can
  // never execute, and counts as expired.
  auto ref = entries.front().reference_height;
  run_step(
    [this, id, ref] {
      with_grant(request_class::access, [this, id, ref] {
        auto latest = flow->latest_sealed_block();
        if (!latest)
          return fail_or_retry(latest.error(), "the latest block");
        if (latest->height <= ref + cfg.flow.expiry_blocks)
          return leave_open(id);
        FLOWSYNC_INFO("wallet-worker-{} treats unknown transaction {} as "
                      "expired (block {} is past {} + {})",
                      cfg.index, id, latest->height, ref,
                      cfg.flow.expiry_blocks);
        update_ledger(id, "", ledger_status::expired, 0, "");
        release_held(id);
      });
    },
    [this, id](const failure&) { leave_open(id); });
}

void wallet_worker_state::recover_creation(const std::string& id,
                                           const tx_result& res) {
  auto addresses = created_addresses(res);
  if (!addresses || addresses->empty()) {
    FLOWSYNC_ERROR("wallet-worker-{} finds no new accounts in creation {}; "
                   "left open for an operator",
                   cfg.index, id);
    return leave_open(id);
  }

  // The events follow the order of the keys in the transaction, but the
  // batch holds its users in another order, or only some of them: each
  // account is matched to its user by the key it holds.
  match_created(id, std::move(*addresses), 0, {});
}

void wallet_worker_state::match_created(std::string id,
                                        std::vector<address> accounts,
                                        size_t next, created_list matched) {
  if (next == accounts.size()) {
    if (matched.empty()) {
      FLOWSYNC_ERROR("wallet-worker-{}: no account of creation {} holds the "
                     "key of a user of this batch; left open",
                     cfg.index, id);
      return leave_open(id);
    }
    return verify_created(id, std::move(matched), [this, id] {
      auto& jb = job();
      // Wallets proven and stored ended there; the others wait for later.
      for (const auto& entry : jb.open_entries[id])
        if (jb.ended.count(entry.auth_id) > 0)
          jb.held.erase(entry.auth_id);
      jb.open_txs.erase(std::find(jb.open_txs.begin(), jb.open_txs.end(), id));
      advance();
    });
  }
  run_step(
    [this, id, accounts, next, matched] {
      with_grant(request_class::access, [this, id, accounts, next, matched] {
        auto acct = flow->get_account(accounts[next]);
        if (!acct)
          return fail_or_retry(acct.error(), "account " + accounts[next].hex());
        auto& j = job();
        auto found = matched;
        for (const auto& entry : j.open_entries[id]) {
          auto held = j.held.find(entry.auth_id);
          if (held == j.held.end())
            continue;
          const auto& key = held->second.public_key;
          if (std::none_of(
                acct->keys.begin(), acct->keys.end(),
                [&](const account_key_info& k) { return k.public_key == key; }))
            continue;
          auto wallet = held->second;
          wallet.open_entries.clear();
          found.emplace_back(std::move(wallet), accounts[next]);
          break;
        }
        match_created(id, accounts, next + 1, std::move(found));
      });
    },
    [this, id](const failure&) { leave_open(id); });
}

void wallet_worker_state::release_held(const std::string& id) {
  auto& j = job();
  j.open_txs.erase(std::find(j.open_txs.begin(), j.open_txs.end(), id));
  for (const auto& entry : j.open_entries[id]) {
    auto held = j.held.find(entry.auth_id);
    if (held == j.held.end())
      continue;
    // Another open transaction of the same user keeps it held.
    auto still_open = std::any_of(
      j.open_txs.begin(), j.open_txs.end(), [&](const std::string& other) {
        const auto& others = j.open_entries[other];
        return std::any_of(
          others.begin(), others.end(),
          [&](const ledger_entry& e) { return e.auth_id == entry.auth_id; });
      });
    if (still_open)
      continue;
    auto wallet = std::move(held->second);
    j.held.erase(held);
    wallet.open_entries.clear();
    sort_wallet(std::move(wallet));
  }
  advance();
}

void wallet_worker_state::leave_open(const std::string& id) {
  auto& j = job();
  FLOWSYNC_WARN("wallet-worker-{} leaves transaction {} open; its wallets "
                "wait for a later cycle",
                cfg.index, id);
  j.open_txs.erase(std::find(j.open_txs.begin(), j.open_txs.end(), id));
  advance();
}

// -- state checks -------------------------------------------------------------

void wallet_worker_state::check_next() {
  auto& j = job();
  auto n = std::min<size_t>(state_batch, j.check.size() - j.check_pos);
  auto first = j.check.begin() + static_cast<ptrdiff_t>(j.check_pos);
  std::vector<wallet_task> chunk(first, first + static_cast<ptrdiff_t>(n));
  run_step(
    [this, chunk] {
      with_grant(request_class::script, [this, chunk] {
        std::vector<address> addresses;
        std::vector<std::string> public_keys;
        for (const auto& wallet : chunk) {
          addresses.push_back(*address::parse(wallet.address));
          public_keys.push_back(wallet.public_key);
        }
        ++job().report.counters.scripts;
        auto started = std::chrono::steady_clock::now();
        auto res = flow->execute_script(
          state_script, wallet_state_arguments(addresses, public_keys, tokens));
        auto parsed_at = std::chrono::steady_clock::now();
        if (!res)
          return on_script_error(chunk, res.error());
        auto states = parse_wallet_states(*res, chunk.size(), tokens.size());
        FLOWSYNC_DEBUG("wallet-worker-{} read the state of {} wallets in {} "
                       "ms (parsed in {} ms)",
                       cfg.index, chunk.size(), millis(parsed_at - started),
                       millis(std::chrono::steady_clock::now() - parsed_at));
        if (!states)
          return fail_or_retry(states.error(), "the state script's answer");
        on_states(chunk, *states);
      });
    },
    [this, n](const failure&) {
      // The wallets of the chunk stay pending; the next cycle tries again.
      job().check_pos += n;
      advance();
    });
}

void wallet_worker_state::on_script_error(const std::vector<wallet_task>& chunk,
                                          const failure& why) {
  if (why.code == ec::compute_limit && chunk.size() > 1) {
    // Too big for one script: halve the batch and try again at once. This
    // is no rate limit and costs no try.
    state_batch =
      std::max<uint32_t>(1, static_cast<uint32_t>(chunk.size()) / 2);
    successes = 0;
    FLOWSYNC_WARN("wallet-worker-{} halves the state batch to {}: {}",
                  cfg.index, state_batch, why.message);
    return advance();
  }
  // Access nodes answer an oversized script over REST with a bare 500: when
  // a retry did not help, a smaller batch is worth a try too.
  if (why.code == ec::server_error && tries > 0 && chunk.size() > 1) {
    state_batch =
      std::max<uint32_t>(1, static_cast<uint32_t>(chunk.size()) / 2);
    successes = 0;
    FLOWSYNC_WARN("wallet-worker-{} halves the state batch to {} after "
                  "repeated server errors",
                  cfg.index, state_batch);
    return advance();
  }
  if (why.code == ec::rate_limited)
    self->send(peers.limiter, atom::throttled::value, request_class::script);
  fail_or_retry(why, "the state script");
}

void wallet_worker_state::on_states(const std::vector<wallet_task>& chunk,
                                    const std::vector<wallet_state>& states) {
  auto& j = job();
  if (++successes >= grow_after_successes
      && state_batch < cfg.batching.state_batch) {
    state_batch = std::min(cfg.batching.state_batch, state_batch * 2);
    successes = 0;
  }
  auto& counters = j.report.counters;
  for (size_t i = 0; i < chunk.size(); ++i) {
    const auto& wallet = chunk[i];
    auto plan = plan_wallet(wallet, states[i], cfg.policy);
    ++counters.balance_checks;
    if (!plan.refusal.empty()) {
      refuse(wallet, plan.refusal);
      continue;
    }
    list_account(wallet);
    if (plan.repair_vault) {
      tx_job repair;
      repair.kind = tx_kind::setup_vault;
      repair.wallets.push_back(wallet);
      j.txs.push_back(std::move(repair));
    } else {
      ++counters.vaults_present;
    }
    if (plan.needs_funding)
      ++counters.funding_needed;
    if (!plan.top_up_withheld.empty() && !plan.withheld_by_policy) {
      ++counters.funding_errors;
      FLOWSYNC_WARN("wallet-worker-{} does not top up the wallet of user {}: "
                    "{}",
                    cfg.index, wallet.auth_id, plan.top_up_withheld);
    }
    if (plan.top_up)
      j.top_ups.push_back(wallet);
    auto actions = int{plan.repair_vault} + int{plan.top_up};
    bool failed =
      plan.needs_funding && !plan.top_up && !plan.withheld_by_policy;
    if (actions == 0 && failed)
      fail_wallet(wallet);
    else if (actions == 0)
      count_synced(wallet);
    else
      j.outstanding[wallet.auth_id] = {actions, failed};
  }
  j.check_pos += chunk.size();
  advance();
}

// -- money --------------------------------------------------------------------

void wallet_worker_state::count_plans() {
  auto& j = job();
  auto& counters = j.report.counters;
  counters.planned_top_ups += j.top_ups.size();
  counters.planned_creations += j.create.size();
  for (const auto& t : j.txs)
    if (t.kind == tx_kind::setup_vault)
      ++counters.planned_repairs;
  j.top_ups.clear();
  j.create.clear();
  j.txs.clear();
  j.phase = batch_phase::done;
  advance();
}

void wallet_worker_state::fund_top_ups() {
  auto& j = job();
  if (j.top_ups.empty()) {
    j.phase = batch_phase::keys;
    return advance();
  }
  auto each = cfg.policy.top_up_amount.units();
  self
    ->request(peers.supervisor, fetcher_timeout, atom::spend::value, each,
              uint64_t{j.top_ups.size()}, true)
    .then(
      [this](uint64_t granted) {
        auto& jb = job();
        auto& wallets = jb.top_ups;
        auto n = std::min<size_t>(granted, wallets.size());
        for (size_t i = n; i < wallets.size(); ++i) {
          ++jb.report.counters.funding_errors;
          action_done(wallets[i], false);
        }
        if (n < wallets.size())
          FLOWSYNC_ERROR("wallet-worker-{} may not top up {} wallets: the "
                         "service account is at its floor or daily budget",
                         cfg.index, wallets.size() - n);
        for (size_t i = 0; i < n; i += cfg.batching.top_up_batch) {
          tx_job t;
          t.kind = tx_kind::top_up;
          t.amount = cfg.policy.top_up_amount;
          auto last = std::min<size_t>(n, i + cfg.batching.top_up_batch);
          t.wallets.assign(wallets.begin() + static_cast<ptrdiff_t>(i),
                           wallets.begin() + static_cast<ptrdiff_t>(last));
          jb.txs.push_back(std::move(t));
        }
        wallets.clear();
        jb.phase = batch_phase::keys;
        advance();
      },
      [this](const caf::error& err) {
        auto& jb = job();
        FLOWSYNC_ERROR("wallet-worker-{} got no top-up budget: {}", cfg.index,
                       describe(err));
        for (const auto& wallet : jb.top_ups) {
          ++jb.report.counters.funding_errors;
          action_done(wallet, false);
        }
        jb.top_ups.clear();
        jb.phase = batch_phase::keys;
        advance();
      });
}

void wallet_worker_state::prepare_keys() {
  auto& j = job();
  key_writes writes;
  for (auto& wallet : j.create) {
    // A row that holds a key keeps it: never a second key for a user.
    if (!wallet.public_key.empty())
      continue;
    auto key = private_key::generate(sig_algo::ecdsa_p256);
    auto sealed = key ? keys->seal(key->to_hex(), wallet.auth_id)
                      : result<std::string>{key.error()};
    if (!sealed) {
      FLOWSYNC_ERROR("wallet-worker-{} cannot make a key for user {}: {}",
                     cfg.index, wallet.auth_id, sealed.error().message);
      continue;
    }
    wallet.public_key = key->public_key_hex();
    wallet.sealed_key = *sealed;
    j.new_keys.insert(wallet.auth_id);
    writes.items.push_back({wallet.auth_id, wallet.public_key, *sealed});
  }
  if (writes.items.empty()) {
    j.phase = batch_phase::fund_creations;
    return advance();
  }
  auto keep_stored = [this](const std::vector<std::string>& stored) {
    auto& jb = job();
    auto& list = jb.create;
    auto lost = std::remove_if(list.begin(), list.end(), [&](const auto& w) {
      return w.public_key.empty()
             || (jb.new_keys.count(w.auth_id) > 0
                 && std::find(stored.begin(), stored.end(), w.auth_id)
                      == stored.end());
    });
    for (auto i = lost; i != list.end(); ++i) {
      ++jb.report.counters.creation_errors;
      fail_wallet(*i);
    }
    list.erase(lost, list.end());
    jb.phase = batch_phase::fund_creations;
    advance();
  };
  self
    ->request(peers.fetcher, fetcher_timeout, atom::keys::value,
              std::move(writes))
    .then([keep_stored](const id_list& stored) { keep_stored(stored.ids); },
          [this, keep_stored](const caf::error& err) {
            FLOWSYNC_ERROR("wallet-worker-{} could not store new keys: {}",
                           cfg.index, describe(err));
            keep_stored({});
          });
}

void wallet_worker_state::fund_creations() {
  auto& j = job();
  if (j.create.empty()) {
    j.phase = batch_phase::transactions;
    return advance();
  }
  auto each =
    cfg.policy.initial_funding.units() + cfg.account_creation_cost.units();
  self
    ->request(peers.supervisor, fetcher_timeout, atom::spend::value, each,
              uint64_t{j.create.size()}, false)
    .then(
      [this](uint64_t granted) {
        auto& jb = job();
        auto& wallets = jb.create;
        auto n = std::min<size_t>(granted, wallets.size());
        for (size_t i = n; i < wallets.size(); ++i) {
          ++jb.report.counters.creation_errors;
          fail_wallet(wallets[i]);
        }
        if (n < wallets.size())
          FLOWSYNC_ERROR("wallet-worker-{} may not create {} accounts: the "
                         "service account is at its floor",
                         cfg.index, wallets.size() - n);
        for (size_t i = 0; i < n; i += cfg.batching.create_batch) {
          tx_job t;
          t.kind = tx_kind::create_accounts;
          t.amount = cfg.policy.initial_funding;
          auto last = std::min<size_t>(n, i + cfg.batching.create_batch);
          t.wallets.assign(wallets.begin() + static_cast<ptrdiff_t>(i),
                           wallets.begin() + static_cast<ptrdiff_t>(last));
          jb.txs.push_back(std::move(t));
        }
        wallets.clear();
        jb.phase = batch_phase::transactions;
        advance();
      },
      [this](const caf::error& err) {
        auto& jb = job();
        FLOWSYNC_ERROR("wallet-worker-{} got no creation budget: {}", cfg.index,
                       describe(err));
        for (const auto& wallet : jb.create) {
          ++jb.report.counters.creation_errors;
          fail_wallet(wallet);
        }
        jb.create.clear();
        jb.phase = batch_phase::transactions;
        advance();
      });
}

// -- behavior -----------------------------------------------------------------

wallet_worker_actor::behavior_type
wallet_worker(wallet_worker_actor::stateful_pointer<wallet_worker_state> self,
              wallet_worker_config cfg, worker_peers peers,
              std::shared_ptr<flow_access> flow, sealer keys) {
  auto& st = self->state;
  st.self = self;
  if (auto res = st.init(std::move(cfg), std::move(peers), std::move(flow),
                         std::move(keys));
      !res) {
    FLOWSYNC_ERROR("wallet-worker cannot start: {}", res.error().message);
    self->quit(to_error(res.error()));
    return wallet_worker_actor::behavior_type::make_empty_behavior();
  }
  return {
    [self](atom::process, wallet_batch& batch) {
      auto& s = self->state;
      auto promise = self->make_response_promise<batch_report>();
      if (s.draining) {
        promise.deliver(caf::make_error(ec::shutting_down, "draining"));
        return promise;
      }
      batch_job job;
      job.batch = std::move(batch);
      job.promise = promise;
      s.queue.push_back(std::move(job));
      if (s.queue.size() == 1)
        s.start_batch();
      return promise;
    },
    [self](atom::balance) {
      auto promise = self->make_response_promise<uint64_t>();
      auto& s = self->state;
      s.self
        ->request(s.peers.limiter, grant_timeout, atom::acquire::value,
                  request_class::access)
        .then(
          [self, promise](uint64_t) mutable {
            auto& ws = self->state;
            auto acct = ws.flow->get_account(ws.cfg.flow.service_address);
            if (acct)
              promise.deliver(acct->balance.units());
            else
              promise.deliver(to_error(acct.error()));
          },
          [promise](const caf::error& err) mutable { promise.deliver(err); });
      return promise;
    },
    [self](atom::drain) {
      auto& s = self->state;
      s.draining = true;
      auto promise = self->make_response_promise<bool>();
      s.drain_promise = promise;
      self->delayed_send(self, s.cfg.drain_timeout, atom::tick::value);
      if (!s.in_flight && s.queue.empty())
        s.check_drained();
      return promise;
    },
    [self](atom::step) {
      if (self->state.step)
        self->state.step();
    },
    [self](atom::poll) { self->state.poll(); },
    [self](atom::tick) {
      auto& s = self->state;
      if (!s.drain_promise)
        return;
      FLOWSYNC_WARN("wallet-worker-{} stops with a transaction still in "
                    "flight; the next start resolves it",
                    s.cfg.index);
      s.drain_promise->deliver(false);
      s.drain_promise.reset();
    },
  };
}

wallet_worker_actor spawn_wallet_worker(caf::actor_system& sys,
                                        wallet_worker_config cfg,
                                        worker_peers peers,
                                        std::shared_ptr<flow_access> flow,
                                        sealer keys, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(wallet_worker, std::move(cfg),
                                    std::move(peers), std::move(flow),
                                    std::move(keys));
  return sys.spawn(wallet_worker, std::move(cfg), std::move(peers),
                   std::move(flow), std::move(keys));
}

} // namespace flowsync
