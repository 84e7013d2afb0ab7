#include "actors/supervisor.hpp"

#include "actors/config_writer.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/stats.hpp"
#include "actors/supabase_fetcher.hpp"
#include "actors/wallet_worker.hpp"
#include "adapters/logging.hpp"
#include "messages/error.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>

namespace flowsync {

namespace {

constexpr uint32_t limiter_slot = 0;
constexpr uint32_t fetcher_slot = 1;
constexpr uint32_t stats_slot = 2;
constexpr uint32_t writer_slot = 3;
constexpr uint32_t first_worker_slot = 4;

/// Longest wait for the stats actor or the rate limiter to describe itself.
constexpr std::chrono::seconds inspect_timeout{5};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
    .count();
}

} // namespace

// -- children -----------------------------------------------------------------

void supervisor_state::spawn_slot(uint32_t slot) {
  auto& sys = self->system();
  const auto& s = cfg.cfg;
  caf::actor_addr addr;
  switch (slot) {
  case limiter_slot:
    limiter = spawn_rate_limiter(sys, s.rate_limits);
    addr = limiter.address();
    break;
  case fetcher_slot:
    fetcher = spawn_supabase_fetcher(sys, cfg.make_supabase(),
                                     s.supabase.max_retries, cfg.detached);
    addr = fetcher.address();
    break;
  case stats_slot:
    stats = spawn_stats(sys);
    addr = stats.address();
    break;
  case writer_slot:
    writer =
      spawn_config_writer(sys,
                          config_writer_config{s.output, s.flow.network,
                                               s.flow.grpc_host, cfg.dry_run},
                          *keys, cfg.detached);
    addr = writer.address();
    break;
  default: {
    auto index = slot - first_worker_slot;
    wallet_worker_config wc;
    wc.index = index;
    wc.proposal_key_index = s.flow.proposal_key_indices[index];
    wc.flow = s.flow;
    wc.policy = s.policy;
    wc.batching = s.batching;
    wc.drain_timeout = s.cycle.drain_timeout;
    wc.dry_run = cfg.dry_run;
    worker_peers peers{limiter, fetcher, stats, writer,
                       caf::actor_cast<supervisor_actor>(self)};
    workers[index] = spawn_wallet_worker(sys, std::move(wc), std::move(peers),
                                         cfg.make_flow(), *keys, cfg.detached);
    addr = workers[index].address();
  }
  }
  self->monitor(addr);
  slots[addr] = slot;
}

void supervisor_state::spawn_children() {
  workers.resize(cfg.cfg.batching.workers);
  worker_load.assign(workers.size(), 0);
  for (uint32_t slot = 0; slot < first_worker_slot + workers.size(); ++slot)
    spawn_slot(slot);
}

void supervisor_state::on_child_down(const caf::down_msg& msg) {
  auto i = slots.find(msg.source);
  if (i == slots.end())
    return;
  auto slot = i->second;
  slots.erase(i);
  if (slot >= first_worker_slot)
    lose_batches_of(slot - first_worker_slot);
  if (stopping)
    return;
  FLOWSYNC_ERROR("supervisor lost child {} ({})", slot, describe(msg.reason));

  // Give up when a child keeps crashing: something is broken for good.
  auto now = std::chrono::steady_clock::now();
  auto& times = restarts[slot];
  times.push_back(now);
  while (!times.empty() && now - times.front() > restart_window)
    times.pop_front();
  if (times.size() > static_cast<size_t>(max_restarts)) {
    FLOWSYNC_ERROR("supervisor: child {} crashed {} times in {} s; stopping",
                   slot, times.size(), restart_window.count());
    return shutdown();
  }
  auto delay = std::chrono::milliseconds{250} * (1 << (times.size() - 1));
  self->delayed_send(self, delay, atom::retry::value, slot);
}

bool supervisor_state::worker_up(size_t index) const {
  return slots.count(workers[index].address()) > 0;
}

uint64_t supervisor_state::send_out(size_t worker, std::function<void()> lost) {
  auto number = ++dispatches;
  out_with_workers.emplace(number, batch_out{worker, std::move(lost)});
  return number;
}

bool supervisor_state::came_back(uint64_t number) {
  return out_with_workers.erase(number) > 0;
}

void supervisor_state::lose_batches_of(size_t worker) {
  std::vector<std::function<void()>> lost;
  for (auto i = out_with_workers.begin(); i != out_with_workers.end();) {
    if (i->second.worker != worker) {
      ++i;
      continue;
    }
    lost.push_back(std::move(i->second.lost));
    i = out_with_workers.erase(i);
  }
  if (!lost.empty())
    FLOWSYNC_ERROR("supervisor gives up {} batches of worker {}, which is "
                   "gone; their wallets wait for the next cycle",
                   lost.size(), worker);
  for (auto& fn : lost)
    fn();
}

// -- inspection ---------------------------------------------------------------

daemon_status supervisor_state::own_status() const {
  daemon_status out;
  out.network = cfg.cfg.flow.network;
  out.uptime_s = seconds_since(born);
  out.stopping = stopping;
  out.last = last;
  out.signups_in_progress = in_progress.size();
  if (next_cycle_at && !run && !stopping)
    out.next_cycle_in_s = std::max(0.0, -seconds_since(*next_cycle_at));
  if (run) {
    out.cycle_running = true;
    out.phase = run->phase;
    out.users_seen = run->users.size();
    out.batches_ready = run->ready.size();
    out.batches_out = run->batches_out;
    out.current.cycle = run->id;
    out.current.seconds = seconds_since(run->started);
  }
  for (size_t i = 0; i < workers.size(); ++i)
    out.workers.push_back(worker_status{static_cast<uint32_t>(i), worker_up(i),
                                        cfg.cfg.flow.proposal_key_indices[i],
                                        static_cast<uint32_t>(worker_load[i])});
  return out;
}

caf::typed_response_promise<daemon_status> supervisor_state::inspect() {
  auto promise = self->make_response_promise<daemon_status>();
  auto status = std::make_shared<daemon_status>(own_status());
  // Two answers to wait for; a child that does not answer leaves its part
  // empty rather than failing the whole status.
  auto awaited = std::make_shared<int>(2);
  auto one_done = [promise, status, awaited]() mutable {
    if (--*awaited == 0)
      promise.deliver(*status);
  };
  auto own_counters = run ? run->counters : cycle_counters{};
  self->request(stats, inspect_timeout, atom::status::value)
    .then(
      [status, one_done, own_counters](const cycle_summary& s) mutable {
        if (status->cycle_running && s.cycle == status->current.cycle) {
          status->current.counters = s.counters;
          status->current.counters += own_counters;
        }
        one_done();
      },
      [one_done](const caf::error&) mutable { one_done(); });
  self->request(limiter, inspect_timeout, atom::status::value)
    .then(
      [status, one_done](limiter_status& l) mutable {
        status->limiter = std::move(l);
        one_done();
      },
      [one_done](const caf::error&) mutable { one_done(); });
  return promise;
}

// -- spending -----------------------------------------------------------------

namespace {

uint64_t grant_spending(treasury& money, uint64_t each, uint64_t count,
                        bool top_up) {
  auto unit = ufix64::from_units(each);
  if (top_up)
    return money.grant_top_ups(unit, count);
  // Creations are granted whole: as many as fit above the floor.
  uint64_t granted = 0;
  while (granted < count && money.grant_creation(unit).units() == each)
    ++granted;
  return granted;
}

} // namespace

// -- behavior -----------------------------------------------------------------

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           supervisor_config cfg) {
  auto& st = self->state;
  st.self = self;
  auto keys = sealer::from_master_key(cfg.cfg.master_key);
  if (!keys) {
    FLOWSYNC_ERROR("supervisor cannot start: {}", keys.error().message);
    self->quit(to_error(keys.error()));
    return supervisor_actor::behavior_type::make_empty_behavior();
  }
  st.keys.emplace(std::move(*keys));
  st.money.emplace(cfg.cfg.policy);
  st.cfg = std::move(cfg);
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.on_child_down(msg); });
  st.spawn_children();
  if (st.cfg.timer) {
    self->send(self, atom::tick::value);
    if (st.cfg.cfg.cycle.signup_poll.count() > 0)
      self->delayed_send(self, st.cfg.cfg.cycle.signup_poll,
                         atom::watch::value);
  }
  return {
    [self](atom::run) { return self->state.start_cycle(); },
    [self](atom::once) {
      auto promise = self->make_response_promise<cycle_summary>();
      self->state.once = promise;
      if (!self->state.run && !self->state.start_cycle())
        promise.deliver(caf::make_error(ec::shutting_down, "stopping"));
      return promise;
    },
    [self](atom::shutdown) { self->state.shutdown(); },
    [self](atom::spend, uint64_t each, uint64_t count, bool top_up) {
      auto& s = self->state;
      if (s.stopping)
        return uint64_t{0};
      return grant_spending(*s.money, each, count, top_up);
    },
    [self](atom::status) {
      auto summary = self->state.last;
      if (self->state.run)
        summary.cycle = self->state.run->id;
      return summary;
    },
    [self](atom::inspect) { return self->state.inspect(); },
    [self](atom::tick) {
      auto& s = self->state;
      if (s.stopping)
        return;
      if (!s.run && !s.start_cycle())
        self->delayed_send(self, std::chrono::seconds{1}, atom::tick::value);
    },
    [self](atom::watch) {
      auto& s = self->state;
      if (s.stopping)
        return;
      if (!s.run && !s.watching)
        s.watch_signups();
      self->delayed_send(self, s.cfg.cfg.cycle.signup_poll, atom::watch::value);
    },
    [self](atom::retry, uint32_t slot) {
      auto& s = self->state;
      if (s.stopping)
        return;
      FLOWSYNC_WARN("supervisor restarts child {}", slot);
      s.spawn_slot(slot);
      // Workers hold the handles of the shared children: a new limiter,
      // fetcher, stats or writer needs new workers too.
      if (slot < first_worker_slot)
        for (size_t i = 0; i < s.workers.size(); ++i) {
          auto old = s.workers[i];
          s.slots.erase(old.address());
          self->send_exit(old, caf::exit_reason::user_shutdown);
          s.lose_batches_of(i);
          s.spawn_slot(first_worker_slot + static_cast<uint32_t>(i));
        }
      // Batches that waited for a worker to come back can go now.
      s.dispatch();
    },
  };
}

supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  supervisor_config cfg) {
  return sys.spawn(supervisor, std::move(cfg));
}

// -- stopping -----------------------------------------------------------------

void supervisor_state::shutdown() {
  if (stopping)
    return;
  stopping = true;
  FLOWSYNC_INFO("supervisor drains: no new work; waiting for transactions in "
                "flight (at most {} s)",
                cfg.cfg.cycle.drain_timeout.count());
  if (run) {
    run->complete = false;
    run->ready.clear();
    run->filling.clear();
    run->creating.clear();
  }
  auto pending = std::make_shared<size_t>(workers.size());
  auto timeout = cfg.cfg.cycle.drain_timeout + std::chrono::seconds{10};
  for (auto& worker : workers) {
    self->request(worker, timeout, atom::drain::value)
      .then(
        [this, pending](bool) {
          if (--*pending == 0)
            finish_shutdown();
        },
        [this, pending](const caf::error&) {
          if (--*pending == 0)
            finish_shutdown();
        });
  }
  if (workers.empty())
    finish_shutdown();
}

void supervisor_state::finish_shutdown() {
  auto stop = [this] {
    for (auto& [addr, slot] : slots)
      self->send_exit(addr, caf::exit_reason::user_shutdown);
    slots.clear();
    self->quit();
  };
  auto timeout = std::chrono::seconds{30};
  if (!run) {
    // Between cycles: only what the sign-up watch changed may be unwritten.
    self->request(writer, timeout, atom::flush::value)
      .then([stop](const flush_report&) { stop(); },
            [stop](const caf::error&) { stop(); });
    return;
  }
  auto id = run->id;
  auto complete = false;
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                               - run->started)
                   .count();
  // Moved, not copied: the inspector adds what the supervisor still holds.
  self->send(stats, atom::count::value, std::exchange(run->counters, {}));
  self->request(writer, timeout, atom::end::value, id, complete)
    .then(
      [this, id, complete, seconds, timeout, stop](const flush_report&) {
        self->request(stats, timeout, atom::end::value, id, complete, seconds)
          .then(
            [this, stop](const cycle_summary& summary) {
              last = summary;
              run.reset();
              if (once)
                once->deliver(summary);
              once.reset();
              stop();
            },
            [stop](const caf::error&) { stop(); });
      },
      [stop](const caf::error& err) {
        FLOWSYNC_ERROR("supervisor could not flush the configuration: {}",
                       describe(err));
        stop();
      });
}

} // namespace flowsync
