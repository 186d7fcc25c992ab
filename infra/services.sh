#!/usr/bin/env bash
# Starts, stops and reports the hub's service processes (the stack itself is infra/stack.sh).
# Each process runs from the locked .venv with the stack's addresses (.hub/stack.env), its own
# Kafka principal and database roles (as_service below), and the
# development secrets (.hub/secrets.env, generated once, git-ignored). Pid files under .hub/run
# make `down` stop exactly what `up` started.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HUB="$ROOT/.hub"
PY="$ROOT/.venv/bin/python"
mkdir -p "$HUB/run" "$HUB/logs"

# The HTTP ports: each service's own port variable (the one the service reads), so that a
# second stack on this machine can run beside the first (`CASEFILE_HTTP_PORT=9101 ... make
# run`); `hub`, the demo seeding and the simulator read the same variables
# (hub_runtime.local_ports). Defaults 8101-8104 and 8190.
port_of() {
  local variable=$1 default=$2 value
  value=${!variable:-$default}
  if ! [[ $value =~ ^[0-9]+$ ]] || ((10#$value < 1 || 10#$value > 65535)); then
    echo "$variable must be a port number from 1 to 65535" >&2
    exit 2
  fi
  echo $((10#$value))
}
# `up` records the ports it used (PORTS_FILE, removed by `down`): `status`, `urls` and a second
# `up` run without the variables (`make status`) report and use those ports, not the defaults.
# A variable set now still wins.
PORTS_FILE="$HUB/run/ports.env"
PORT_VARIABLES="CASEFILE_HTTP_PORT REFERRAL_HTTP_PORT PARTNER_GATEWAY_HTTP_PORT SIGNALS_HTTP_PORT SIM_PORT"
if [ -f "$PORTS_FILE" ]; then
  while IFS='=' read -r variable value; do
    case " $PORT_VARIABLES " in
      *" $variable "*) [ -n "${!variable:-}" ] || printf -v "$variable" '%s' "$value" ;;
    esac
  done <"$PORTS_FILE"
fi
CASEFILE_PORT=$(port_of CASEFILE_HTTP_PORT 8101)
REFERRAL_PORT=$(port_of REFERRAL_HTTP_PORT 8102)
GATEWAY_PORT=$(port_of PARTNER_GATEWAY_HTTP_PORT 8103)
SIGNALS_PORT=$(port_of SIGNALS_HTTP_PORT 8104)
SIM_PORT=$(port_of SIM_PORT 8190)

# name | python module | port
SERVICES=(
  "casefile|casefile.main|$CASEFILE_PORT"
  "referral|referral.main|$REFERRAL_PORT"
  "partner-gateway|partner_gateway.main|$GATEWAY_PORT"
  "signals|signals.main|$SIGNALS_PORT"
)
# The partner simulator needs the webhook secret and API credentials that seeding creates, so
# `demo` starts it between the two seeding steps.
SIMULATOR="partner-simulator|partner_gateway.simulator|$SIM_PORT"

ensure_secrets() {
  local file="$HUB/secrets.env"
  # Random per machine; never committed. Production secrets come from the deployment instead.
  # A secret added later (e.g. CASEFILE_INDEX_KEY) is appended to an existing file; those in
  # it are never changed (a new CASEFILE_MASTER_KEY would make every stored person unreadable).
  touch "$file"
  chmod 600 "$file"
  "$PY" - "$file" <<'PY'
import base64, secrets, sys
path = sys.argv[1]
have = {line.split("=", 1)[0] for line in open(path) if "=" in line}
wanted = {
    "HUB_JWT_SECRET": lambda: secrets.token_hex(32),
    "CASEFILE_MASTER_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "CASEFILE_INDEX_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "SIGNALS_HASH_KEY": lambda: secrets.token_hex(32),
    # Seals dead letters; `hub dead-letters` reads it from this file to open them.
    "HUB_DEAD_LETTER_KEY": lambda: secrets.token_hex(32),
}
with open(path, "a") as out:
    for name, make in wanted.items():
        if name not in have:
            out.write(f"{name}={make()}\n")
PY
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_healthy() {
  local name=$1 port=$2 path=${3:-/health}
  for _ in $(seq 1 120); do
    if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port$path', timeout=1)" 2>/dev/null; then
      return 0
    fi
    if ! alive "$HUB/run/svc-$name.pid"; then
      echo "$name exited during start; last log lines:" >&2
      tail -n 30 "$HUB/logs/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "$name did not become healthy on port $port; see $HUB/logs/$name.log" >&2
  return 1
}

with_env() {
  set -a
  . "$HUB/stack.env"
  . "$HUB/secrets.env"
  [ -f "$HUB/simulator.env" ] && . "$HUB/simulator.env"
  set +a
  # `make run` is a developer's machine: the demo partner is a simulator on loopback, which
  # production (the default of HUB_ENV) refuses as a webhook target.
  export HUB_ENV="${HUB_ENV:-development}"
  # The services that call others find them on this stack's ports (unless told otherwise).
  export REFERRAL_CASEFILE_URL="${REFERRAL_CASEFILE_URL:-http://127.0.0.1:$CASEFILE_PORT}"
  export PARTNER_GATEWAY_CASEFILE_URL="${PARTNER_GATEWAY_CASEFILE_URL:-http://127.0.0.1:$CASEFILE_PORT}"
  export SIM_GATEWAY_URL="${SIM_GATEWAY_URL:-http://127.0.0.1:$GATEWAY_PORT}"
  export SIM_PORT
  # HUB_CLUSTER=1 (`make run CLUSTER=1`): the services use the three-node cluster that
  # `HUB_KAFKA_NODES=3 infra/stack.sh up` started beside the single broker.
  if [ -n "${HUB_CLUSTER:-}" ]; then
    [ -n "${HUB_KAFKA_CLUSTER_BOOTSTRAP:-}" ] || {
      echo "no cluster in .hub/stack.env: run HUB_KAFKA_NODES=3 infra/stack.sh up" >&2
      exit 1
    }
    export HUB_KAFKA_BOOTSTRAP="$HUB_KAFKA_CLUSTER_BOOTSTRAP"
    export HUB_KAFKA_REPLICATION_FACTOR="$HUB_KAFKA_CLUSTER_REPLICATION_FACTOR"
  fi
  cd "$ROOT"
  "$@"
}

# With HUB_CLUSTER, every service runs twice: the second instance on its port + 10 (8111-8114 by default),
# in the same consumer groups and on the same databases (docs/deployment.md, "Scale-out").
instances() { if [ -n "${HUB_CLUSTER:-}" ]; then echo "1 2"; else echo "1"; fi; }
instance_name() { if [ "$2" = 1 ]; then echo "$1"; else echo "$1-$2"; fi; }
instance_port() { echo $(($1 + ($2 - 1) * 10)); }

# A service process runs as its own Kafka principal and its own database roles (stack.env holds
# every one; each process gets only its own): HUB_KAFKA_USERNAME/PASSWORD, HUB_PG_DSN (the app
# role) and HUB_PG_OWNER_DSN (the owner role, for migrations). No superuser at run time.
as_service() {
  local name=$1 key
  shift
  key=$(tr 'a-z-' 'A-Z_' <<<"$name")
  local password_var="HUB_KAFKA_PASSWORD_$key" dsn_var="HUB_PG_DSN_$key" owner_var="HUB_PG_OWNER_DSN_$key"
  if [ -z "${!password_var:-}" ] || [ -z "${!dsn_var:-}" ] || [ -z "${!owner_var:-}" ]; then
    echo "$name: no Kafka principal or database roles in .hub/stack.env (run infra/stack.sh up)" >&2
    exit 1
  fi
  # Every other principal's password and role DSN stays out of the process's environment.
  local unset=() var
  for var in $(compgen -e); do
    case $var in HUB_KAFKA_PASSWORD_*|HUB_PG_DSN_*|HUB_PG_OWNER_DSN_*) unset+=(-u "$var") ;; esac
  done
  exec env "${unset[@]}" HUB_KAFKA_USERNAME="$name" HUB_KAFKA_PASSWORD="${!password_var}" \
    HUB_PG_DSN="${!dsn_var}" HUB_PG_OWNER_DSN="${!owner_var}" "$@"
}

start_one() {
  local name=$1 module=$2 instance=${3:-1} port=${4:-}
  local label pidfile
  label=$(instance_name "$name" "$instance")
  pidfile="$HUB/run/svc-$label.pid"
  if alive "$pidfile"; then
    echo "$label: already running (pid $(cat "$pidfile"))"
    return
  fi
  local run=(exec nohup) prefix
  # The simulator is a partner outside the hub: it keeps the plain environment.
  [ "$name" = "${SIMULATOR%%|*}" ] || run=(as_service "$name" nohup)
  prefix=$(tr 'a-z-' 'A-Z_' <<<"$name")
  local port_env=()
  [ -n "$port" ] && port_env=(env "${prefix}_HTTP_PORT=$port")
  ( with_env "${run[@]}" "${port_env[@]}" "$PY" -m "$module" >>"$HUB/logs/$label.log" 2>&1 ) &
  echo $! >"$pidfile"
}

demo() {
  with_env "$PY" -m hub_demo.seed partners
  IFS='|' read -r name module port <<<"$SIMULATOR"
  # The simulator reads its secrets from the environment of with_env (never from argv: ps shows argv).
  start_one "$name" "$module"
  wait_healthy "$name" "$port" /simulator/state
  echo "$name: up on http://127.0.0.1:$port"
  with_env "$PY" -m hub_demo.seed cases
}

record_ports() {
  printf '%s\n' "CASEFILE_HTTP_PORT=$CASEFILE_PORT" "REFERRAL_HTTP_PORT=$REFERRAL_PORT" \
    "PARTNER_GATEWAY_HTTP_PORT=$GATEWAY_PORT" "SIGNALS_HTTP_PORT=$SIGNALS_PORT" \
    "SIM_PORT=$SIM_PORT" >"$PORTS_FILE"
}

up() {
  [ -f "$HUB/stack.env" ] || { echo "the stack is not up: run infra/stack.sh up first" >&2; exit 1; }
  ensure_secrets
  record_ports
  local i
  for entry in "${SERVICES[@]}"; do
    IFS='|' read -r name module port <<<"$entry"
    for i in $(instances); do start_one "$name" "$module" "$i" "$(instance_port "$port" "$i")"; done
  done
  for entry in "${SERVICES[@]}"; do
    IFS='|' read -r name module port <<<"$entry"
    for i in $(instances); do
      wait_healthy "$(instance_name "$name" "$i")" "$(instance_port "$port" "$i")"
      echo "$(instance_name "$name" "$i"): up on http://127.0.0.1:$(instance_port "$port" "$i")"
    done
  done
}

down() {
  local pidfile name
  # Every instance that was started, whether or not HUB_CLUSTER is set now.
  for pidfile in "$HUB"/run/svc-*.pid; do
    [ -e "$pidfile" ] || continue
    name=${pidfile##*/svc-}
    name=${name%.pid}
    if alive "$pidfile"; then
      local pid
      pid=$(cat "$pidfile")
      kill -TERM "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "$name: stopped"
    fi
    rm -f "$pidfile"
  done
  rm -f "$PORTS_FILE"
}

status() {
  local code=0 i label
  for entry in "${SERVICES[@]}" "$SIMULATOR"; do
    IFS='|' read -r name _ port <<<"$entry"
    for i in $(instances); do
      [ "$name" = "${SIMULATOR%%|*}" ] && [ "$i" != 1 ] && continue
      label=$(instance_name "$name" "$i")
      if alive "$HUB/run/svc-$label.pid"; then echo "$label: running on :$(instance_port "$port" "$i")"
      else echo "$label: stopped"; code=3; fi
    done
  done
  return $code
}

urls() {
  cat <<TXT

The hub is running.
  casefile         http://127.0.0.1:$CASEFILE_PORT  OpenAPI: /docs  AsyncAPI: /asyncapi.json
  referral         http://127.0.0.1:$REFERRAL_PORT  OpenAPI: /docs  AsyncAPI: /asyncapi.json
  partner-gateway  http://127.0.0.1:$GATEWAY_PORT  OpenAPI: /docs  AsyncAPI: /asyncapi.json
  signals          http://127.0.0.1:$SIGNALS_PORT  OpenAPI: /docs  AsyncAPI: /asyncapi.json  dashboard: /dashboard
  partner simulator http://127.0.0.1:$SIM_PORT
Tokens: make token ROLE=counsellor   (roles: counsellor coordinator advocacy admin partner)
Operate: HUB_ENV=development uv run --frozen hub status   (hub --help: partners, dead-letters, erase, ...)
Logs: .hub/logs/   Stop: make down
TXT
  # The services read the standard OTEL_* variables from this environment (hub_runtime.otel_env).
  if [ -n "${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-${OTEL_EXPORTER_OTLP_ENDPOINT:-}}" ] || [ -n "${OTEL_TRACES_EXPORTER:-}" ]; then
    echo "Traces: OTEL_* settings passed to the services (exporters: ${OTEL_TRACES_EXPORTER:-otlp}; OTLP endpoint: ${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-${OTEL_EXPORTER_OTLP_ENDPOINT:-SDK default}})"
  else
    echo "Traces: not exported; to see them, start Jaeger (OTLP/HTTP on :4318, UI on :16686) and run: make down && OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 make run"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  urls) urls ;;
  demo) demo ;;
  *) echo "usage: $0 up|down|status|urls|demo" >&2; exit 2 ;;
esac
