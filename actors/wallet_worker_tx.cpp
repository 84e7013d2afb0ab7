// The transaction pipeline of a wallet worker: one transaction at a time per
// proposal key, signed locally, recorded in the ledger before it is sent,
// and followed to a final state.

#include "actors/supabase_fetcher.hpp"
#include "actors/wallet_worker.hpp"
#include "adapters/logging.hpp"
#include "messages/error.hpp"

#include <algorithm>

namespace flowsync {

namespace {

ledger_kind to_ledger_kind(tx_kind kind) {
  switch (kind) {
  case tx_kind::create_accounts:
    return ledger_kind::create_account;
  case tx_kind::top_up:
    return ledger_kind::top_up;
  case tx_kind::setup_vault:
    return ledger_kind::setup_vault;
  }
  return ledger_kind::top_up;
}

const char* describe(tx_kind kind) {
  switch (kind) {
  case tx_kind::create_accounts:
    return "creation";
  case tx_kind::top_up:
    return "top-up";
  case tx_kind::setup_vault:
    return "vault repair";
  }
  return "transaction";
}

/// The first look at a transaction just sent.
constexpr std::chrono::milliseconds first_poll_delay{30};

/// The Flow error code of a sequence number mismatch.
constexpr int sequence_mismatch_code = 1007;

} // namespace

signer_ref wallet_worker_state::payer() const {
  return {cfg.flow.service_address, cfg.flow.service_key_index, &*service_key,
          cfg.flow.service_hash_algo};
}

signer_ref wallet_worker_state::proposer() const {
  return {cfg.flow.service_address, cfg.proposal_key_index, &*service_key,
          cfg.flow.service_hash_algo};
}

std::vector<ledger_entry>
wallet_worker_state::ledger_rows(const tx_job& t) const {
  std::vector<ledger_entry> rows;
  for (const auto& wallet : t.wallets) {
    ledger_entry row;
    row.tx_id = t.id;
    row.kind = to_ledger_kind(t.kind);
    row.auth_id = wallet.auth_id;
    row.address = wallet.address;
    if (t.kind != tx_kind::setup_vault)
      row.amount = t.amount.to_string();
    row.status = ledger_status::signed_tx;
    row.reference_height = t.reference_height;
    row.proposal_key_index = cfg.proposal_key_index;
    row.sequence_number = t.sequence_number;
    rows.push_back(std::move(row));
  }
  return rows;
}

void wallet_worker_state::send_next() {
  auto& j = job();
  if (draining || j.txs.empty()) {
    // Transactions not sent leave their wallets pending.
    j.txs.clear();
    j.phase = batch_phase::done;
    return advance();
  }
  auto next = std::move(j.txs.front());
  j.txs.pop_front();
  build_and_send(std::move(next));
}

void wallet_worker_state::build_and_send(tx_job t) {
  in_flight = std::move(t);
  ensure_sequence();
}

void wallet_worker_state::ensure_sequence() {
  if (sequence)
    return fetch_reference();
  run_step(
    [this] {
      with_grant(request_class::access, [this] {
        auto acct = flow->get_account(cfg.flow.service_address);
        if (!acct)
          return fail_or_retry(acct.error(), "the service account");
        auto key = std::find_if(acct->keys.begin(), acct->keys.end(),
                                [this](const account_key_info& k) {
                                  return k.index == cfg.proposal_key_index;
                                });
        if (key == acct->keys.end() || key->revoked) {
          FLOWSYNC_ERROR("wallet-worker-{}: the service account has no "
                         "usable key {} to propose with",
                         cfg.index, cfg.proposal_key_index);
          return complete(false, "no proposal key");
        }
        sequence = key->sequence_number;
        fetch_reference();
      });
    },
    [this](const failure& f) { complete(false, f.message); });
}

void wallet_worker_state::fetch_reference() {
  run_step(
    [this] {
      with_grant(request_class::access, [this] {
        auto block = flow->latest_sealed_block();
        if (!block)
          return fail_or_retry(block.error(), "the latest block");
        if (in_flight->kind == tx_kind::setup_vault)
          return fetch_user_key(*block);
        sign_and_record(*block);
      });
    },
    [this](const failure& f) { complete(false, f.message); });
}

void wallet_worker_state::fetch_user_key(const block_header& reference) {
  run_step(
    [this, reference] {
      with_grant(request_class::access, [this, reference] {
        const auto& wallet = in_flight->wallets.front();
        auto acct = flow->get_account(*address::parse(wallet.address));
        if (!acct)
          return fail_or_retry(acct.error(), "the user's account");
        auto key = std::find_if(acct->keys.begin(), acct->keys.end(),
                                [&](const account_key_info& k) {
                                  return !k.revoked && k.weight >= 1000
                                         && k.public_key == wallet.public_key;
                                });
        if (key == acct->keys.end())
          return complete(false, "the user's key is not on the account");
        in_flight->user_key_index = key->index;
        sign_and_record(reference);
      });
    },
    [this](const failure& f) { complete(false, f.message); });
}

void wallet_worker_state::sign_and_record(const block_header& reference) {
  auto& t = *in_flight;
  tx_request request;
  request.gas_limit = cfg.flow.gas_limit;
  request.proposer = proposer();
  request.sequence_number = *sequence;
  request.payer = payer();
  std::vector<address> recipients;
  std::vector<std::string> public_keys;
  for (const auto& wallet : t.wallets) {
    if (t.kind == tx_kind::create_accounts)
      public_keys.push_back(wallet.public_key);
    else
      recipients.push_back(*address::parse(wallet.address));
  }
  std::optional<private_key> user_key;
  switch (t.kind) {
  case tx_kind::create_accounts:
    request.script = create_script;
    request.arguments =
      create_accounts_arguments(public_keys, t.amount, tokens);
    request.authorizers.push_back(payer());
    break;
  case tx_kind::top_up:
    request.script = top_up_script;
    request.arguments = top_up_arguments(recipients, t.amount);
    request.authorizers.push_back(payer());
    break;
  case tx_kind::setup_vault: {
    const auto& wallet = t.wallets.front();
    auto opened = keys->open(wallet.sealed_key, wallet.auth_id);
    auto key = opened ? private_key::from_hex(*opened, sig_algo::ecdsa_p256)
                      : result<private_key>{opened.error()};
    if (!key)
      return complete(false, "the user's key does not open");
    user_key.emplace(std::move(*key));
    request.script = setup_script;
    request.arguments = setup_vault_arguments(tokens);
    request.authorizers.push_back(
      {recipients.front(), t.user_key_index, &*user_key, hash_algo::sha3_256});
    break;
  }
  }
  auto tx = sign_transaction(request, reference);
  if (!tx)
    return complete(false, tx.error().message);
  t.tx = std::move(*tx);
  t.id = t.tx.id_hex();
  t.may_have_reached_node = false;
  t.reference_height = reference.height;
  t.sequence_number = *sequence;

  // Write-ahead: the ledger knows the transaction before the node does.
  self
    ->request(peers.fetcher, fetcher_timeout, atom::ledger::value,
              atom::insert::value, ledger_page{ledger_rows(t)})
    .then([this](bool) { send_in_flight(); },
          [this](const caf::error& err) {
            complete(false, "the ledger cannot be written, so nothing is "
                            "sent: "
                              + describe(err));
          });
}

void wallet_worker_state::send_in_flight() {
  run_step(
    [this] {
      with_grant(request_class::transaction, [this] {
        auto& t = *in_flight;
        ++job().report.counters.transactions;
        auto res = flow->send_transaction(t.tx);
        if (!res) {
          if (res.error().code == ec::rate_limited)
            self->send(peers.limiter, atom::throttled::value,
                       request_class::transaction);
          // Sending the same signed bytes again is safe: one id, one
          // sequence number, at most one execution.
          if (is_retryable(res.error())) {
            if (!res.error().unsent)
              t.may_have_reached_node = true;
            return fail_or_retry(res.error(), "sending " + t.id);
          }
          // An earlier try may have reached the node: a refusal of this one
          // does not prove that the transaction never runs. Its rows stay
          // open and recovery looks it up by id.
          if (t.may_have_reached_node) {
            sequence.reset();
            return abandon(res.error().message);
          }
          // Refused by the node: it never ran. An expired one is marked so.
          auto status = res.error().code == ec::expired ? ledger_status::expired
                                                        : ledger_status::failed;
          update_ledger(t.id, "", status, res.error().flow_code, "");
          return complete(false, res.error().message);
        }
        if (*res != t.id)
          FLOWSYNC_ERROR("wallet-worker-{}: the node computed id {} for "
                         "transaction {}; the encoding is wrong",
                         cfg.index, *res, t.id);
        sequence = *sequence + 1;
        // The actor clock, not the system's: it is what delayed messages
        // run on, and tests move it.
        t.sent_at = self->clock().now();
        update_ledger(t.id, "", ledger_status::sent, 0, "");
        FLOWSYNC_DEBUG("wallet-worker-{} sent {} {} for {} wallets", cfg.index,
                       describe(t.kind), t.id, t.wallets.size());
        // A node that mines at once (the emulator) has a result in a few
        // milliseconds: look early once, then at the configured pace.
        self->delayed_send(self,
                           std::min<std::chrono::milliseconds>(
                             cfg.flow.poll_interval, first_poll_delay),
                           atom::poll::value);
      });
    },
    [this](const failure& f) {
      // No try opened a connection: the node never saw the transaction and
      // nobody else holds it, so it never runs; its wallets are free for
      // another try with the same keys.
      if (!in_flight->may_have_reached_node) {
        update_ledger(in_flight->id, "", ledger_status::failed, 0, "");
        return complete(false, "it never reached the node: " + f.message);
      }
      // The node may have the transaction or not: its ledger rows stay
      // open and the next cycle's recovery looks it up by id.
      sequence.reset();
      abandon(f.message);
    });
}

void wallet_worker_state::poll() {
  if (!in_flight)
    return;
  run_step(
    [this] {
      with_grant(request_class::access, [this] {
        auto& t = *in_flight;
        auto res = flow->transaction_result(t.id);
        if (!res)
          return fail_or_retry(res.error(), "the result of " + t.id);
        if (res->final())
          return on_final(*res);
        if (self->clock().now() - t.sent_at > cfg.flow.tx_timeout) {
          sequence.reset();
          return abandon("no final state in time");
        }
        self->delayed_send(self, cfg.flow.poll_interval, atom::poll::value);
      });
    },
    [this](const failure& f) {
      sequence.reset();
      abandon(f.message);
    });
}

void wallet_worker_state::on_final(const tx_result& res) {
  auto& t = *in_flight;
  if (res.status == tx_status::expired) {
    // An expired transaction never ran: its sequence number is unused.
    sequence.reset();
    update_ledger(t.id, "", ledger_status::expired, 0, "");
    return complete(false, "expired");
  }
  if (res.failed()) {
    update_ledger(t.id, "", ledger_status::failed, res.error_code, "");
    if (res.error_code == sequence_mismatch_code
        && t.sequence_retries < max_sequence_retries) {
      FLOWSYNC_WARN("wallet-worker-{}: {} {} hit a stale sequence number; "
                    "re-reading it and signing again",
                    cfg.index, describe(t.kind), t.id);
      sequence.reset();
      auto again = std::move(t);
      ++again.sequence_retries;
      return build_and_send(std::move(again));
    }
    FLOWSYNC_ERROR("wallet-worker-{}: {} {} failed with error {}: {}",
                   cfg.index, describe(t.kind), t.id, res.error_code,
                   res.error_message.substr(0, 300));
    return complete(false, "execution failed");
  }
  switch (t.kind) {
  case tx_kind::create_accounts:
    return on_created(res);
  case tx_kind::top_up:
  case tx_kind::setup_vault:
    update_ledger(t.id, "", ledger_status::sealed, 0, "");
    return complete(true, "sealed");
  }
}

void wallet_worker_state::on_created(const tx_result& res) {
  auto& t = *in_flight;
  auto addresses = created_addresses(res);
  if (!addresses || addresses->size() != t.wallets.size()) {
    FLOWSYNC_ERROR("wallet-worker-{}: creation {} sealed without one "
                   "AccountCreated event per key; left to recovery",
                   cfg.index, t.id);
    return abandon("unmatched creation events");
  }
  created_list created;
  for (size_t i = 0; i < t.wallets.size(); ++i)
    created.emplace_back(t.wallets[i], (*addresses)[i]);
  verify_created(t.id, std::move(created), [this] {
    in_flight.reset();
    check_drained();
    send_next();
  });
}

void wallet_worker_state::verify_created(std::string tx_id,
                                         created_list created,
                                         std::function<void()> next) {
  run_step(
    [this, tx_id, created, next] {
      with_grant(request_class::script, [this, tx_id, created, next] {
        std::vector<address> addresses;
        std::vector<std::string> public_keys;
        for (const auto& [wallet, addr] : created) {
          addresses.push_back(addr);
          public_keys.push_back(wallet.public_key);
        }
        ++job().report.counters.scripts;
        auto res = flow->execute_script(
          state_script, wallet_state_arguments(addresses, public_keys, tokens));
        if (!res)
          return fail_or_retry(res.error(), "the check of new accounts");
        auto states = parse_wallet_states(*res, created.size(), tokens.size());
        if (!states)
          return fail_or_retry(states.error(), "the check of new accounts");
        store_created(tx_id, created, std::move(*states), next);
      });
    },
    [this, next](const failure&) {
      // Unproven accounts keep their ledger rows open for recovery.
      next();
    });
}

void wallet_worker_state::store_created(std::string tx_id,
                                        created_list verified,
                                        std::vector<wallet_state> states,
                                        std::function<void()> next) {
  address_writes writes;
  created_list proven;
  std::vector<wallet_state> proven_states;
  for (size_t i = 0; i < verified.size(); ++i) {
    auto& [wallet, addr] = verified[i];
    if (!states[i].exists || !states[i].key_valid) {
      FLOWSYNC_ERROR("wallet-worker-{}: account {} does not hold the key of "
                     "user {}; not stored",
                     cfg.index, addr.hex(), wallet.auth_id);
      continue;
    }
    writes.items.push_back({wallet.auth_id, wallet.public_key, addr.hex()});
    proven.emplace_back(wallet, addr);
    proven_states.push_back(states[i]);
  }
  if (proven.empty())
    return next();
  self
    ->request(peers.fetcher, fetcher_timeout, atom::address::value,
              std::move(writes))
    .then(
      [this, tx_id, proven, proven_states, next](const id_list& stored) {
        auto& counters = job().report.counters;
        // Final only now that the addresses are stored: until then a
        // restart finds the rows open and resolves them instead of creating
        // again.
        std::vector<ledger_update> sealed;
        for (const auto& [wallet, addr] : proven)
          sealed.push_back(
            {tx_id, wallet.auth_id, ledger_status::sealed, 0, addr.hex()});
        settle(std::move(sealed));
        for (size_t i = 0; i < proven.size(); ++i) {
          auto wallet = proven[i].first;
          wallet.address = proven[i].second.hex();
          if (std::find(stored.ids.begin(), stored.ids.end(), wallet.auth_id)
              == stored.ids.end()) {
            FLOWSYNC_ERROR("wallet-worker-{}: the row of user {} changed "
                           "while account {} was created for it",
                           cfg.index, wallet.auth_id, wallet.address);
            ++counters.creation_errors;
            fail_wallet(wallet);
            continue;
          }
          ++counters.created;
          const auto& state = proven_states[i];
          auto healthy = std::all_of(state.tokens.begin(), state.tokens.end(),
                                     [](const auto& t) { return t.healthy(); });
          if (healthy)
            counters.vaults_created += state.tokens.size();
          list_account(wallet);
          if (healthy && state.flow_balance >= cfg.policy.min_balance)
            count_synced(wallet);
          else
            fail_wallet(wallet);
        }
        next();
      },
      [this, next](const caf::error& err) {
        FLOWSYNC_ERROR("wallet-worker-{} could not store new addresses ({}); "
                       "the ledger rows stay open for recovery",
                       cfg.index, describe(err));
        next();
      });
}

void wallet_worker_state::complete(bool ok, std::string_view reason) {
  auto t = std::move(*in_flight);
  in_flight.reset();
  auto& counters = job().report.counters;
  if (!ok)
    FLOWSYNC_WARN("wallet-worker-{}: {} for {} wallets did not go through: "
                  "{}",
                  cfg.index, describe(t.kind), t.wallets.size(), reason);
  for (const auto& wallet : t.wallets) {
    switch (t.kind) {
    case tx_kind::create_accounts:
      ++counters.creation_errors;
      fail_wallet(wallet);
      break;
    case tx_kind::top_up:
      ok ? ++counters.funding_sealed : ++counters.funding_errors;
      action_done(wallet, ok);
      break;
    case tx_kind::setup_vault:
      ok ? ++counters.vaults_created : ++counters.vault_errors;
      action_done(wallet, ok);
      break;
    }
  }
  check_drained();
  send_next();
}

void wallet_worker_state::abandon(std::string_view reason) {
  auto t = std::move(*in_flight);
  in_flight.reset();
  FLOWSYNC_WARN("wallet-worker-{}: the outcome of {} {} is unknown ({}); its "
                "ledger rows stay open",
                cfg.index, describe(t.kind), t.id, reason);
  check_drained();
  send_next();
}

} // namespace flowsync
