-- flowsync's write-ahead ledger: one row per user per transaction that
-- spends or creates, written before the transaction is sent, so a restart
-- can finish or retry it and never pay twice.
--
-- Apply once to the Supabase project (safe to apply again):
--   flowsync migrate --print | psql "$DATABASE_URL"
-- Only the service role reads or writes it: row level security is on and no
-- policy lets anyone else in.

begin;

create table if not exists public.flowsync_ledger (
  id bigserial primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  tx_id text not null,
  kind text not null,
  auth_id uuid not null,
  address text,
  amount text,
  status text not null,
  error_code integer not null default 0,
  reference_height bigint not null default 0,
  proposal_key_index integer not null default 0,
  sequence_number bigint not null default 0,
  constraint flowsync_ledger_tx_id_format
    check (tx_id ~ '^[0-9a-f]{64}$'),
  constraint flowsync_ledger_kind_known
    check (kind in ('create_account', 'setup_vault', 'top_up')),
  constraint flowsync_ledger_address_format
    check (address is null or address ~ '^[0-9a-f]{16}$'),
  -- UFix64 as text: whole part, a point and exactly eight decimals.
  constraint flowsync_ledger_amount_format
    check (amount is null or amount ~ '^[0-9]{1,12}\.[0-9]{8}$'),
  constraint flowsync_ledger_status_known
    check (status in ('signed', 'sent', 'sealed', 'failed', 'expired')),
  constraint flowsync_ledger_tx_user_unique unique (tx_id, auth_id)
);

-- What a restart resolves first: rows whose transaction is not final.
create index if not exists flowsync_ledger_open_idx
  on public.flowsync_ledger (id) where status in ('signed', 'sent');

-- Daily caps sum the top-ups of a period.
create index if not exists flowsync_ledger_kind_created_idx
  on public.flowsync_ledger (kind, created_at);

create or replace function public.flowsync_ledger_touch() returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create or replace trigger flowsync_ledger_touch
  before update on public.flowsync_ledger
  for each row execute function public.flowsync_ledger_touch();

alter table public.flowsync_ledger enable row level security;

-- Supabase's default privileges hand new tables to every API role; take
-- them back so that only the service role may use the ledger.
revoke all on table public.flowsync_ledger from public, anon, authenticated;
revoke all on sequence public.flowsync_ledger_id_seq
  from public, anon, authenticated;
revoke all on function public.flowsync_ledger_touch()
  from public, anon, authenticated;
grant select, insert, update, delete on table public.flowsync_ledger
  to service_role;
grant usage, select on sequence public.flowsync_ledger_id_seq
  to service_role;

commit;
