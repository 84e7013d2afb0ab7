#pragma once

#include "adapters/supabase.hpp"

#include <string>
#include <vector>

#include <caf/meta/omittable.hpp>
#include <caf/meta/type_name.hpp>

/// Inspection of the Supabase adapter's records, and the list types the
/// fetcher exchanges, so that they can travel in messages.
namespace flowsync {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_user& x) {
  return f(caf::meta::type_name("auth_user"), x.id, x.created_at, x.deleted,
           x.anonymous, x.banned);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rejected_record& x) {
  return f(caf::meta::type_name("rejected_record"), x.index, x.id, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_page& x) {
  return f(caf::meta::type_name("user_page"), x.users, x.rejected, x.total,
           x.next_page);
}

/// The sealed key is left out of printed messages (`omittable`): sealed or
/// not, key material has no place in a log.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wallet_row& x) {
  return f(caf::meta::type_name("wallet_row"), x.id, x.auth_id, x.flow_address,
           x.flow_public_key, caf::meta::omittable(), x.flow_private_key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_entry& x) {
  return f(caf::meta::type_name("ledger_entry"), x.id, x.tx_id, x.kind,
           x.auth_id, x.address, x.amount, x.status, x.error_code,
           x.reference_height, x.proposal_key_index, x.sequence_number,
           x.created_at);
}

/// A list of user ids.
struct id_list {
  std::vector<std::string> ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, id_list& x) {
  return f(caf::meta::type_name("id_list"), x.ids);
}

/// Wallet rows, as a page or as the answer to a lookup.
struct wallet_page {
  std::vector<wallet_row> rows;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wallet_page& x) {
  return f(caf::meta::type_name("wallet_page"), x.rows);
}

/// Ledger rows.
struct ledger_page {
  std::vector<ledger_entry> entries;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_page& x) {
  return f(caf::meta::type_name("ledger_page"), x.entries);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_write& x) {
  return f(caf::meta::type_name("key_write"), x.auth_id, x.public_key,
           caf::meta::omittable(), x.sealed_key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, address_write& x) {
  return f(caf::meta::type_name("address_write"), x.auth_id, x.public_key,
           x.address);
}

/// Several conditional writes of one kind.
struct key_writes {
  std::vector<key_write> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_writes& x) {
  return f(caf::meta::type_name("key_writes"), x.items);
}

struct address_writes {
  std::vector<address_write> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, address_writes& x) {
  return f(caf::meta::type_name("address_writes"), x.items);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_update& x) {
  return f(caf::meta::type_name("ledger_update"), x.tx_id, x.auth_id, x.status,
           x.error_code, x.address);
}

/// Several changes of ledger rows, settled in one request.
struct ledger_updates {
  std::vector<ledger_update> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_updates& x) {
  return f(caf::meta::type_name("ledger_updates"), x.items);
}

} // namespace flowsync
