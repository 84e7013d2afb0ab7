#include "actors/treasury.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

namespace {

ufix64 flow(const char* text) {
  return *ufix64::parse(text);
}

policy_settings policy() {
  policy_settings p;
  p.service_floor = flow("1.0");
  p.daily_budget = flow("0.5");
  return p;
}

} // namespace

TEST_CASE("nothing is spent at or below the floor") {
  treasury money{policy()};
  money.start_cycle(flow("1.0"), {});
  CHECK(money.below_floor());
  CHECK(money.grant_top_ups(flow("0.1"), 3) == 0);
  CHECK(money.grant_creation(flow("0.101")).units() == 0);
}

TEST_CASE("top-ups stay within the daily budget") {
  treasury money{policy()};
  money.start_cycle(flow("100.0"), flow("0.3"));
  CHECK(money.grant_top_ups(flow("0.1"), 5) == 2);
  CHECK(money.grant_top_ups(flow("0.1"), 1) == 0);
  CHECK(money.budget_left().units() == 0);
}

TEST_CASE("spending never takes the balance below the floor") {
  treasury money{policy()};
  money.start_cycle(flow("1.25"), {});
  CHECK(money.grant_creation(flow("0.101")) == flow("0.101"));
  CHECK(money.grant_creation(flow("0.101")) == flow("0.101"));
  CHECK(money.grant_creation(flow("0.101")).units() == 0);
  CHECK(money.spendable() == flow("0.048"));
}

TEST_CASE("a refund makes a grant available again") {
  treasury money{policy()};
  money.start_cycle(flow("100.0"), {});
  CHECK(money.grant_top_ups(flow("0.1"), 5) == 5);
  money.refund(flow("0.2"), true);
  CHECK(money.grant_top_ups(flow("0.1"), 5) == 2);
}
