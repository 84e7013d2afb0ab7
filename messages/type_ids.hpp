#pragma once

#include "messages/counters.hpp"
#include "messages/inspection.hpp"
#include "messages/limits.hpp"
#include "messages/supabase.hpp"
#include "messages/wallet.hpp"

#include <caf/type_id.hpp>

/// The one block of type IDs of flowsync's message types. Registered once,
/// by `register_message_types` (messages/register.hpp).
CAF_BEGIN_TYPE_ID_BLOCK(flowsync, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(flowsync, (flowsync::auth_user))
CAF_ADD_TYPE_ID(flowsync, (flowsync::rejected_record))
CAF_ADD_TYPE_ID(flowsync, (flowsync::user_page))
CAF_ADD_TYPE_ID(flowsync, (flowsync::wallet_row))
CAF_ADD_TYPE_ID(flowsync, (flowsync::ledger_entry))
CAF_ADD_TYPE_ID(flowsync, (flowsync::id_list))
CAF_ADD_TYPE_ID(flowsync, (flowsync::wallet_page))
CAF_ADD_TYPE_ID(flowsync, (flowsync::ledger_page))
CAF_ADD_TYPE_ID(flowsync, (flowsync::key_write))
CAF_ADD_TYPE_ID(flowsync, (flowsync::key_writes))
CAF_ADD_TYPE_ID(flowsync, (flowsync::address_write))
CAF_ADD_TYPE_ID(flowsync, (flowsync::address_writes))
CAF_ADD_TYPE_ID(flowsync, (flowsync::ledger_update))
CAF_ADD_TYPE_ID(flowsync, (flowsync::cycle_counters))
CAF_ADD_TYPE_ID(flowsync, (flowsync::cycle_summary))
CAF_ADD_TYPE_ID(flowsync, (flowsync::wallet_task))
CAF_ADD_TYPE_ID(flowsync, (flowsync::wallet_batch))
CAF_ADD_TYPE_ID(flowsync, (flowsync::refused_wallet))
CAF_ADD_TYPE_ID(flowsync, (flowsync::batch_report))
CAF_ADD_TYPE_ID(flowsync, (flowsync::account_entry))
CAF_ADD_TYPE_ID(flowsync, (flowsync::flush_report))
CAF_ADD_TYPE_ID(flowsync, (flowsync::request_class))
CAF_ADD_TYPE_ID(flowsync, (flowsync::grant_log))
CAF_ADD_TYPE_ID(flowsync, (flowsync::lane_status))
CAF_ADD_TYPE_ID(flowsync, (flowsync::limiter_status))
CAF_ADD_TYPE_ID(flowsync, (flowsync::worker_status))
CAF_ADD_TYPE_ID(flowsync, (flowsync::daemon_status))

CAF_END_TYPE_ID_BLOCK(flowsync)
