#!/usr/bin/env bash
# Sandbox users: through the Auth admin API like real sign-ups, or straight
# into PostgreSQL for large benchmark sets. Either way the sign-up trigger
# gives every user an empty wallet row.
# Sourced by tools/sandbox; defines seed_users and seed_users_sql.

set -euo pipefail

# Reads one exported variable from an env file without sourcing it into the
# caller's shell.
_seed_var() {
  local file=$1 name=$2
  (
    # shellcheck disable=SC1090
    source "$file"
    printf '%s' "${!name:-}"
  )
}

# A tag that keeps emails unique across calls.
_seed_tag() { date +%s%N; }

# seed_users DIR COUNT: creates COUNT confirmed email users through
# POST /auth/v1/admin/users, four at a time, and prints how many were made.
seed_users() {
  local dir=${1:?seed_users needs the sandbox folder}
  local count=${2:?seed_users needs a count}
  local env="$dir/env.standin"
  [[ -f "$env" ]] || {
    echo "seed: $env is missing; run standin_up first" >&2
    return 1
  }
  local url key tag headers
  url=$(_seed_var "$env" SUPABASE_URL)
  key=$(_seed_var "$env" SUPABASE_SERVICE_ROLE_KEY)
  tag=$(_seed_tag)

  # The key goes to curl through a private file, not the command line,
  # where any local user could read it.
  headers=$(mktemp "$dir/standin/seed-headers.XXXXXX")
  chmod 0600 "$headers"
  printf 'apikey: %s\nAuthorization: Bearer %s\n' "$key" "$key" >"$headers"
  printf 'Content-Type: application/json\n' >>"$headers"

  local made
  made=$(seq 1 "$count" | xargs -P 4 -I{} curl -s -o /dev/null \
    -w '%{http_code}\n' -X POST "$url/auth/v1/admin/users" \
    -H "@$headers" \
    -d "{\"email\":\"seed-$tag-{}@example.com\",\"email_confirm\":true}" |
    grep -c '^200$' || true)
  rm -f "$headers"
  echo "seed: created $made of $count users through the Auth admin API"
  [[ "$made" -eq "$count" ]]
}

# seed_users_sql DIR COUNT: inserts COUNT users (and their email identities)
# in one statement, with distinct creation times a millisecond apart, and
# prints how many were made. Tens of thousands take seconds.
seed_users_sql() {
  local dir=${1:?seed_users_sql needs the sandbox folder}
  local count=${2:?seed_users_sql needs a count}
  local env="$dir/env.postgres"
  [[ -f "$env" ]] || {
    echo "seed: $env is missing; run postgres_up first" >&2
    return 1
  }
  [[ "$count" =~ ^[0-9]+$ ]] || {
    echo "seed: the count must be a whole number" >&2
    return 1
  }
  local url tag made
  url=$(_seed_var "$env" FLOWSYNC_PG_URL)
  tag=$(_seed_tag)
  made=$("${FLOWSYNC_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" "$url" -X -q \
    -t -A -v ON_ERROR_STOP=1 -v count="$count" -v tag="$tag" <<'SQL'
with hash as (
  select extensions.crypt('seed-password', extensions.gen_salt('bf', 4)) as h
),
new_users as (
  insert into auth.users (id, instance_id, aud, role, email,
    encrypted_password, email_confirmed_at, raw_app_meta_data,
    raw_user_meta_data, created_at, updated_at, is_anonymous)
  select gen_random_uuid(), '00000000-0000-0000-0000-000000000000',
    'authenticated', 'authenticated',
    'seed-' || :'tag' || '-' || n || '@example.com', hash.h, t,
    '{"provider": "email", "providers": ["email"]}',
    '{"email_verified": true}', t, t, false
  from hash, (select n, clock_timestamp()
                 - (:count - n) * interval '1 millisecond' as t
              from generate_series(1, :count) as n) as s
  returning id, email, created_at
),
new_identities as (
  insert into auth.identities (provider_id, user_id, identity_data, provider,
    last_sign_in_at, created_at, updated_at)
  select id::text, id, jsonb_build_object('email', email, 'sub', id::text,
    'email_verified', false, 'phone_verified', false), 'email', created_at,
    created_at, created_at
  from new_users
  returning 1
)
select count(*) from new_identities;
SQL
  )
  echo "seed: inserted $made of $count users into PostgreSQL"
  [[ "$made" -eq "$count" ]]
}
