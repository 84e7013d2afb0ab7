-- The sandbox's stand-in for a Supabase project database: the API roles,
-- the auth schema the Auth service owns, and the wallet table of the
-- original deployment with its sign-up trigger and owner policies.
--
-- Sandbox only. Safe to apply again: every statement checks or replaces.
-- A real project already has all of this; it only applies
-- 001_flowsync_ledger.sql.

\set ON_ERROR_STOP on

-- Roles ---------------------------------------------------------------------
-- The API switches to one of three NOLOGIN roles per request, as PostgREST
-- does; the stand-in logs in as `authenticator`, which holds no rights of
-- its own (NOINHERIT) and may only become one of them.

do $roles$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin')
  then
    create role supabase_auth_admin nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$roles$;

-- Re-asserted on every run in case someone altered them by hand.
alter role anon nologin noinherit nobypassrls;
alter role authenticated nologin noinherit nobypassrls;
alter role service_role nologin noinherit bypassrls;
alter role authenticator login noinherit nobypassrls;

grant anon, authenticated, service_role to authenticator;
-- The stand-in also plays the Auth service, which owns the auth schema.
grant supabase_auth_admin to authenticator;

-- Extensions live in their own schema, as on Supabase.
create schema if not exists extensions;
create extension if not exists pgcrypto with schema extensions;
grant usage on schema extensions
  to anon, authenticated, service_role, supabase_auth_admin;

-- Auth ----------------------------------------------------------------------

create schema if not exists auth authorization supabase_auth_admin;

create table if not exists auth.users (
  instance_id uuid default '00000000-0000-0000-0000-000000000000',
  id uuid primary key default gen_random_uuid(),
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255) default '',
  confirmation_sent_at timestamptz,
  recovery_token varchar(255) default '',
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255) default '',
  email_change varchar(255) default '',
  email_change_sent_at timestamptz,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  -- Kept for old clients: the earlier of the two confirmations.
  confirmed_at timestamptz
    generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  banned_until timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);

-- Emails are unique among ordinary users; anonymous users have none, and a
-- soft-deleted user's address is scrambled, so neither collides.
create unique index if not exists users_email_key
  on auth.users (email) where is_sso_user = false;
create unique index if not exists users_phone_key on auth.users (phone);
create index if not exists users_instance_id_idx on auth.users (instance_id);
create index if not exists users_created_at_idx on auth.users (created_at);

create table if not exists auth.identities (
  id uuid primary key default gen_random_uuid(),
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  constraint identities_provider_id_provider_unique
    unique (provider_id, provider)
);

create index if not exists identities_user_id_idx
  on auth.identities (user_id);

alter table auth.users owner to supabase_auth_admin;
alter table auth.identities owner to supabase_auth_admin;

-- The claims of the request, as the API stored them for this transaction.
-- An unset setting reads as NULL the first time and as '' once a
-- transaction has set it locally, so both count as absent.
create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claims', true), ''),
    '{}')::jsonb
$$;

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select nullif(auth.jwt() ->> 'sub', '')::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select nullif(auth.jwt() ->> 'role', '')
$$;

alter function auth.jwt() owner to supabase_auth_admin;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;

grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.jwt(), auth.uid(), auth.role()
  to anon, authenticated, service_role;

-- Public --------------------------------------------------------------------
-- Supabase grants the API roles everything on the public schema and leaves
-- the protection to row level security; new tables inherit the same.

grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public
  grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public
  grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public
  grant all on functions to anon, authenticated, service_role;

-- The wallet table exactly as the original deployment has it.
create table if not exists public.wallet (
  id uuid default gen_random_uuid() primary key,
  created_at timestamptz default now(),
  auth_id uuid unique references auth.users (id),
  flow_address text,
  flow_private_key text,
  flow_public_key text
);

grant all on table public.wallet to anon, authenticated, service_role;

alter table public.wallet enable row level security;

-- Owner policies as deployed. The update policy has no column limit, so a
-- user may rewrite their own flow_address: the daemon must not trust it.
do $policies$
begin
  if not exists (select 1 from pg_policies
                 where schemaname = 'public' and tablename = 'wallet'
                   and policyname = 'wallet owner can read') then
    create policy "wallet owner can read" on public.wallet
      for select to authenticated using (auth.uid() = auth_id);
  end if;
  if not exists (select 1 from pg_policies
                 where schemaname = 'public' and tablename = 'wallet'
                   and policyname = 'wallet owner can update') then
    create policy "wallet owner can update" on public.wallet
      for update to authenticated using (auth.uid() = auth_id);
  end if;
end
$policies$;

-- Every new user gets an empty wallet row. Security definer: the Auth
-- service's role has no rights on public tables.
create or replace function public.handle_new_user_wallet() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.wallet (auth_id) values (new.id);
  return new;
end
$$;

revoke execute on function public.handle_new_user_wallet()
  from public, anon, authenticated;

create or replace trigger on_auth_user_created_wallet
  after insert on auth.users
  for each row execute function public.handle_new_user_wallet();
