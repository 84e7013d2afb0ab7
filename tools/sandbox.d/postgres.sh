#!/usr/bin/env bash
# The sandbox's PostgreSQL: a private cluster under DIR/pg, listening on
# loopback only, holding the Supabase-shaped schema and the ledger.
# Sourced by tools/sandbox; defines postgres_up and postgres_down.

set -euo pipefail

FLOWSYNC_PG_BIN=${FLOWSYNC_PG_BIN:-/usr/lib/postgresql/15/bin}

# The folder of this file, to find config/sql from any working directory.
_postgres_sh_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Runs a PostgreSQL program as the cluster's owner: initdb and postgres
# refuse to run as root, so root hands over to the `postgres` system user.
_pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_pg_port() { echo "${FLOWSYNC_PG_PORT:-54329}"; }

# postgres_up DIR: creates the cluster once, starts it unless it runs,
# applies the schema and the ledger migration (both idempotent), and writes
# DIR/env.postgres.
postgres_up() {
  local dir=${1:?postgres_up needs the sandbox folder}
  local port data log sql_dir
  port=$(_pg_port)
  data="$dir/pg/data"
  log="$dir/logs/postgres.log"
  sql_dir="$_postgres_sh_dir/../../config/sql"
  mkdir -p "$dir/pg" "$dir/logs"

  if [[ $(id -u) -eq 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir "$dir/pg" --shell /usr/sbin/nologin \
        postgres
    fi
    chown postgres: "$dir/pg"
    # The server runs as `postgres`, which must be able to pass through the
    # sandbox folder (not read it) to reach its data.
    if ! runuser -u postgres -- test -x "$dir/pg"; then
      chmod o+x "$dir"
    fi
    touch "$log"
    chown postgres: "$log"
  fi

  if [[ ! -f "$data/PG_VERSION" ]]; then
    echo "postgres: creating a cluster in $data"
    # Trust is acceptable only because the server listens on loopback and
    # holds sandbox data; no Unix socket, so no other way in.
    _pg_as_owner "$FLOWSYNC_PG_BIN/initdb" -D "$data" -U postgres \
      --auth=trust --encoding=UTF8 --locale=C.UTF-8 >>"$log" 2>&1
  fi

  if ! _pg_as_owner "$FLOWSYNC_PG_BIN/pg_ctl" -D "$data" status \
    >/dev/null 2>&1; then
    echo "postgres: starting on 127.0.0.1:$port"
    # pg_ctl pastes -o into a shell command line: keep it on one line.
    local opts="-p $port -c listen_addresses=127.0.0.1"
    opts+=" -c unix_socket_directories='' -c max_connections=200"
    opts+=" -c timezone=UTC"
    _pg_as_owner "$FLOWSYNC_PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "$opts" start >/dev/null
  fi

  local url="postgres://postgres@127.0.0.1:$port/postgres"
  local psql=("$FLOWSYNC_PG_BIN/psql" "$url" -X -q -v ON_ERROR_STOP=1)
  "${psql[@]}" -f "$sql_dir/sandbox_schema.sql" >>"$log" 2>&1 || {
    echo "postgres: the sandbox schema failed; see $log" >&2
    return 1
  }
  "${psql[@]}" -f "$sql_dir/001_flowsync_ledger.sql" >>"$log" 2>&1 || {
    echo "postgres: the ledger migration failed; see $log" >&2
    return 1
  }

  cat >"$dir/env.postgres" <<ENV
export FLOWSYNC_PG_PORT='$port'
export FLOWSYNC_PG_URL='$url'
ENV
  echo "postgres: ready at $url"
}

# postgres_down DIR: stops the cluster if it runs; the data stays.
postgres_down() {
  local dir=${1:?postgres_down needs the sandbox folder}
  local data="$dir/pg/data"
  if [[ -f "$data/PG_VERSION" ]] &&
    _pg_as_owner "$FLOWSYNC_PG_BIN/pg_ctl" -D "$data" status \
      >/dev/null 2>&1; then
    _pg_as_owner "$FLOWSYNC_PG_BIN/pg_ctl" -D "$data" -m fast -w stop \
      >/dev/null
    echo "postgres: stopped"
  fi
}
