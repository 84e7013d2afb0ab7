#include "messages/inspection.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

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
  out.Key("cycle");
  out.Uint64(s.cycle);
  out.Key("complete");
  out.Bool(s.complete);
  out.Key("seconds");
  out.Double(s.seconds);
  out.Key("counters");
  out.StartObject();
  for_each_counter(s.counters, [&out](const char* name, uint64_t value) {
    out.Key(name);
    out.Uint64(value);
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
  out.Key("network");
  out.String(x.network.c_str());
  out.Key("uptime_s");
  out.Double(x.uptime_s);
  out.Key("stopping");
  out.Bool(x.stopping);
  out.Key("cycle_running");
  out.Bool(x.cycle_running);
  out.Key("phase");
  out.String(x.phase.c_str());
  out.Key("users_seen");
  out.Uint64(x.users_seen);
  out.Key("batches_ready");
  out.Uint64(x.batches_ready);
  out.Key("batches_out");
  out.Uint64(x.batches_out);
  out.Key("next_cycle_in_s");
  if (x.next_cycle_in_s >= 0)
    out.Double(x.next_cycle_in_s);
  else
    out.Null();
  out.Key("signups_in_progress");
  out.Uint64(x.signups_in_progress);
  out.Key("current");
  write_summary(out, x.current);
  out.Key("last");
  write_summary(out, x.last);
  out.Key("workers");
  out.StartArray();
  for (const auto& w : x.workers) {
    out.StartObject();
    out.Key("index");
    out.Uint(w.index);
    out.Key("up");
    out.Bool(w.up);
    out.Key("proposal_key");
    out.Uint(w.proposal_key);
    out.Key("batches");
    out.Uint(w.batches);
    out.EndObject();
  }
  out.EndArray();
  out.Key("rate_limits");
  out.StartObject();
  for (const auto& l : x.limiter.lanes) {
    out.Key(to_string(l.cls));
    out.StartObject();
    out.Key("configured");
    out.Uint(l.configured);
    out.Key("limit");
    out.Uint(l.limit);
    out.Key("last_second");
    out.Uint(l.last_second);
    out.Key("waiting");
    out.Uint(l.waiting);
    out.Key("granted");
    out.Uint64(l.granted);
    out.EndObject();
  }
  out.EndObject();
  out.EndObject();
  return buf.GetString();
}

} // namespace flowsync
