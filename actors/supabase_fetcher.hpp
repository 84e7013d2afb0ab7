#pragma once

#include "actors/backoff.hpp"
#include "adapters/logging.hpp"
#include "adapters/supabase.hpp"
#include "messages/error.hpp"
#include "messages/interfaces.hpp"

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

namespace flowsync {

/// How long callers wait for the fetcher's answer: it retries inside, with
/// backoff, before it answers with an error.
constexpr std::chrono::seconds fetcher_timeout{300};

struct supabase_fetcher_state {
  static inline const char* name = "supabase-fetcher";

  supabase_fetcher_actor::stateful_pointer<supabase_fetcher_state> self =
    nullptr;
  std::shared_ptr<supabase_api> api;
  int max_retries = 0;
  std::mt19937 rng{std::random_device{}()};
  uint64_t next_retry = 0;
  /// Operations waiting for their next try, by retry id.
  std::unordered_map<uint64_t, std::function<void()>> waiting;

  /// Runs `op` (which returns a `result<T>`), retrying what is retryable
  /// with backoff, and answers the promise with its value or error.
  template <class T, class Op>
  caf::typed_response_promise<T> run(std::string what, Op op) {
    auto promise = self->template make_response_promise<T>();
    attempt<T>(std::move(what), std::function<result<T>()>{std::move(op)},
               promise, 0);
    return promise;
  }

  template <class T>
  void attempt(std::string what, std::function<result<T>()> op,
               caf::typed_response_promise<T> promise, int tries) {
    auto res = op();
    if (res) {
      if (tries > 0)
        FLOWSYNC_WARN("supabase-fetcher recovered: {} succeeded after {} "
                      "retries",
                      what, tries);
      promise.deliver(std::move(*res));
      return;
    }
    const auto& err = res.error();
    if (!is_retryable(err) || tries >= max_retries) {
      FLOWSYNC_ERROR("supabase-fetcher gives up on {} after {} tries: {}", what,
                     tries + 1, err.message);
      promise.deliver(to_error(err));
      return;
    }
    auto delay = backoff_delay(tries, rng, err.retry_after);
    FLOWSYNC_WARN("supabase-fetcher retries {} in {} ms ({}; try {} of {})",
                  what, delay.count(), err.message, tries + 2, max_retries + 1);
    auto id = ++next_retry;
    waiting.emplace(id, [this, what, op, promise, tries]() mutable {
      attempt<T>(std::move(what), std::move(op), std::move(promise), tries + 1);
    });
    self->delayed_send(self, delay, atom::retry::value, id);
  }
};

/// Reads users, wallet rows and ledger rows from Supabase and writes wallet
/// and ledger rows back, retrying transient failures with backoff.
supabase_fetcher_actor::behavior_type supabase_fetcher(
  supabase_fetcher_actor::stateful_pointer<supabase_fetcher_state> self,
  std::shared_ptr<supabase_api> api, int max_retries);

/// Spawns the fetcher; detached in production since its HTTP calls block.
supabase_fetcher_actor spawn_supabase_fetcher(caf::actor_system& sys,
                                              std::shared_ptr<supabase_api> api,
                                              int max_retries, bool detached);

} // namespace flowsync
