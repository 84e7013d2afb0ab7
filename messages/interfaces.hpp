#pragma once

#include "messages/atoms.hpp"
#include "messages/counters.hpp"
#include "messages/inspection.hpp"
#include "messages/limits.hpp"
#include "messages/supabase.hpp"
#include "messages/wallet.hpp"

#include <cstdint>
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

/// The typed interfaces of flowsync's actors. Every handler an actor has is
/// listed here, including the ones it sends to itself.
namespace flowsync {

/// The broker every access-node request goes through.
using rate_limiter_actor = caf::typed_actor<
  // Replies once a request of the class may go out; the value numbers the
  // grant. Waits (without blocking) while the class is at its limit.
  caf::replies_to<atom::acquire, request_class>::with<uint64_t>,
  // The node answered "rate limit reached" for the class: slow it down.
  caf::reacts_to<atom::throttled, request_class>,
  // The limiter's record of recent grants of the class.
  caf::replies_to<atom::grants, request_class>::with<grant_log>,
  // Each class's limit in force and recent load, for the inspector.
  caf::replies_to<atom::status>::with<limiter_status>,
  // Internal: a waiting request of the class may be due.
  caf::reacts_to<atom::wake, request_class>>;

/// Adds up the counters of the current cycle and prints the summary.
using stats_actor = caf::typed_actor<
  // A cycle starts: counters back to zero.
  caf::reacts_to<atom::begin, uint64_t>,
  // Adds a delta to the current cycle.
  caf::reacts_to<atom::count, cycle_counters>,
  // Records a refused wallet, reported by user id at cycle end.
  caf::reacts_to<atom::refused, refused_wallet>,
  // The cycle ended (complete or not, after so many seconds): prints the
  // summary and returns it.
  caf::replies_to<atom::end, uint64_t, bool, double>::with<cycle_summary>,
  // The counters so far, for the inspector and tests.
  caf::replies_to<atom::status>::with<cycle_summary>>;

/// The sole owner of `flow-production.json` and the key folder.
using config_writer_actor = caf::typed_actor<
  // A cycle starts: accounts not seen again by its end are dropped.
  caf::reacts_to<atom::begin, uint64_t>,
  // An account in step, to be listed.
  caf::reacts_to<atom::account, account_entry>,
  // An account to leave out (refused), by user id.
  caf::reacts_to<atom::refused, std::string>,
  // The cycle ended; complete cycles drop unseen accounts. Writes if
  // anything changed.
  caf::replies_to<atom::end, uint64_t, bool>::with<flush_report>,
  // Writes now if anything changed.
  caf::replies_to<atom::flush>::with<flush_report>,
  // Internal: the flush interval elapsed.
  caf::reacts_to<atom::tick>>;

/// Reads users, wallet rows and ledger rows from Supabase and writes wallet
/// and ledger rows back. Blocking HTTP: spawned detached. Retries what is
/// worth retrying, with backoff, before it answers with an error.
using supabase_fetcher_actor = caf::typed_actor<
  // Checks that the wallet and ledger tables are there.
  caf::replies_to<atom::schema>::with<bool>,
  // One page of Auth users (page, per_page).
  caf::replies_to<atom::users, int32_t, int32_t>::with<user_page>,
  // Auth users by id, for those a sweep of the pages missed.
  caf::replies_to<atom::users, id_list>::with<user_page>,
  // Wallet rows after an auth id, ordered by auth id (after, limit).
  caf::replies_to<atom::wallets, std::string, int32_t>::with<wallet_page>,
  // The wallet rows of these users.
  caf::replies_to<atom::wallets, id_list>::with<wallet_page>,
  // Creates missing wallet rows and returns the rows of these users.
  caf::replies_to<atom::insert, id_list>::with<wallet_page>,
  // Stores new key pairs where allowed; returns the users stored.
  caf::replies_to<atom::keys, key_writes>::with<id_list>,
  // Writes addresses of created accounts; returns the users written.
  caf::replies_to<atom::address, address_writes>::with<id_list>,
  // Inserts ledger rows (write-ahead).
  caf::replies_to<atom::ledger, atom::insert, ledger_page>::with<bool>,
  // Settles ledger rows: status, error code, address.
  caf::replies_to<atom::ledger, atom::update, ledger_updates>::with<bool>,
  // The ledger rows that are not final.
  caf::replies_to<atom::ledger>::with<ledger_page>,
  // Top-up rows since an ISO 8601 time.
  caf::replies_to<atom::topups, std::string>::with<ledger_page>,
  // Internal: runs a delayed retry.
  caf::reacts_to<atom::retry, uint64_t>>;

/// The supervisor: drives cycles, hands out batches and the spending budget.
using supervisor_actor = caf::typed_actor<
  // Starts a cycle now; false when one is already running or stopping.
  caf::replies_to<atom::run>::with<bool>,
  // Runs one cycle, then drains and stops; returns its summary.
  caf::replies_to<atom::once>::with<cycle_summary>,
  // Drains (in-flight transactions followed, config flushed) and stops.
  caf::reacts_to<atom::shutdown>,
  // Asks to spend FLOW from the service account: `count` payments of `each`
  // units (1e-8 FLOW), top-ups or creations; replies with how many of them
  // may go out under the floor and, for top-ups, the daily budget.
  caf::replies_to<atom::spend, uint64_t, uint64_t, bool>::with<uint64_t>,
  // The counters of the current or last cycle.
  caf::replies_to<atom::status>::with<cycle_summary>,
  // The whole daemon as it stands, for the inspector.
  caf::replies_to<atom::inspect>::with<daemon_status>,
  // Internal: the cycle timer fired.
  caf::reacts_to<atom::tick>,
  // Internal: time to look for new sign-ups.
  caf::reacts_to<atom::watch>,
  // Internal: the backoff before restarting a crashed child (by slot) ran
  // out.
  caf::reacts_to<atom::retry, uint32_t>>;

/// Brings batches of wallets in step on chain. Blocking HTTP to the access
/// node: spawned detached. Owns one proposal key of the service account.
using wallet_worker_actor = caf::typed_actor<
  // Processes a batch; replies when all its transactions are final.
  caf::replies_to<atom::process, wallet_batch>::with<batch_report>,
  // The service account's FLOW balance, in units of 1e-8.
  caf::replies_to<atom::balance>::with<uint64_t>,
  // Stops taking work; replies once in-flight transactions are final or
  // the drain deadline passed.
  caf::replies_to<atom::drain>::with<bool>,
  // Internal: runs the next step of the current batch.
  caf::reacts_to<atom::step>,
  // Internal: polls the transaction in flight.
  caf::reacts_to<atom::poll>,
  // Internal: the drain deadline passed.
  caf::reacts_to<atom::tick>>;

/// The read-only face of a running daemon that `flowsync inspect` attaches
/// to through CAF's middleman, on a loopback port.
using inspector_actor = caf::typed_actor<
  // The daemon's status: cycle, workers, rate limits.
  caf::replies_to<atom::status>::with<daemon_status>>;

} // namespace flowsync
