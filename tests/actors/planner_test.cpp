#include "actors/planner.hpp"
#include "adapters/crypto.hpp"
#include "adapters/sealing.hpp"

#include <doctest/doctest.h>

using namespace flowsync;

namespace {

const secret master{
  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"};

constexpr const char* user = "3f2a6c1e-8d4b-4b7a-9c1d-0e5f6a7b8c9d";

struct planner_fixture {
  sealer keys = *sealer::from_master_key(master);
  private_key key = *private_key::generate(sig_algo::ecdsa_p256);
  policy_settings policy;

  wallet_task row(std::string address = "01cf0e2f2f715450") {
    wallet_task w;
    w.auth_id = user;
    w.address = std::move(address);
    w.public_key = key.public_key_hex();
    w.sealed_key = *keys.seal(key.to_hex(), user);
    return w;
  }

  static wallet_state healthy_state() {
    wallet_state s;
    s.exists = true;
    s.key_valid = true;
    s.flow_balance = *ufix64::parse("0.101");
    s.flow_receiver = true;
    s.tokens.push_back({true, true, true, ufix64{}});
    return s;
  }
};

} // namespace

TEST_CASE_FIXTURE(planner_fixture, "a well-formed row passes the row check") {
  CHECK_FALSE(check_row(row(), keys).has_value());
  auto fresh = row("");
  fresh.public_key.clear();
  fresh.sealed_key.clear();
  CHECK_FALSE(check_row(fresh, keys).has_value());
}

TEST_CASE_FIXTURE(planner_fixture, "malformed addresses are refused") {
  for (auto bad : {"0x01cf0e2f2f715450", "1cf0e2f2f715450", "zzcf0e2f2f715450",
                   "01cf0e2f2f7154501"}) {
    auto why = check_row(row(bad), keys);
    REQUIRE(why.has_value());
    CHECK(why->find("malformed address") != std::string::npos);
  }
}

TEST_CASE_FIXTURE(planner_fixture, "a malformed public key is refused") {
  auto w = row();
  w.public_key = "abcd";
  REQUIRE(check_row(w, keys).has_value());
  CHECK(check_row(w, keys)->find("malformed public key") != std::string::npos);
}

TEST_CASE_FIXTURE(planner_fixture,
                  "a sealed key copied from another user does not open") {
  auto w = row();
  w.auth_id = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
  auto why = check_row(w, keys);
  REQUIRE(why.has_value());
  CHECK(why->find("does not open") != std::string::npos);
}

TEST_CASE_FIXTURE(planner_fixture,
                  "a sealed key of another public key is refused") {
  auto w = row();
  auto other = *private_key::generate(sig_algo::ecdsa_p256);
  w.public_key = other.public_key_hex();
  auto why = check_row(w, keys);
  REQUIRE(why.has_value());
  CHECK(why->find("does not belong") != std::string::npos);
}

TEST_CASE_FIXTURE(planner_fixture, "a healthy wallet needs nothing") {
  auto plan = plan_wallet(row(), healthy_state(), policy);
  CHECK(plan.refusal.empty());
  CHECK(plan.in_step());
}

TEST_CASE_FIXTURE(planner_fixture,
                  "a balance just under the threshold is topped up") {
  auto state = healthy_state();
  state.flow_balance = *ufix64::parse("0.07499999");
  auto plan = plan_wallet(row(), state, policy);
  CHECK(plan.needs_funding);
  CHECK(plan.top_up);
  CHECK_FALSE(plan.in_step());
  state.flow_balance = *ufix64::parse("0.075");
  CHECK_FALSE(plan_wallet(row(), state, policy).needs_funding);
}

TEST_CASE_FIXTURE(planner_fixture, "a missing capability asks for a repair") {
  auto state = healthy_state();
  state.tokens[0].balance_cap = false;
  auto plan = plan_wallet(row(), state, policy);
  CHECK(plan.repair_vault);
  CHECK_FALSE(plan.top_up);
}

TEST_CASE_FIXTURE(planner_fixture,
                  "an address whose account lacks the stored key is refused") {
  auto state = healthy_state();
  state.key_valid = false;
  state.flow_balance = ufix64{};
  auto plan = plan_wallet(row(), state, policy);
  CHECK_FALSE(plan.refusal.empty());
  CHECK_FALSE(plan.top_up);
  CHECK_FALSE(plan.repair_vault);
}

TEST_CASE_FIXTURE(planner_fixture, "an address without an account is refused") {
  auto state = healthy_state();
  state.exists = false;
  CHECK(plan_wallet(row(), state, policy).refusal.find("no account")
        != std::string::npos);
}

TEST_CASE_FIXTURE(planner_fixture,
                  "banned users are not topped up but count as in step") {
  auto w = row();
  w.banned = true;
  auto state = healthy_state();
  state.flow_balance = ufix64{};
  auto plan = plan_wallet(w, state, policy);
  CHECK(plan.needs_funding);
  CHECK_FALSE(plan.top_up);
  CHECK(plan.withheld_by_policy);
  CHECK(plan.in_step());
}

TEST_CASE_FIXTURE(planner_fixture,
                  "the daily cap withholds a top-up and leaves the wallet "
                  "out of step") {
  auto w = row();
  w.top_ups_today = policy.max_top_ups_per_day;
  auto state = healthy_state();
  state.flow_balance = ufix64{};
  auto plan = plan_wallet(w, state, policy);
  CHECK_FALSE(plan.top_up);
  CHECK_FALSE(plan.top_up_withheld.empty());
  CHECK_FALSE(plan.in_step());
}

TEST_CASE_FIXTURE(planner_fixture,
                  "no top-up goes to an account without a FLOW receiver") {
  auto state = healthy_state();
  state.flow_balance = ufix64{};
  state.flow_receiver = false;
  auto plan = plan_wallet(row(), state, policy);
  CHECK_FALSE(plan.top_up);
  CHECK_FALSE(plan.in_step());
}
