#include "messages/counters.hpp"

#include <fmt/format.h>

namespace flowsync {

cycle_counters& cycle_counters::operator+=(const cycle_counters& other) {
  total += other.total;
  synced += other.synced;
  corrupted += other.corrupted;
  created += other.created;
  creation_errors += other.creation_errors;
  vaults_created += other.vaults_created;
  vaults_present += other.vaults_present;
  vault_errors += other.vault_errors;
  balance_checks += other.balance_checks;
  funding_needed += other.funding_needed;
  funding_sealed += other.funding_sealed;
  funding_errors += other.funding_errors;
  skipped += other.skipped;
  pending += other.pending;
  bad_records += other.bad_records;
  scripts += other.scripts;
  transactions += other.transactions;
  planned_creations += other.planned_creations;
  planned_top_ups += other.planned_top_ups;
  planned_repairs += other.planned_repairs;
  return *this;
}

std::string to_string(const cycle_counters& x) {
  std::string out;
  for_each_counter(x, [&out](const char* name, uint64_t value) {
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", name, value);
  });
  return out;
}

} // namespace flowsync
