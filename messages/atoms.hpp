#pragma once

#include <caf/atom.hpp>

/// The atoms that name flowsync's messages. CAF 0.17 limits an atom to ten
/// characters.
namespace flowsync::atom {

using acquire = caf::atom_constant<caf::atom("acquire")>;
using account = caf::atom_constant<caf::atom("account")>;
using address = caf::atom_constant<caf::atom("address")>;
using balance = caf::atom_constant<caf::atom("balance")>;
using begin = caf::atom_constant<caf::atom("begin")>;
using count = caf::atom_constant<caf::atom("count")>;
using drain = caf::atom_constant<caf::atom("drain")>;
using end = caf::atom_constant<caf::atom("end")>;
using flush = caf::atom_constant<caf::atom("flush")>;
using grants = caf::atom_constant<caf::atom("grants")>;
using insert = caf::atom_constant<caf::atom("insert")>;
using inspect = caf::atom_constant<caf::atom("inspect")>;
using keys = caf::atom_constant<caf::atom("keys")>;
using ledger = caf::atom_constant<caf::atom("ledger")>;
using once = caf::atom_constant<caf::atom("once")>;
using poll = caf::atom_constant<caf::atom("poll")>;
using process = caf::atom_constant<caf::atom("process")>;
using refused = caf::atom_constant<caf::atom("refused")>;
using retry = caf::atom_constant<caf::atom("retry")>;
using run = caf::atom_constant<caf::atom("run")>;
using schema = caf::atom_constant<caf::atom("schema")>;
using shutdown = caf::atom_constant<caf::atom("shutdown")>;
using spend = caf::atom_constant<caf::atom("spend")>;
using status = caf::atom_constant<caf::atom("status")>;
using step = caf::atom_constant<caf::atom("step")>;
using throttled = caf::atom_constant<caf::atom("throttled")>;
using tick = caf::atom_constant<caf::atom("tick")>;
using topups = caf::atom_constant<caf::atom("topups")>;
using update = caf::atom_constant<caf::atom("update")>;
using users = caf::atom_constant<caf::atom("users")>;
using wake = caf::atom_constant<caf::atom("wake")>;
using wallets = caf::atom_constant<caf::atom("wallets")>;
using watch = caf::atom_constant<caf::atom("watch")>;

} // namespace flowsync::atom
