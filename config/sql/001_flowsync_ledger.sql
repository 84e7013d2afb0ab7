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

-- Bulk writes, one request each through PostgREST's /rpc, with the same
-- conditions as single-row writes. Each answers with the users whose row
-- now holds what was asked, including rows an earlier call already wrote:
-- a retry after a lost answer is harmless.

-- New key pairs, only into rows without an address and without a key.
create or replace function public.flowsync_store_keys(rows jsonb)
returns setof uuid
language sql
security invoker
as $$
  with input as (
    select *
      from jsonb_to_recordset(rows)
        as r(auth_id uuid, public_key text, sealed_key text)
  ), stored as (
    update public.wallet w
       set flow_public_key = i.public_key,
           flow_private_key = i.sealed_key
      from input i
     where w.auth_id = i.auth_id
       and coalesce(w.flow_address, '') = ''
       and coalesce(w.flow_public_key, '') = ''
    returning w.auth_id
  )
  select auth_id from stored
  union
  select w.auth_id
    from public.wallet w
    join input i on w.auth_id = i.auth_id
   where w.flow_public_key = i.public_key
     and w.flow_private_key = i.sealed_key;
$$;

-- Addresses of created accounts, only into rows that still hold the key
-- the account was created with and no address.
create or replace function public.flowsync_store_addresses(rows jsonb)
returns setof uuid
language sql
security invoker
as $$
  with input as (
    select *
      from jsonb_to_recordset(rows)
        as r(auth_id uuid, public_key text, address text)
  ), stored as (
    update public.wallet w
       set flow_address = i.address
      from input i
     where w.auth_id = i.auth_id
       and coalesce(w.flow_address, '') = ''
       and w.flow_public_key = i.public_key
    returning w.auth_id
  )
  select auth_id from stored
  union
  select w.auth_id
    from public.wallet w
    join input i on w.auth_id = i.auth_id
   where w.flow_address = i.address
     and w.flow_public_key = i.public_key;
$$;

-- The outcome of ledger rows: all rows of a transaction when auth_id is
-- null, else that user's row. A status only moves forward (signed, then
-- sent, then a final one), so an update that arrives late, such as a
-- retried 'sent' landing after 'sealed', changes nothing; a final row only
-- gains the address it lacked. Answers how many rows the input names, so
-- that zero means no such ledger row.
create or replace function public.flowsync_settle_ledger(rows jsonb)
returns integer
language sql
security invoker
as $$
  with input as (
    select r.*,
           case r.status when 'signed' then 0 when 'sent' then 1 else 2 end
             as step
      from jsonb_to_recordset(rows)
        as r(tx_id text, auth_id uuid, status text, error_code integer,
             address text)
  ), named as (
    select l.id, i.status, i.error_code, i.address, i.step,
           case l.status when 'signed' then 0 when 'sent' then 1 else 2 end
             as was
      from public.flowsync_ledger l
      join input i
        on l.tx_id = i.tx_id
       and (i.auth_id is null or l.auth_id = i.auth_id)
  ), changed as (
    update public.flowsync_ledger l
       set status = case when n.step > n.was then n.status else l.status end,
           error_code = case when n.step > n.was
                             then coalesce(n.error_code, 0)
                             else l.error_code end,
           address = coalesce(l.address, nullif(n.address, ''))
      from named n
     where l.id = n.id
       and (n.step > n.was
            or (n.status = l.status and l.address is null
                and coalesce(n.address, '') <> ''))
    returning 1
  )
  select count(*)::integer from named;
$$;

alter table public.flowsync_ledger enable row level security;

-- Supabase's default privileges hand new tables to every API role; take
-- them back so that only the service role may use the ledger.
revoke all on table public.flowsync_ledger from public, anon, authenticated;
revoke all on sequence public.flowsync_ledger_id_seq
  from public, anon, authenticated;
revoke all on function public.flowsync_ledger_touch()
  from public, anon, authenticated;
revoke all on function public.flowsync_store_keys(jsonb)
  from public, anon, authenticated;
revoke all on function public.flowsync_store_addresses(jsonb)
  from public, anon, authenticated;
revoke all on function public.flowsync_settle_ledger(jsonb)
  from public, anon, authenticated;
grant execute on function public.flowsync_store_keys(jsonb) to service_role;
grant execute on function public.flowsync_store_addresses(jsonb)
  to service_role;
grant execute on function public.flowsync_settle_ledger(jsonb)
  to service_role;
grant select, insert, update, delete on table public.flowsync_ledger
  to service_role;
grant usage, select on sequence public.flowsync_ledger_id_seq
  to service_role;

commit;
