#!/usr/bin/env bash
# The sandbox's Flow emulator: built from its Go module, listening on
# loopback, its chain kept under DIR/flowdb across restarts, bootstrapped
# with proposal keys and the BaitCoin token.
# Sourced by tools/sandbox; defines emulator_install, emulator_up,
# emulator_down and emulator_restart.

set -euo pipefail

FLOWSYNC_EMULATOR_VERSION=${FLOWSYNC_EMULATOR_VERSION:-v1.22.0}

# The emulator's service account on the emulator chain; fixed by the chain.
_emulator_service_address=f8d6e0586b0a20c7

_emulator_rest_port() { echo "${FLOWSYNC_EMULATOR_REST_PORT:-8888}"; }
_emulator_grpc_port() { echo "${FLOWSYNC_EMULATOR_GRPC_PORT:-3569}"; }
_emulator_admin_port() { echo "${FLOWSYNC_EMULATOR_ADMIN_PORT:-8080}"; }
# The Cadence debugger (DAP) cannot be turned off and, in v1.22.0, ignores
# --host: it listens on every interface. Move it with this variable, or keep
# the port closed by the firewall on shared machines.
_emulator_debugger_port() { echo "${FLOWSYNC_EMULATOR_DEBUGGER_PORT:-2345}"; }

_emulator_bin() { echo "$(go env GOPATH)/bin/flow-emulator"; }

# The flow-emulator version a binary was built from, read from the Go build
# information it carries (running it would start an emulator).
_emulator_built_version() {
  go version -m "$1" 2>/dev/null |
    awk '$2 == "github.com/onflow/flow-emulator" &&
         ($1 == "mod" || $1 == "dep") { print $3; exit }'
}

# Whether the emulator whose pid is in DIR/emulator/emulator.pid is alive.
_emulator_running() {
  local pidfile="$1/emulator/emulator.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# emulator_install: builds flow-emulator $FLOWSYNC_EMULATOR_VERSION into
# $(go env GOPATH)/bin unless it is there already. `go install ...@version`
# fails here (the proxy does not list the module's versions), so the build
# goes through a throwaway module that requires the exact version.
emulator_install() {
  local bin stamp built
  bin=$(_emulator_bin)
  stamp="$bin.version"
  if [[ -x "$bin" ]]; then
    local version=$FLOWSYNC_EMULATOR_VERSION
    if [[ -f "$stamp" && $(cat "$stamp") == "$version" ]]; then
      return 0
    fi
    built=$(_emulator_built_version "$bin")
    if [[ "$built" == "$FLOWSYNC_EMULATOR_VERSION" ]]; then
      echo "$FLOWSYNC_EMULATOR_VERSION" >"$stamp"
      return 0
    fi
    echo "emulator: $bin is ${built:-of unknown version}; building" \
      "$FLOWSYNC_EMULATOR_VERSION"
  else
    echo "emulator: building flow-emulator $FLOWSYNC_EMULATOR_VERSION" \
      "(takes several minutes)"
  fi

  local work
  work=$(mktemp -d)
  mkdir -p "$(dirname "$bin")"
  # Go's chatter goes to a log, shown only when the build fails.
  (
    cd "$work"
    go mod init flowsync-emulator-build
    go get \
      "github.com/onflow/flow-emulator/cmd/emulator@$FLOWSYNC_EMULATOR_VERSION"
    # Portable BLST so the binary runs on any x86-64 CPU, CI included.
    CGO_ENABLED=1 CGO_CFLAGS="-O2 -D__BLST_PORTABLE__" \
      go build -o "$bin.new" github.com/onflow/flow-emulator/cmd/emulator
  ) >"$work.log" 2>&1 || {
    tail -n 30 "$work.log" >&2
    rm -rf "$work" "$work.log"
    rm -f "$bin.new"
    echo "emulator: the build failed" >&2
    return 1
  }
  rm -f "$work.log"
  rm -rf "$work"
  mv "$bin.new" "$bin"
  echo "$FLOWSYNC_EMULATOR_VERSION" >"$stamp"
  echo "emulator: installed $bin"
}

# Starts the emulator on DIR's chain and waits until its admin port answers.
_emulator_start() {
  local dir=$1
  local bin key log admin tries
  bin=$(_emulator_bin)
  key="$dir/emulator/service.pkey"
  log="$dir/logs/emulator.log"
  admin="http://127.0.0.1:$(_emulator_admin_port)"

  echo "emulator: starting, REST on 127.0.0.1:$(_emulator_rest_port)"
  touch "$log"
  # The emulator prints its service key at start: keep the log private.
  chmod 0600 "$log"
  # The private key goes in through the environment (FLOW_ prefix), not the
  # command line, so that it does not show in the process list. setsid: the
  # emulator outlives the shell that started it.
  FLOW_SERVICEPRIVATEKEY=$(cat "$key") setsid "$bin" \
    --host 127.0.0.1 \
    --port "$(_emulator_grpc_port)" \
    --rest-port "$(_emulator_rest_port)" \
    --admin-port "$(_emulator_admin_port)" \
    --debugger-port "$(_emulator_debugger_port)" \
    --persist --dbpath "$dir/flowdb" \
    --transaction-expiry "${FLOWSYNC_EMULATOR_EXPIRY:-600}" \
    --block-time "${FLOWSYNC_EMULATOR_BLOCK_TIME:-0s}" \
    --transaction-fees \
    --service-sig-algo ECDSA_P256 \
    --service-hash-algo SHA3_256 \
    </dev/null >>"$log" 2>&1 &
  echo $! >"$dir/emulator/emulator.pid"

  tries=0
  until curl -fsS -o /dev/null "$admin/live" 2>/dev/null; do
    tries=$((tries + 1))
    if ((tries > 600)) || ! _emulator_running "$dir"; then
      echo "emulator: did not come up; see $log" >&2
      return 1
    fi
    sleep 0.1
  done
}

# emulator_up DIR BUILD_DIR: creates the service key once, starts the
# emulator unless it runs, bootstraps it (proposal keys, BaitCoin; both
# idempotent) and writes DIR/env.emulator.
emulator_up() {
  local dir=${1:?emulator_up needs the sandbox folder}
  local build=${2:?emulator_up needs the build folder}
  local tool key url out baitcoin indices
  tool="$build/tools/flowsync-sandbox"
  [[ -x "$tool" ]] || tool="$build/flowsync-sandbox"
  if [[ ! -x "$tool" ]]; then
    echo "emulator: no flowsync-sandbox in $build; build that target" >&2
    return 1
  fi
  emulator_install
  mkdir -p "$dir/emulator" "$dir/logs"
  chmod 0700 "$dir/emulator"

  key="$dir/emulator/service.pkey"
  if [[ ! -s "$key" ]]; then
    "$tool" keygen --out "$key" >"$dir/emulator/service.pub"
  fi

  if ! _emulator_running "$dir"; then
    _emulator_start "$dir"
  fi

  url="http://127.0.0.1:$(_emulator_rest_port)"
  out=$("$tool" bootstrap --access-url "$url" \
    --service-address "$_emulator_service_address" \
    --service-key-file "$key" --proposal-keys 3 \
    --state-dir "$dir/emulator")
  baitcoin=$(sed -n 's/^BAITCOIN_ADDRESS=//p' <<<"$out")
  indices=$(sed -n 's/^PROPOSAL_KEY_INDICES=//p' <<<"$out")
  if [[ -z "$baitcoin" || -z "$indices" ]]; then
    echo "emulator: the bootstrap gave no BaitCoin address or key indices" >&2
    return 1
  fi
  (
    umask 077
    cat >"$dir/env.emulator" <<ENV
export FLOW_ACCESS_URL='$url'
export FLOW_GRPC_HOST='127.0.0.1:$(_emulator_grpc_port)'
export FLOWSYNC_SERVICE_ADDRESS='$_emulator_service_address'
export FLOWSYNC_SERVICE_KEY_FILE='$key'
export FLOWSYNC_BAITCOIN_ADDRESS='$baitcoin'
export FLOWSYNC_PROPOSAL_KEYS='$indices'
export FLOWSYNC_EMULATOR_ADMIN_URL='http://127.0.0.1:$(_emulator_admin_port)'
ENV
  )
  echo "emulator: ready at $url, BaitCoin at 0x$baitcoin"
}

# emulator_down DIR: stops the emulator started by emulator_up. The chain
# stays in DIR/flowdb.
emulator_down() {
  local dir=${1:?emulator_down needs the sandbox folder}
  local pidfile="$dir/emulator/emulator.pid"
  if _emulator_running "$dir"; then
    local pid tries=0
    pid=$(cat "$pidfile")
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null && ((tries < 100)); do
      sleep 0.1
      tries=$((tries + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid"
    fi
    echo "emulator: stopped"
  fi
  rm -f "$pidfile"
}

# emulator_restart DIR: stops the emulator and starts it again on the same
# chain, as an outage would; the environment written before stays valid.
emulator_restart() {
  local dir=${1:?emulator_restart needs the sandbox folder}
  emulator_down "$dir"
  _emulator_start "$dir"
  echo "emulator: restarted"
}
