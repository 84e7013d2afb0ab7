#include "actors/treasury.hpp"

#include <algorithm>

namespace flowsync {

namespace {

ufix64 minus_or_zero(ufix64 x, ufix64 y) {
  return x > y ? ufix64::from_units(x.units() - y.units()) : ufix64{};
}

} // namespace

treasury::treasury(const policy_settings& policy) : policy_(policy) {
  // nop
}

void treasury::start_cycle(ufix64 service_balance, ufix64 topped_up_today) {
  balance_ = service_balance;
  spent_ = ufix64{};
  topped_up_today_ = topped_up_today;
}

void treasury::refresh_balance(ufix64 service_balance) {
  balance_ = service_balance;
  spent_ = ufix64{};
}

bool treasury::below_floor() const noexcept {
  return balance_ <= policy_.service_floor;
}

ufix64 treasury::spendable() const noexcept {
  return minus_or_zero(minus_or_zero(balance_, policy_.service_floor), spent_);
}

ufix64 treasury::budget_left() const noexcept {
  return minus_or_zero(policy_.daily_budget, topped_up_today_);
}

ufix64 treasury::grant_creation(ufix64 amount) {
  if (amount > spendable())
    return ufix64{};
  spent_ = ufix64::from_units(spent_.units() + amount.units());
  return amount;
}

uint64_t treasury::grant_top_ups(ufix64 each, uint64_t count) {
  if (each.units() == 0)
    return 0;
  auto limit = std::min(spendable().units(), budget_left().units());
  auto granted = std::min<uint64_t>(count, limit / each.units());
  auto total = granted * each.units();
  spent_ = ufix64::from_units(spent_.units() + total);
  topped_up_today_ = ufix64::from_units(topped_up_today_.units() + total);
  return granted;
}

void treasury::refund(ufix64 amount, bool top_up) {
  spent_ = minus_or_zero(spent_, amount);
  if (top_up)
    topped_up_today_ = minus_or_zero(topped_up_today_, amount);
}

} // namespace flowsync
