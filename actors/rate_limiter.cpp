#include "actors/rate_limiter.hpp"

#include "adapters/logging.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace flowsync {

void rate_limiter_state::serve(request_class cls) {
  auto& l = of(cls);
  auto now = self->clock().now();
  l.window.recover(now);
  while (!l.waiting.empty() && l.window.next_slot(now) <= now) {
    l.window.record(now);
    ++l.granted;
    l.waiting.front().deliver(++grants);
    l.waiting.pop_front();
  }
  if (!l.waiting.empty() && !l.wake_pending) {
    l.wake_pending = true;
    self->delayed_send(self, l.window.next_slot(now) - now, atom::wake::value,
                       cls);
  }
}

grant_log rate_limiter_state::record_of(request_class cls) {
  auto& l = of(cls);
  grant_log log;
  log.cls = cls;
  log.limit = l.window.limit();
  for (auto t : l.window.record())
    log.granted_at.push_back(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch())
        .count());
  return log;
}

limiter_status rate_limiter_state::status() {
  limiter_status out;
  auto now = self->clock().now();
  for (auto cls : {request_class::script, request_class::transaction,
                   request_class::access}) {
    auto& l = of(cls);
    l.window.recover(now);
    const auto& record = l.window.record();
    auto recent = std::count_if(record.begin(), record.end(), [now](auto t) {
      return now - t < std::chrono::seconds{1};
    });
    out.lanes.push_back(
      lane_status{cls, l.window.configured(), l.window.limit(),
                  static_cast<uint32_t>(recent),
                  static_cast<uint32_t>(l.waiting.size()), l.granted});
  }
  return out;
}

rate_limiter_actor::behavior_type
rate_limiter(rate_limiter_actor::stateful_pointer<rate_limiter_state> self,
             rate_limit_settings cfg) {
  self->state.self = self;
  self->state.of(request_class::script).window =
    rate_window{cfg.scripts, cfg.penalty};
  self->state.of(request_class::transaction).window =
    rate_window{cfg.transactions, cfg.penalty};
  self->state.of(request_class::access).window =
    rate_window{cfg.access, cfg.penalty};
  return {
    [self](atom::acquire, request_class cls) {
      auto promise = self->make_response_promise<uint64_t>();
      self->state.of(cls).waiting.push_back(promise);
      self->state.serve(cls);
      return promise;
    },
    [self](atom::throttled, request_class cls) {
      auto& window = self->state.of(cls).window;
      window.throttle(self->clock().now());
      FLOWSYNC_WARN("rate-limiter halves the {} limit to {}/s after a "
                    "rate-limit answer",
                    to_string(cls), window.limit());
    },
    [self](atom::grants, request_class cls) {
      return self->state.record_of(cls);
    },
    [self](atom::status) { return self->state.status(); },
    [self](atom::wake, request_class cls) {
      self->state.of(cls).wake_pending = false;
      self->state.serve(cls);
    },
  };
}

rate_limiter_actor spawn_rate_limiter(caf::actor_system& sys,
                                      const rate_limit_settings& cfg) {
  return sys.spawn(rate_limiter, cfg);
}

} // namespace flowsync
