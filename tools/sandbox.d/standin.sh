#!/usr/bin/env bash
# The sandbox's Supabase stand-in: the Auth admin users API and the
# PostgREST subset over the sandbox's PostgreSQL, on loopback.
# Sourced by tools/sandbox; defines standin_up and standin_down.

set -euo pipefail

_standin_port() { echo "${FLOWSYNC_STANDIN_PORT:-54321}"; }

# Whether the stand-in whose pid is in DIR/standin/standin.pid is alive.
_standin_running() {
  local pidfile="$1/standin/standin.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# standin_up DIR BUILD_DIR: creates the JWT secret once, derives the keys,
# starts the stand-in unless it runs, waits until it answers, and writes
# DIR/env.standin. Needs postgres_up first.
standin_up() {
  local dir=${1:?standin_up needs the sandbox folder}
  local build=${2:?standin_up needs the build folder}
  local port bin secret log url
  port=$(_standin_port)
  # CMake puts tool binaries under tools/ of the build folder.
  bin="$build/tools/supabase-standin"
  [[ -x "$bin" ]] || bin="$build/supabase-standin"
  secret="$dir/standin/jwt_secret"
  log="$dir/logs/standin.log"
  url="http://127.0.0.1:$port"
  if [[ ! -x "$bin" ]]; then
    echo "standin: no supabase-standin in $build; build that target" >&2
    return 1
  fi
  mkdir -p "$dir/standin" "$dir/logs"
  chmod 0700 "$dir/standin"

  if [[ ! -s "$secret" ]]; then
    (umask 077 && openssl rand -hex 32 >"$secret")
  fi
  chmod 0600 "$secret"

  local keys
  keys=$("$bin" make-keys --jwt-secret-file "$secret")

  # A stand-in older than its binary was built before the last change: run
  # the new one.
  if _standin_running "$dir" && [[ "$bin" -nt "$dir/standin/standin.pid" ]]; then
    echo "standin: restarting with the rebuilt binary"
    standin_down "$dir"
  fi

  if ! _standin_running "$dir"; then
    local pg_port=${FLOWSYNC_PG_PORT:-54329}
    local db="host=127.0.0.1 port=$pg_port dbname=postgres"
    db+=" user=authenticator application_name=supabase-standin"
    echo "standin: starting on 127.0.0.1:$port"
    # setsid: the stand-in outlives the shell that started it.
    setsid "$bin" serve --listen "127.0.0.1:$port" \
      --db "$db" \
      --jwt-secret-file "$secret" \
      --max-rows "${FLOWSYNC_STANDIN_MAX_ROWS:-1000}" \
      --threads "${FLOWSYNC_STANDIN_THREADS:-8}" \
      </dev/null >>"$log" 2>&1 &
    echo $! >"$dir/standin/standin.pid"
  fi

  local tries=0
  until curl -fsS -o /dev/null "$url/_standin/stats" 2>/dev/null; do
    tries=$((tries + 1))
    if ((tries > 100)) || ! _standin_running "$dir"; then
      echo "standin: did not come up; see $log" >&2
      return 1
    fi
    sleep 0.1
  done

  local anon service
  anon=$(sed -n 's/^SUPABASE_ANON_KEY=//p' <<<"$keys")
  service=$(sed -n 's/^SUPABASE_SERVICE_ROLE_KEY=//p' <<<"$keys")
  (
    umask 077
    cat >"$dir/env.standin" <<ENV
export SUPABASE_URL='$url'
export SUPABASE_ANON_KEY='$anon'
export SUPABASE_SERVICE_ROLE_KEY='$service'
export FLOWSYNC_STANDIN_PORT='$port'
export FLOWSYNC_STANDIN_JWT_SECRET_FILE='$secret'
ENV
  )
  echo "standin: ready at $url"
}

# standin_down DIR: stops the stand-in started by standin_up.
standin_down() {
  local dir=${1:?standin_down needs the sandbox folder}
  local pidfile="$dir/standin/standin.pid"
  if _standin_running "$dir"; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid"
    local tries=0
    while kill -0 "$pid" 2>/dev/null && ((tries < 50)); do
      sleep 0.1
      tries=$((tries + 1))
    done
    echo "standin: stopped"
  fi
  rm -f "$pidfile"
}
