// The reconcile cycle and the sign-up watch of the supervisor.

#include "actors/supabase_fetcher.hpp"
#include "actors/supervisor.hpp"
#include "adapters/address.hpp"
#include "adapters/logging.hpp"
#include "messages/error.hpp"

#include <algorithm>
#include <cstddef>
#include <ctime>
#include <iterator>
#include <utility>

namespace flowsync {

namespace {

/// Longest wait for a worker to finish a batch.
constexpr std::chrono::minutes batch_timeout{30};
/// Longest wait for a worker to read the service account's balance.
constexpr std::chrono::seconds balance_timeout{120};
/// Users whose missing wallet rows one request creates.
constexpr size_t insert_chunk = 500;

/// Midnight UTC of today, as ISO 8601: the start of the daily caps.
std::string start_of_day_utc() {
  auto now = std::time(nullptr);
  std::tm day{};
  gmtime_r(&now, &day);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT00:00:00Z", &day);
  return buf;
}

/// The address a row claims, normalised for comparison; the raw text when
/// it is malformed (the worker refuses it then).
std::string address_key(const std::string& text) {
  auto addr = address::parse(text);
  return addr ? addr->hex() : text;
}

} // namespace

// -- starting -----------------------------------------------------------------

bool supervisor_state::start_cycle() {
  if (run || stopping || watching)
    return false;
  run.emplace();
  next_cycle_at.reset();
  run->id = ++cycles;
  run->started = std::chrono::steady_clock::now();
  self->send(stats, atom::begin::value, run->id);
  self->send(writer, atom::begin::value, run->id);
  FLOWSYNC_INFO("supervisor starts cycle {}", run->id);
  load_open_entries();
  return true;
}

void supervisor_state::load_open_entries() {
  run->phase = "reading the ledger";
  self->request(fetcher, fetcher_timeout, atom::ledger::value)
    .then(
      [this](ledger_page& page) {
        for (auto& entry : page.entries)
          run->open[entry.auth_id].push_back(std::move(entry));
        if (!run->open.empty())
          FLOWSYNC_INFO("supervisor found {} users with unfinished "
                        "transactions; they are resolved first",
                        run->open.size());
        load_top_ups();
      },
      [this](const caf::error& err) {
        abort_cycle("read the ledger (" + describe(err) + ")");
      });
}

void supervisor_state::load_top_ups() {
  self
    ->request(fetcher, fetcher_timeout, atom::topups::value, start_of_day_utc())
    .then(
      [this](const ledger_page& page) {
        uint64_t units = 0;
        for (const auto& entry : page.entries) {
          if (entry.status == ledger_status::failed
              || entry.status == ledger_status::expired)
            continue;
          ++run->top_ups_today[entry.address];
          if (auto amount = ufix64::parse(entry.amount))
            units += amount->units();
        }
        run->topped_up_today = ufix64::from_units(units);
        read_balance();
      },
      [this](const caf::error& err) {
        abort_cycle("read today's top-ups (" + describe(err) + ")");
      });
}

void supervisor_state::read_balance() {
  self->request(workers.front(), balance_timeout, atom::balance::value)
    .then(
      [this](uint64_t units) {
        auto balance = ufix64::from_units(units);
        money->start_cycle(balance, run->topped_up_today);
        if (money->below_floor())
          FLOWSYNC_ERROR("supervisor: the service account holds {} FLOW, at "
                         "or below the floor of {}: nothing will be spent "
                         "until it is funded",
                         balance.to_string(),
                         cfg.cfg.policy.service_floor.to_string());
        sweep_users();
      },
      [this](const caf::error& err) {
        abort_cycle("read the service account (" + describe(err) + ")");
      });
}

// -- users --------------------------------------------------------------------

void note_user(cycle_run& run, const auth_user& user) {
  auto& flags = run.users[user.id];
  flags.deleted = user.deleted;
  flags.anonymous = user.anonymous;
  flags.banned = user.banned;
}

void supervisor_state::sweep_users() {
  run->phase = "reading users";
  auto per_page = cfg.cfg.supabase.users_per_page;
  self
    ->request(fetcher, fetcher_timeout, atom::users::value,
              static_cast<int32_t>(run->page), static_cast<int32_t>(per_page))
    .then([this](user_page& page) { on_user_page(page); },
          [this](const caf::error& err) {
            abort_cycle("read users page " + std::to_string(run->page) + " ("
                        + describe(err) + ")");
          });
}

void supervisor_state::on_user_page(user_page& page) {
  for (const auto& user : page.users)
    note_user(*run, user);
  for (const auto& bad : page.rejected) {
    ++run->rejected_this_sweep;
    if (!bad.id.empty())
      run->rejected_ids.insert(bad.id);
    if (run->sweeps > 0)
      continue; // reported in the first sweep already
    ++run->counters.bad_records;
    FLOWSYNC_WARN("supervisor skips user record {} on page {} ({}): {}",
                  bad.index, run->page, bad.id.empty() ? "no id" : bad.id,
                  bad.reason);
  }
  if (page.total >= 0)
    run->reported_total = page.total;

  // The Link header names the next page; without it, a full page still
  // means there may be more.
  auto per_page = static_cast<size_t>(cfg.cfg.supabase.users_per_page);
  auto records = page.users.size() + page.rejected.size();
  if (page.next_page > run->page
      || (page.next_page == 0 && page.total < 0 && records == per_page)) {
    run->page = page.next_page > 0 ? page.next_page : run->page + 1;
    return sweep_users();
  }

  // Sign-ups and deletions during paging shift users between pages: sweep
  // again while the server counts more users than were seen.
  ++run->sweeps;
  auto seen =
    static_cast<int64_t>(run->users.size()) + run->rejected_this_sweep;
  if (run->reported_total > seen && run->sweeps < max_user_sweeps) {
    FLOWSYNC_INFO("supervisor saw {} of {} users; sweeping again", seen,
                  run->reported_total);
    run->page = 1;
    run->rejected_this_sweep = 0;
    return sweep_users();
  }
  run->users_short = run->reported_total > seen;
  if (run->users_short)
    FLOWSYNC_WARN("supervisor saw {} of {} users in {} sweeps; the users of "
                  "wallet rows it missed are looked up one by one",
                  seen, run->reported_total, run->sweeps);
  else
    FLOWSYNC_INFO("supervisor read {} users in {} sweeps", run->users.size(),
                  run->sweeps);
  known_users.clear();
  for (const auto& [id, flags] : run->users)
    known_users.insert(id);
  next_wallet_page();
}

// -- wallet rows --------------------------------------------------------------

void supervisor_state::next_wallet_page() {
  // Backpressure: read on only while the workers keep up.
  if (run->wallets_done || run->reading || run->ready.size() >= workers.size())
    return;
  run->reading = true;
  run->phase = run->counting ? "counting address claims" : "reading wallets";
  auto limit = cfg.cfg.supabase.wallets_per_page;
  self
    ->request(fetcher, fetcher_timeout, atom::wallets::value,
              run->wallet_cursor, static_cast<int32_t>(limit))
    .then([this](wallet_page& page) { on_wallet_page(page); },
          [this](const caf::error& err) {
            FLOWSYNC_ERROR("supervisor could not read wallet rows after {}: "
                           "{}; the cycle ends with what it has",
                           run->wallet_cursor, describe(err));
            run->reading = false;
            run->wallets_done = true;
            run->complete = false;
            run->rows_inserted = true;
            enqueue({}, true);
            maybe_end_cycle();
          });
}

void supervisor_state::on_wallet_page(wallet_page& page) {
  if (!run)
    return;
  run->reading = false;
  if (stopping)
    return;
  if (run->counting)
    return count_claims(page);
  auto full =
    page.rows.size() >= static_cast<size_t>(cfg.cfg.supabase.wallets_per_page);
  if (!page.rows.empty())
    run->wallet_cursor = page.rows.back().auth_id;
  for (auto& row : page.rows)
    take_row(row);
  if (full) {
    dispatch();
    return next_wallet_page();
  }
  run->wallets_done = true;
  run->phase = "processing batches";
  enqueue({}, true);
  insert_missing_rows();
}

void supervisor_state::count_claims(const wallet_page& page) {
  for (const auto& row : page.rows) {
    if (run->users_short && run->users.count(row.auth_id) == 0
        && run->rejected_ids.count(row.auth_id) == 0) {
      if (run->unseen.size() < max_user_lookups)
        run->unseen.push_back(row_claim{row.auth_id, row.flow_address});
      else
        ++run->unseen_left_out;
      continue;
    }
    count_claim(row.auth_id, row.flow_address);
  }
  auto full =
    page.rows.size() >= static_cast<size_t>(cfg.cfg.supabase.wallets_per_page);
  if (full) {
    run->wallet_cursor = page.rows.back().auth_id;
    return next_wallet_page();
  }
  if (!run->unseen.empty())
    return look_up_unseen();
  serve_rows();
}

void supervisor_state::count_claim(const std::string& auth_id,
                                   const std::string& address) {
  // Only rows that take_row serves claim an address.
  auto user = run->users.find(auth_id);
  if (address.empty() || user == run->users.end() || user->second.deleted
      || (user->second.anonymous && !cfg.cfg.policy.include_anonymous))
    return;
  ++run->claims[address_key(address)];
}

void supervisor_state::look_up_unseen() {
  run->phase = "looking up missed users";
  if (run->unseen_left_out > 0) {
    FLOWSYNC_WARN("supervisor looks up {} users the sweeps missed; the rows "
                  "of {} more wait for a later cycle",
                  run->unseen.size(), run->unseen_left_out);
    run->unseen_left_out = 0;
    run->complete = false;
  }
  auto first = run->unseen.end()
               - static_cast<std::ptrdiff_t>(
                 std::min(run->unseen.size(), user_lookups_per_request));
  std::vector<row_claim> chunk{std::make_move_iterator(first),
                               std::make_move_iterator(run->unseen.end())};
  run->unseen.erase(first, run->unseen.end());
  id_list ids;
  for (const auto& claim : chunk)
    ids.ids.push_back(claim.auth_id);
  self->request(fetcher, fetcher_timeout, atom::users::value, ids)
    .then(
      [this, chunk](const user_page& page) { on_unseen_users(page, chunk); },
      [this, missed = chunk.size()](const caf::error& err) {
        if (!run)
          return;
        FLOWSYNC_ERROR("supervisor cannot look up {} users the sweeps "
                       "missed: {}; their wallets wait for the next cycle",
                       missed + run->unseen.size(), describe(err));
        run->complete = false;
        run->unseen.clear();
        serve_rows();
      });
}

void supervisor_state::on_unseen_users(
  const user_page& page, const std::vector<row_claim>& looked_up) {
  if (!run || stopping)
    return;
  for (const auto& user : page.users) {
    note_user(*run, user);
    known_users.insert(user.id);
  }
  for (const auto& bad : page.rejected) {
    ++run->counters.bad_records;
    FLOWSYNC_WARN("supervisor skips the user record of {}: {}", bad.id,
                  bad.reason);
  }
  for (const auto& claim : looked_up)
    count_claim(claim.auth_id, claim.address);
  if (!run->unseen.empty())
    return look_up_unseen();
  FLOWSYNC_INFO("supervisor has {} users after looking up those the sweeps "
                "missed",
                run->users.size());
  serve_rows();
}

void supervisor_state::serve_rows() {
  run->counting = false;
  run->wallet_cursor.clear();
  next_wallet_page();
}

void supervisor_state::take_row(wallet_row& row) {
  auto user = run->users.find(row.auth_id);
  if (user == run->users.end())
    return; // the row of a user no longer in Auth
  auto& flags = user->second;
  flags.has_row = true;
  if (flags.deleted || (flags.anonymous && !cfg.cfg.policy.include_anonymous)) {
    ++run->counters.skipped;
    return;
  }
  if (in_progress.count(row.auth_id) > 0) {
    ++run->counters.total;
    ++run->counters.pending;
    return;
  }

  wallet_task task;
  task.auth_id = row.auth_id;
  task.address = row.flow_address;
  task.public_key = row.flow_public_key;
  task.sealed_key = row.flow_private_key;
  task.banned = flags.banned;
  if (auto open = run->open.find(row.auth_id); open != run->open.end()) {
    task.open_entries = std::move(open->second);
    run->open.erase(open);
  }

  if (!task.address.empty()) {
    auto key = address_key(task.address);
    task.top_ups_today = run->top_ups_today[key];
    if (auto claims = run->claims.find(key);
        claims != run->claims.end() && claims->second > 1) {
      // Two rows claim one account: neither is served.
      if (run->shared.insert(task.auth_id).second)
        FLOWSYNC_WARN("supervisor refuses the wallet of user {}: another "
                      "wallet row claims address {}",
                      task.auth_id, key);
      ++run->counters.total;
      ++run->counters.corrupted;
      return;
    }
    // A row rewritten since the count can still meet an earlier claim here.
    auto [first, fresh] = run->addresses.emplace(key, task.auth_id);
    if (!fresh) {
      // Two rows claim one account: neither is served. Each is named here,
      // as the workers name theirs: the summary lists only the first
      // refusals of a cycle.
      for (const auto& id : {first->second, task.auth_id})
        if (run->shared.insert(id).second)
          FLOWSYNC_WARN("supervisor refuses the wallet of user {}: another "
                        "wallet row claims address {}",
                        id, key);
      auto& filling = run->filling;
      auto earlier =
        std::find_if(filling.begin(), filling.end(), [&](const wallet_task& t) {
          return t.auth_id == first->second;
        });
      if (earlier != filling.end()) {
        filling.erase(earlier);
        ++run->counters.total;
        ++run->counters.corrupted;
      }
      ++run->counters.total;
      ++run->counters.corrupted;
      return;
    }
  }
  enqueue(std::move(task), false);
}

void supervisor_state::insert_missing_rows() {
  std::vector<std::string> missing;
  for (const auto& [id, flags] : run->users)
    if (!flags.has_row && !flags.deleted
        && (!flags.anonymous || cfg.cfg.policy.include_anonymous))
      missing.push_back(id);
  if (missing.empty()) {
    run->rows_inserted = true;
    return maybe_end_cycle();
  }
  if (cfg.dry_run) {
    // A plan writes nothing: these users would get a row and an account.
    run->counters.total += missing.size();
    run->counters.planned_creations += missing.size();
    run->counters.pending += missing.size();
    run->rows_inserted = true;
    return maybe_end_cycle();
  }
  FLOWSYNC_INFO("supervisor creates wallet rows for {} users without one",
                missing.size());
  auto count = std::min(missing.size(), insert_chunk);
  id_list chunk{
    {missing.begin(), missing.begin() + static_cast<ptrdiff_t>(count)}};
  auto more = count < missing.size();
  self->request(fetcher, fetcher_timeout, atom::insert::value, chunk)
    .then(
      [this, more](wallet_page& page) {
        for (auto& row : page.rows)
          take_row(row);
        enqueue({}, true);
        if (more && !page.rows.empty())
          return insert_missing_rows();
        run->rows_inserted = true;
        maybe_end_cycle();
      },
      [this](const caf::error& err) {
        FLOWSYNC_ERROR("supervisor could not create wallet rows: {}",
                       describe(err));
        run->complete = false;
        run->rows_inserted = true;
        maybe_end_cycle();
      });
}

// -- batches ------------------------------------------------------------------

void supervisor_state::enqueue(wallet_task task, bool flush) {
  if (!task.auth_id.empty()) {
    // Accounts to create go out in small batches of a few transactions, so
    // that every worker (each with its own proposal key) creates in
    // parallel; the rest in large ones, one state script each.
    auto creates = task.address.empty() && task.open_entries.empty();
    (creates ? run->creating : run->filling).push_back(std::move(task));
  }
  auto creating_size =
    static_cast<size_t>(cfg.cfg.batching.create_batch) * creations_per_batch;
  if (seal_batch(run->filling, cfg.cfg.batching.dispatch_batch, flush)
      | seal_batch(run->creating, creating_size, flush))
    dispatch();
}

bool supervisor_state::seal_batch(std::vector<wallet_task>& buffer, size_t size,
                                  bool flush) {
  if (buffer.empty() || (!flush && buffer.size() < size))
    return false;
  wallet_batch batch;
  batch.cycle = run->id;
  batch.id = ++run->next_batch;
  batch.wallets = std::move(buffer);
  buffer.clear();
  run->ready.push_back(std::move(batch));
  return true;
}

void supervisor_state::dispatch() {
  while (run && !run->ready.empty()) {
    // The least loaded worker that runs: a crashed one waits for its
    // restart, and a batch sent to it would only bounce.
    auto index = workers.size();
    for (size_t i = 0; i < workers.size(); ++i)
      if (worker_up(i) && worker_load[i] < batches_per_worker
          && (index == workers.size() || worker_load[i] < worker_load[index]))
        index = i;
    if (index == workers.size())
      return;
    auto batch = std::move(run->ready.front());
    run->ready.pop_front();
    ++worker_load[index];
    ++run->batches_out;
    auto size = batch.wallets.size();
    // Never sent again in this cycle: its transactions may be out, and
    // only the next cycle's recovery knows their ledger rows.
    auto lost = [this, index, size] {
      batch_report report;
      report.counters.total = size;
      report.counters.pending = size;
      self->send(stats, atom::count::value, report.counters);
      on_batch_done(index, report);
    };
    auto number = send_out(index, lost);
    self
      ->request(workers[index], batch_timeout, atom::process::value,
                std::move(batch))
      .then(
        [this, index, number](const batch_report& report) {
          if (came_back(number))
            on_batch_done(index, report);
        },
        [this, index, size, number, lost](const caf::error& err) {
          if (!came_back(number))
            return;
          FLOWSYNC_ERROR("supervisor: a batch of {} wallets failed in "
                         "worker {}: {}",
                         size, index, describe(err));
          lost();
        });
  }
}

void supervisor_state::on_batch_done(size_t worker, const batch_report&) {
  if (worker_load[worker] > 0)
    --worker_load[worker];
  if (!run)
    return;
  --run->batches_out;
  dispatch();
  if (!run->wallets_done && !stopping)
    next_wallet_page();
  maybe_end_cycle();
}

// -- ending -------------------------------------------------------------------

void supervisor_state::maybe_end_cycle() {
  if (!run || stopping || !run->wallets_done || run->reading
      || !run->rows_inserted || !run->filling.empty() || !run->creating.empty()
      || !run->ready.empty() || run->batches_out > 0)
    return;
  end_cycle();
}

void supervisor_state::end_cycle() {
  run->phase = "finishing";
  for (const auto& auth_id : run->shared) {
    self->send(writer, atom::refused::value, auth_id);
    refused_wallet item{auth_id, "another wallet row claims the same address"};
    self->send(stats, atom::refused::value, item);
  }
  // Moved, not copied: the inspector adds what the supervisor still holds.
  self->send(stats, atom::count::value, std::exchange(run->counters, {}));
  auto id = run->id;
  auto complete = run->complete;
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                               - run->started)
                   .count();
  auto timeout = std::chrono::seconds{120};
  auto finish = [this](cycle_summary summary) {
    last = summary;
    run.reset();
    if (once) {
      once->deliver(summary);
      once.reset();
      return shutdown();
    }
    if (cfg.timer) {
      next_cycle_at = std::chrono::steady_clock::now() + cfg.cfg.cycle.interval;
      self->delayed_send(self, cfg.cfg.cycle.interval, atom::tick::value);
    }
  };
  self->request(writer, timeout, atom::end::value, id, complete)
    .then(
      [this, id, complete, seconds, timeout, finish](const flush_report&) {
        self->request(stats, timeout, atom::end::value, id, complete, seconds)
          .then(finish, [finish, id, complete, seconds](const caf::error&) {
            finish(cycle_summary{id, complete, seconds, {}});
          });
      },
      [finish, id, seconds](const caf::error& err) {
        FLOWSYNC_ERROR("supervisor: the configuration was not written: {}",
                       describe(err));
        finish(cycle_summary{id, false, seconds, {}});
      });
}

void supervisor_state::abort_cycle(const std::string& why) {
  FLOWSYNC_ERROR("supervisor: cycle {} could not {}; it changes nothing and "
                 "the next cycle tries again",
                 run->id, why);
  run->complete = false;
  run->wallets_done = true;
  run->rows_inserted = true;
  run->filling.clear();
  run->creating.clear();
  run->ready.clear();
  maybe_end_cycle();
}

// -- sign-ups -----------------------------------------------------------------

void supervisor_state::watch_signups() {
  if (known_users.empty())
    return; // the first cycle has not read the users yet
  watching = true;
  self
    ->request(fetcher, fetcher_timeout, atom::users::value, int32_t{1},
              int32_t{signup_page_size})
    .then(
      [this](const user_page& page) {
        id_list fresh;
        for (const auto& user : page.users)
          if (known_users.count(user.id) == 0 && !user.deleted
              && (!user.anonymous || cfg.cfg.policy.include_anonymous))
            fresh.ids.push_back(user.id);
        if (fresh.ids.empty() || stopping) {
          watching = false;
          return;
        }
        FLOWSYNC_INFO("supervisor sees {} new sign-ups", fresh.ids.size());
        self->request(fetcher, fetcher_timeout, atom::insert::value, fresh)
          .then([this](wallet_page& rows) { provision(std::move(rows.rows)); },
                [this](const caf::error&) { watching = false; });
      },
      [this](const caf::error&) { watching = false; });
}

void supervisor_state::provision(std::vector<wallet_row> rows) {
  wallet_batch batch;
  batch.id = 0;
  for (auto& row : rows) {
    // Only accounts still to be made; everything else waits for a cycle.
    if (!row.flow_address.empty() || in_progress.count(row.auth_id) > 0)
      continue;
    wallet_task task;
    task.auth_id = row.auth_id;
    task.public_key = row.flow_public_key;
    task.sealed_key = row.flow_private_key;
    in_progress.insert(task.auth_id);
    batch.wallets.push_back(std::move(task));
  }
  if (batch.wallets.empty()) {
    watching = false;
    return;
  }

  // A stored key may belong to an unfinished creation: resolve it first.
  self->request(fetcher, fetcher_timeout, atom::ledger::value)
    .then(
      [this, batch](const ledger_page& open) mutable {
        for (auto& task : batch.wallets)
          for (const auto& entry : open.entries)
            if (entry.auth_id == task.auth_id)
              task.open_entries.push_back(entry);
        std::vector<std::string> ids;
        for (const auto& task : batch.wallets)
          ids.push_back(task.auth_id);
        auto started = std::chrono::steady_clock::now();
        auto index = static_cast<size_t>(
          std::min_element(worker_load.begin(), worker_load.end())
          - worker_load.begin());
        ++worker_load[index];
        auto done = [this, ids, index, started](bool ok) {
          if (worker_load[index] > 0)
            --worker_load[index];
          for (const auto& id : ids) {
            in_progress.erase(id);
            known_users.insert(id);
          }
          watching = false;
          FLOWSYNC_INFO("supervisor provisioned {} sign-ups{} in {:.1f} s",
                        ids.size(), ok ? "" : " (with errors)",
                        std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - started)
                          .count());
        };
        auto number = send_out(index, [done] { done(false); });
        self
          ->request(workers[index], batch_timeout, atom::process::value,
                    std::move(batch))
          .then(
            [this, done, number](const batch_report& report) {
              if (came_back(number))
                done(report.counters.synced == report.counters.total);
            },
            [this, done, number](const caf::error&) {
              if (came_back(number))
                done(false);
            });
      },
      [this, batch](const caf::error&) {
        for (const auto& task : batch.wallets)
          in_progress.erase(task.auth_id);
        watching = false;
      });
}

} // namespace flowsync
