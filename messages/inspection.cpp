#include "messages/inspection.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// One member of the object being written, by the type of its value.
void put(json_writer& out, const char* key, uint64_t value) {
  out.Key(key);
  out.Uint64(value);
}

void put(json_writer& out, const char* key, double value) {
  out.Key(key);
  out.Double(value);
}

void put(json_writer& out, const char* key, bool value) {
  out.Key(key);
  out.Bool(value);
}

void put(json_writer& out, const char* key, const std::string& value) {
  out.Key(key);
  out.String(value.c_str());
}

std::string counters_line(const cycle_counters& c) {
  return fmt::format("{} wallets, {} synced, {} corrupted, {} created, {} "
                     "vaults created, {} funding sealed, {} pending, {} "
                     "errors; {} scripts, {} transactions",
                     c.total, c.synced, c.corrupted, c.created,
                     c.vaults_created, c.funding_sealed, c.pending,
                     c.creation_errors + c.vault_errors + c.funding_errors,
                     c.scripts, c.transactions);
}

void write_summary(json_writer& out, const cycle_summary& s) {
  out.StartObject();
  put(out, "cycle", s.cycle);
  put(out, "complete", s.complete);
  put(out, "seconds", s.seconds);
  out.Key("counters");
  out.StartObject();
  for_each_counter(s.counters, [&out](const char* name, uint64_t value) {
    put(out, name, value);
  });
  out.EndObject();
  out.EndObject();
}

} // namespace

std::string to_text(const daemon_status& x) {
  std::string out = fmt::format("flowsync on {}, up {:.0f} s{}\n", x.network,
                                x.uptime_s, x.stopping ? ", draining" : "");
  if (x.cycle_running) {
    out += fmt::format("cycle {}: {}, {} users so far, {} batches waiting, {} "
                       "out with workers\n",
                       x.current.cycle, x.phase, x.users_seen, x.batches_ready,
                       x.batches_out);
    out += "  so far: " + counters_line(x.current.counters) + "\n";
  } else if (x.next_cycle_in_s >= 0) {
    out += fmt::format("idle; the next cycle starts in {:.0f} s\n",
                       x.next_cycle_in_s);
  } else {
    out += "idle\n";
  }
  if (x.signups_in_progress > 0)
    out +=
      fmt::format("sign-ups being provisioned: {}\n", x.signups_in_progress);
  if (x.last.cycle > 0)
    out += fmt::format("last cycle {} {} in {:.1f} s: {}\n", x.last.cycle,
                       x.last.complete ? "completed" : "was cut short",
                       x.last.seconds, counters_line(x.last.counters));
  for (const auto& w : x.workers)
    out +=
      fmt::format("worker {}: {}, proposal key {}, {} batches\n", w.index,
                  w.up ? "up" : "down (restarting)", w.proposal_key, w.batches);
  for (const auto& l : x.limiter.lanes) {
    out += fmt::format("{} requests: {} in the last second, limit {}/s",
                       to_string(l.cls), l.last_second, l.limit);
    if (l.limit < l.configured)
      out += fmt::format(" (slowed from {}/s after a rate-limit answer)",
                         l.configured);
    out +=
      fmt::format(", {} waiting, {} granted in all\n", l.waiting, l.granted);
  }
  return out;
}

std::string to_json(const daemon_status& x) {
  rapidjson::StringBuffer buf;
  json_writer out{buf};
  out.StartObject();
  put(out, "network", x.network);
  put(out, "uptime_s", x.uptime_s);
  put(out, "stopping", x.stopping);
  put(out, "cycle_running", x.cycle_running);
  put(out, "phase", x.phase);
  put(out, "users_seen", x.users_seen);
  put(out, "batches_ready", x.batches_ready);
  put(out, "batches_out", x.batches_out);
  out.Key("next_cycle_in_s");
  if (x.next_cycle_in_s >= 0)
    out.Double(x.next_cycle_in_s);
  else
    out.Null();
  put(out, "signups_in_progress", x.signups_in_progress);
  out.Key("current");
  write_summary(out, x.current);
  out.Key("last");
  write_summary(out, x.last);
  out.Key("workers");
  out.StartArray();
  for (const auto& w : x.workers) {
    out.StartObject();
    put(out, "index", uint64_t{w.index});
    put(out, "up", w.up);
    put(out, "proposal_key", uint64_t{w.proposal_key});
    put(out, "batches", uint64_t{w.batches});
    out.EndObject();
  }
  out.EndArray();
  out.Key("rate_limits");
  out.StartObject();
  for (const auto& l : x.limiter.lanes) {
    out.Key(to_string(l.cls));
    out.StartObject();
    put(out, "configured", uint64_t{l.configured});
    put(out, "limit", uint64_t{l.limit});
    put(out, "last_second", uint64_t{l.last_second});
    put(out, "waiting", uint64_t{l.waiting});
    put(out, "granted", l.granted);
    out.EndObject();
  }
  out.EndObject();
  out.EndObject();
  return buf.GetString();
}

} // namespace flowsync
