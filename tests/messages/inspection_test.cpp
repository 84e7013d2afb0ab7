#include "messages/inspection.hpp"

#include <string>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

using namespace flowsync;

namespace {

daemon_status busy_daemon() {
  daemon_status x;
  x.network = "testnet";
  x.uptime_s = 125;
  x.cycle_running = true;
  x.phase = "processing batches";
  x.users_seen = 1200;
  x.batches_ready = 2;
  x.batches_out = 3;
  x.current.cycle = 4;
  x.current.counters.total = 800;
  x.current.counters.synced = 790;
  x.current.counters.scripts = 2;
  x.last = cycle_summary{3, true, 41.5, {}};
  x.last.counters.total = 1190;
  x.last.counters.funding_errors = 1;
  x.workers = {worker_status{0, true, 1, 2}, worker_status{1, false, 2, 0}};
  x.limiter.lanes = {
    lane_status{request_class::script, 5, 2, 2, 7, 90},
    lane_status{request_class::transaction, 50, 50, 0, 0, 12},
  };
  return x;
}

} // namespace

TEST_SUITE_BEGIN("inspection");

TEST_CASE("the counters line names every counter once") {
  cycle_counters c;
  c.total = 3;
  c.planned_repairs = 9;
  auto line = to_string(c);
  CHECK(line.rfind("total=3 synced=0 ", 0) == 0);
  CHECK(line.find(" planned_repairs=9") != std::string::npos);
  size_t names = 0;
  for_each_counter(c, [&](const char* name, uint64_t) {
    ++names;
    CHECK(line.find(std::string{name} + "=") != std::string::npos);
  });
  CHECK(names == 20);
}

TEST_CASE("the status text shows the cycle, the workers and a slowed "
          "class") {
  auto text = to_text(busy_daemon());
  CHECK(text.find("flowsync on testnet, up 125 s") != std::string::npos);
  CHECK(text.find("cycle 4: processing batches, 1200 users so far, 2 "
                  "batches waiting, 3 out with workers")
        != std::string::npos);
  CHECK(text.find("so far: 800 wallets, 790 synced") != std::string::npos);
  CHECK(text.find("last cycle 3 completed in 41.5 s: 1190 wallets")
        != std::string::npos);
  CHECK(text.find("worker 1: down (restarting), proposal key 2")
        != std::string::npos);
  CHECK(text.find("script requests: 2 in the last second, limit 2/s "
                  "(slowed from 5/s after a rate-limit answer), 7 waiting")
        != std::string::npos);
  CHECK(text.find("transaction requests: 0 in the last second, limit 50/s, ")
        != std::string::npos);
}

TEST_CASE("an idle daemon says when its next cycle starts") {
  daemon_status x;
  x.network = "emulator";
  x.next_cycle_in_s = 42.4;
  auto text = to_text(x);
  CHECK(text.find("idle; the next cycle starts in 42 s") != std::string::npos);
  CHECK(text.find("last cycle") == std::string::npos);
}

TEST_CASE("the status JSON holds every part") {
  rapidjson::Document doc;
  doc.Parse(to_json(busy_daemon()).c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string{doc["network"].GetString()} == "testnet");
  CHECK(doc["cycle_running"].GetBool());
  CHECK(doc["next_cycle_in_s"].IsNull());
  CHECK(doc["current"]["cycle"].GetUint64() == 4);
  CHECK(doc["current"]["counters"]["synced"].GetUint64() == 790);
  CHECK(doc["last"]["complete"].GetBool());
  CHECK(doc["last"]["counters"]["funding_errors"].GetUint64() == 1);
  REQUIRE(doc["workers"].Size() == 2);
  CHECK_FALSE(doc["workers"][1]["up"].GetBool());
  CHECK(doc["rate_limits"]["script"]["limit"].GetUint() == 2);
  CHECK(doc["rate_limits"]["script"]["configured"].GetUint() == 5);
  CHECK(doc["rate_limits"]["transaction"]["granted"].GetUint64() == 12);
}

TEST_SUITE_END();
