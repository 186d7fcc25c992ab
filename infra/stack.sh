#!/usr/bin/env bash
# infra/stack.sh — the local backing services of the council hub: one Kafka broker and one
# PostgreSQL server, for development, the integration tests and CI. No Docker needed.
#
#   infra/stack.sh up                  start whatever is not running (idempotent), write .hub/stack.env
#   infra/stack.sh down                stop only what `up` started; keep data and jars
#   infra/stack.sh status              one line per component; exit 0 if both are up, 3 otherwise
#   infra/stack.sh restart-kafka       stop + start the broker, same data and same port (fault tests)
#   infra/stack.sh restart-postgres    stop + start the private PostgreSQL, same data and same port
#   infra/stack.sh stop-kafka|start-kafka|stop-postgres|start-postgres   one half of a restart
#   infra/stack.sh check               run the full aiokafka compatibility check (infra/check_kafka.py)
#   infra/stack.sh reset               down + delete all data (Kafka log dirs, PG cluster, ports); keep jars
#                                      and .hub/secrets
#   infra/stack.sh rotate-kafka-password PRINCIPAL   new SCRAM password for one principal (running broker)
#   HUB_KAFKA_NODES=3 infra/stack.sh up   also the three-node Kafka cluster (infra/stack_cluster.sh):
#   infra/stack.sh cluster-up|cluster-down, kill-kafka-node N|stop-kafka-node N|start-kafka-node N
#
# Quiet on success: one line per component on stdout; diagnostics go to stderr.
# Everything lives under <repo>/.hub/ (git-ignored):
#   .hub/kafka/libs      broker jars copied from Maven Central (+ .version marker)
#   .hub/kafka/data      KRaft log dir (metadata + topic partitions)  -> HUB_KAFKA_LOG_DIR
#   .hub/kafka/logs      server.log (log4j2, WARN + start/stop lines), kafka.out (JVM stdout/stderr)
#   .hub/kafka/{server.properties,log4j2.xml,cluster.id}
#   .hub/pg/data         private PostgreSQL cluster (or a symlink, see "PostgreSQL location" below)
#   .hub/pg/log          postgres.log
#   .hub/ports           chosen ports, KEY=VALUE, kept across runs
#   .hub/run/*.pid       kafka.pid, postgres.pid; stack.lock serialises concurrent invocations
#   .hub/stack.env       HUB_KAFKA_BOOTSTRAP, HUB_PG_DSN, HUB_KAFKA_LOG_DIR, HUB_KAFKA_VERSION, and the
#                        clients' security settings (CA file, Kafka logins, per-service database DSNs)
#   .hub/secrets/        CA and broker certificate, Kafka SCRAM and PostgreSQL passwords
#                        (infra/stack_security.sh; ACL table: hub_runtime.kafka_acls)
#
# Secure by default: Kafka clients authenticate with SASL/SCRAM-SHA-512 over TLS and are held
# to ACLs (KRaft StandardAuthorizer); PostgreSQL asks every connection for a password
# (scram-sha-256) and each service has its own owner and app roles. See infra/README.md.
#
# Kafka version pin (the value lives in infra/kafka/pom.xml, <kafka.version>; this script reads it):
#   4.4.0, the newest 4.x on Maven Central. Compatibility with our client, aiokafka 0.14.0, was
#   checked with infra/check_kafka.py against a real 4.4.0 broker: AIOKafkaAdminClient topic
#   create/delete, idempotent producer (enable_idempotence=True, acks='all') with keyed records,
#   consumer group with enable_auto_commit=False committing and resuming from the committed offsets
#   after a consumer restart, seek_to_beginning and end_offsets — all pass, so no step-down
#   (4.3.1, 4.2.x, 4.1.x, 4.0.x) was needed.
#   The check runs again automatically on the first `up` after the Kafka or aiokafka version changes.
#   HUB_KAFKA_VERSION_OVERRIDE=4.x.y infra/stack.sh up   tries another version without editing the pom.
#
# Environment knobs:
#   HUB_PG_DSN                   use this external PostgreSQL server; start none (databases still created)
#   HUB_KAFKA_START_TIMEOUT      seconds to wait for the broker (default 120)
#   HUB_PG_START_TIMEOUT         seconds to wait for PostgreSQL (default 60)
#   HUB_KAFKA_VERSION_OVERRIDE   see above
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# Paths. The repo root is derived from this file's location so the script works from any cwd
# and in a clone anywhere (pwd -P: physical path, so the PG location hash below is stable).
# ---------------------------------------------------------------------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SCRIPT_DIR/.." && pwd -P)
HUB=$REPO/.hub
RUN=$HUB/run
PORTS_FILE=$HUB/ports
ENV_FILE=$HUB/stack.env
POM=$SCRIPT_DIR/kafka/pom.xml
PY=$REPO/.venv/bin/python
CHECK_PY=$SCRIPT_DIR/check_kafka.py

K_HOME=$HUB/kafka
K_LIBS=$K_HOME/libs
K_DATA=$K_HOME/data
K_LOGS=$K_HOME/logs
K_PROPS=$K_HOME/server.properties
K_LOG4J=$K_HOME/log4j2.xml
K_PID=$RUN/kafka.pid

PG_LINK_HOME=$HUB/pg            # what people look at; data/log may be symlinks (see below)
PG_PID=$RUN/postgres.pid
PG_SUPERUSER=hub
PG_DATABASES=(casefile referral partner_gateway signals hub_test)

KAFKA_START_TIMEOUT=${HUB_KAFKA_START_TIMEOUT:-120}
PG_START_TIMEOUT=${HUB_PG_START_TIMEOUT:-60}
# The private cluster has no TLS. Saying so in its DSNs keeps asyncpg from trying a TLS upgrade
# first (its default, sslmode=prefer): a connection attempt cancelled during that upgrade left an
# unretrieved "unexpected connection_lost() call" error (asyncpg issues 1211 and 1312). An
# external server's DSN (HUB_PG_DSN) is used as given.
PG_PRIVATE_DSN_QUERY='?sslmode=disable'
PG_DSN_QUERY=''

# HUB_PG_DSN selects an external server. But a shell or CI script that exported the variables of
# .hub/stack.env hands us back the DSN of our *own* private cluster; that must not turn
# restart-postgres/down into no-ops, so that exact DSN is treated as "not set".
if [[ -n ${HUB_PG_DSN:-} && -f $PORTS_FILE ]]; then
  _own_dsn=postgresql://hub@127.0.0.1:$(sed -n 's/^PG_PORT=//p' "$PORTS_FILE" | head -n1)
  # Compared without the password (stack.env's DSN carries one).
  _given=${HUB_PG_DSN%%\?*}
  [[ $(sed -E 's#(://[^:/@]*):[^@]*@#\1@#' <<<"${_given%/}") == "$_own_dsn" ]] && unset HUB_PG_DSN
  unset _given
  unset _own_dsn
fi

# Certificates, passwords, principals and roles.
. "$SCRIPT_DIR/stack_security.sh"
# The three-node cluster beside the single broker (HUB_KAFKA_NODES=3).
. "$SCRIPT_DIR/stack_cluster.sh"
case ${HUB_KAFKA_NODES:-1} in 1|3) ;; *) echo "stack: HUB_KAFKA_NODES must be 1 or 3" >&2; exit 2 ;; esac

pom_prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$POM" | head -n1; }
KAFKA_VERSION=${HUB_KAFKA_VERSION_OVERRIDE:-$(pom_prop kafka.version)}
[[ -n $KAFKA_VERSION ]] || { echo "stack: cannot read <kafka.version> from $POM" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
say()  { printf '%s\n' "$*"; }
warn() { printf 'stack: warning: %s\n' "$*" >&2; }
die()  { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $EUID -eq 0 ]]; }

# Install Debian packages (fresh CI machines may lack them). Needs root; apt-get update once.
APT_UPDATED=0
apt_install() {
  is_root || die "missing '$*' and not root: install it (apt-get install -y $*)"
  if [[ $APT_UPDATED == 0 ]]; then
    apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || die "apt-get install -y $* failed"
}

need_java()  { command -v java >/dev/null || apt_install openjdk-17-jre-headless; }
need_maven() { command -v mvn  >/dev/null || apt_install maven; }
# The integration guide's examples (tests/e2e/test_integration_guide.py) use curl and jq, as a
# reader's terminal would.
need_guide_tools() { command -v curl >/dev/null && command -v jq >/dev/null || apt_install curl jq; }

# Serialise mutating commands: two test sessions running `up` at once must not both format
# storage, both pick ports or both start a broker. The lock is fd 9; every long-lived child
# (the JVM, the postmaster) is started with 9>&- so it does not inherit and hold the lock forever.
take_lock() {
  mkdir -p "$RUN"
  exec 9>"$RUN/stack.lock"
  flock -w 600 9 || die "another infra/stack.sh is still running (lock $RUN/stack.lock)"
}

# KEY=VALUE store for ports, so addresses survive restarts (tests keep their connections' address).
port_get() { [[ -f $PORTS_FILE ]] && sed -n "s/^$1=//p" "$PORTS_FILE" | head -n1 || true; }
port_set() {
  local tmp=$PORTS_FILE.tmp.$$
  { [[ -f $PORTS_FILE ]] && grep -v "^$1=" "$PORTS_FILE" || true; echo "$1=$2"; } >"$tmp"
  mv -f "$tmp" "$PORTS_FILE"
}

# Is something listening on this TCP port (any address: 0.0.0.0:p would also block 127.0.0.1:p)?
port_in_use() {
  local p=$1
  if command -v ss >/dev/null; then
    [[ -n $(ss -Htln "( sport = :$p )" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
  fi
}
port_accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port in 20000-31999: below Linux's ephemeral range (32768+), so an outgoing connection
# cannot be sitting on it when the server restarts. Arguments: ports to avoid.
pick_port() {
  local p avoid=" $* "
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    [[ $avoid == *" $p "* ]] && continue
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free TCP port found in 20000-31999"
}

# Keep the persisted port if it is free (or if $2 says it is ours), else pick and persist a new one.
ensure_port() { # KEY owned_by_us(0|1) avoid...
  local key=$1 ours=$2; shift 2
  local p; p=$(port_get "$key")
  if [[ -z $p ]] || { [[ $ours != 1 ]] && port_in_use "$p"; }; then
    [[ -n $p ]] && warn "$key $p is taken by another process; choosing a new port"
    p=$(pick_port "$@")
    port_set "$key" "$p"
  fi
  echo "$p"
}

# Shell-safe value: bare when harmless, else double-quoted with \ " $ ` escaped. Double, not
# single, quotes because hub_runtime.testing.stack_env() (and dotenv readers) strip '"' only.
env_value() {
  if [[ $1 =~ ^[A-Za-z0-9_@%+=:,./-]*$ ]]; then printf '%s' "$1"; return; fi
  local v=${1//\\/\\\\}
  v=${v//\"/\\\"}; v=${v//\$/\\\$}; v=${v//\`/\\\`}
  printf '"%s"' "$v"
}
mask_dsn() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

tail_file() { # file lines — for failure diagnostics
  [[ -f $1 ]] || return 0
  echo "----- last $2 lines of $1 -----" >&2
  tail -n "$2" "$1" >&2
  echo "-----" >&2
}

# The workspace interpreter with aiokafka; absent in a bare clone -> client checks are skipped.
have_python_client() {
  [[ -x $PY ]] && "$PY" -c 'import aiokafka' 2>/dev/null
}
aiokafka_version() {
  local d; d=$(compgen -G "$REPO/.venv/lib/python*/site-packages/aiokafka-*.dist-info" | head -n1 || true)
  d=${d##*/aiokafka-}; echo "${d%.dist-info}"
}

# =============================================================================================
# Kafka
# =============================================================================================

# Jars: copied once from Maven Central; a marker records the versions so later `up`s skip Maven
# entirely (the second `up` must be fast and must not touch the network). Maven runs offline
# first (~/.m2 may already hold everything, e.g. after `reset` or in a second clone), online only
# if that fails. The copy goes to a temp dir and is swapped in, so an interrupted download never
# leaves a half-filled libs dir that looks complete.
LIBS_FETCHED=0
kafka_libs() {
  local want
  want="kafka=$KAFKA_VERSION log4j=$(pom_prop log4j.version) slf4j=$(pom_prop slf4j.version) tools=1"
  if [[ -f $K_LIBS/.version && $(<"$K_LIBS/.version") == "$want" \
        && -f $K_LIBS/kafka_2.13-$KAFKA_VERSION.jar ]]; then
    return 0
  fi
  need_maven
  mkdir -p "$K_LOGS"
  local tmp=$K_HOME/libs.tmp.$$ log=$K_LOGS/maven.log
  rm -rf "$tmp"
  local mvn=(mvn -B -q -Dstyle.color=never -f "$POM" "-Dkafka.version=$KAFKA_VERSION"
             dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$tmp")
  if ! "${mvn[@]}" -o >"$log" 2>&1; then
    rm -rf "$tmp"
    "${mvn[@]}" >"$log" 2>&1 || { tail_file "$log" 40; rm -rf "$tmp"; die "Maven could not resolve Kafka $KAFKA_VERSION (see $log)"; }
  fi
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar && -f $tmp/kafka-tools-$KAFKA_VERSION.jar ]] \
    || die "Maven ran but kafka_2.13-$KAFKA_VERSION.jar or kafka-tools-$KAFKA_VERSION.jar is missing"
  echo "$want" >"$tmp/.version"
  rm -rf "$K_LIBS"
  mv "$tmp" "$K_LIBS"
  LIBS_FETCHED=1
}

kafka_java() { java -cp "$K_LIBS/*" "$@"; }
# Run a Python Kafka client as the admin principal (hub_runtime.kafka_security reads these).
kafka_admin_env() {
  HUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL HUB_KAFKA_CA_FILE=$CA_CRT HUB_KAFKA_USERNAME=admin \
    HUB_KAFKA_PASSWORD=$(kafka_password admin) "$@"
}

# Is this pid our broker (not a recycled pid of something else)?
# The executable must be java (not, say, an editor or grep whose arguments mention the path).
kafka_pid_is_ours() {
  local pid=$1 cmd exe
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [[ ${exe##*/} == java ]] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *kafka.Kafka* && $cmd == *"$K_PROPS"* ]]
}

# Echo the broker's pid if it runs. Stale pid files are removed; a broker of ours that lost its
# pid file (deleted by hand) is found again by its unique server.properties path.
kafka_pid() {
  local pid p
  if [[ -f $K_PID ]]; then
    pid=$(<"$K_PID")
    if [[ $pid =~ ^[0-9]+$ ]] && kafka_pid_is_ours "$pid"; then echo "$pid"; return 0; fi
    rm -f "$K_PID"
  fi
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if kafka_pid_is_ours "$p"; then mkdir -p "$RUN"; echo "$p" >"$K_PID"; echo "$p"; return 0; fi
  done
  return 1
}

kafka_write_config() { # broker_port controller_port chaos_port chaos_proxy_port
  mkdir -p "$K_DATA" "$K_LOGS"
  tls_ensure
  # Regenerated on every start, so a changed port only needs a new file (the advertised listener
  # lives here, not in the data). Combined KRaft mode, one node, everything replicated once.
  cat >"$K_PROPS" <<EOF
# Generated by infra/stack.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
# Dynamic single-voter quorum (storage formatted with --standalone). A changed controller port
# is fine for a single node: it only ever talks to itself.
controller.quorum.bootstrap.servers=127.0.0.1:$2
$(kafka_security_properties "$1" "$2" "$3" "$4")
log.dirs=$K_DATA
# Topics are created explicitly by the services (a typo must not silently create a topic).
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
# Fewer than the default 50: faster first consumer-group join and faster restarts on 2 cores.
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests start consumers one after another; do not wait 3 s for more members to join.
group.initial.rebalance.delay.ms=0
EOF
  kafka_write_log4j "$K_LOG4J" "$K_LOGS"
}

kafka_write_log4j() { # file log_dir
  cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by infra/stack.sh. WARN and above to a file, plus the broker's start/stop line,
     so .hub/kafka/logs stays small and a failed start is still explained. -->
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <RollingFile name="server" fileName="$2/server.log" filePattern="$2/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="20MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="server"/></Root>
    <!-- "Kafka Server started" / shutdown lines: shows when the broker (re)started. -->
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
  </Loggers>
</Configuration>
EOF
}

# Format the KRaft log dir once. The cluster id is generated once and kept in .hub/kafka/cluster.id.
# Formatted storage is not forward-compatible (a broker older than the formatting tool refuses
# it), so we remember which version formatted it and refuse a downgrade with a clear message.
kafka_format() {
  if [[ -f $K_DATA/meta.properties ]]; then
    [[ -f $K_HOME/scram.principals ]] \
      || die "Kafka data was formatted before SASL/SCRAM (no .hub/kafka/scram.principals): run 'infra/stack.sh reset' once"
    local by; by=$(cat "$K_HOME/formatted.version" 2>/dev/null || echo "$KAFKA_VERSION")
    if [[ $(printf '%s\n%s\n' "$by" "$KAFKA_VERSION" | sort -V | head -n1) != "$by" ]]; then
      die "Kafka data was formatted by $by, newer than $KAFKA_VERSION: run 'infra/stack.sh reset'"
    fi
    return 0
  fi
  # No meta.properties: never formatted successfully, nothing worth keeping in there.
  rm -rf "$K_DATA"; mkdir -p "$K_DATA"
  local cid_file=$K_HOME/cluster.id cid
  if [[ ! -s $cid_file ]]; then
    cid=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    [[ $cid =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka-storage random-uuid returned '$cid'"
    echo "$cid" >"$cid_file"
  fi
  cid=$(<"$cid_file")
  local scram=(); mapfile -t scram < <(kafka_scram_format_args)
  kafka_java_secret_args kafka.tools.StorageTool format --standalone -t "$cid" -c "$K_PROPS" "${scram[@]}" \
    >"$K_LOGS/format.log" 2>&1 || { tail_file "$K_LOGS/format.log" 30; die "kafka-storage format failed"; }
  echo "$KAFKA_VERSION" >"$K_HOME/formatted.version"
  echo "${KAFKA_PRINCIPALS[*]}" >"$K_HOME/scram.principals"
}

# Start the broker in the background without waiting (PostgreSQL starts meanwhile).
kafka_launch() {
  need_java
  kafka_libs
  local kp cp xp pp
  kp=$(ensure_port KAFKA_PORT 0)
  cp=$(ensure_port KAFKA_CONTROLLER_PORT 0 "$kp")
  # The fault suite's listener and the port its TCP proxy takes (see kafka_security_properties).
  xp=$(ensure_port KAFKA_CHAOS_PORT 0 "$kp" "$cp")
  pp=$(ensure_port KAFKA_CHAOS_PROXY_PORT 0 "$kp" "$cp" "$xp")
  kafka_write_config "$kp" "$cp" "$xp" "$pp"
  kafka_format
  mkdir -p "$RUN"
  # setsid: the broker gets its own session, so neither Ctrl-C in this terminal nor the end of
  # the calling job kills it; `down` stops it by pid. The subshell records its own pid and then
  # execs java, so the pid file holds the JVM's pid. Heap as required: 256m..768m.
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$K_PID" \
    java -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dkafka.logs.dir="$K_LOGS" -Dlog4j2.configurationFile="$K_LOG4J" \
      -cp "$K_LIBS/*" kafka.Kafka "$K_PROPS" \
      </dev/null >>"$K_LOGS/kafka.out" 2>&1 9>&- &
  # Wait until the pid file exists and the bash wrapper has become the JVM.
  for _ in $(seq 100); do
    [[ -s $K_PID ]] && kafka_pid_is_ours "$(<"$K_PID")" && break
    sleep 0.05
  done
  KAFKA_T0=$SECONDS
}

kafka_fail() {
  tail_file "$K_LOGS/server.log" 40
  tail_file "$K_LOGS/kafka.out" 20
  kafka_stop quiet || true
  die "$1"
}

# Ready = the port accepts connections AND a real aiokafka client works (admin client creates a
# scratch topic, the idempotent producer writes to it, the topic is deleted). The port alone opens
# before the controller has elected itself and before metadata is loaded.
kafka_wait() {
  local kp pid probe_err=$K_LOGS/probe.err
  kp=$(port_get KAFKA_PORT)
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ! port_accepts "$kp"; do
    pid=$(kafka_pid) || kafka_fail "Kafka exited during startup (logs in $K_LOGS)"
    ((SECONDS < deadline)) || kafka_fail "Kafka did not open 127.0.0.1:$kp within ${KAFKA_START_TIMEOUT}s (pid $pid)"
    sleep 0.3
  done
  if have_python_client; then
    until kafka_admin_env "$PY" "$CHECK_PY" --quick --bootstrap "127.0.0.1:$kp" --timeout 20 2>"$probe_err"; do
      kafka_pid >/dev/null || kafka_fail "Kafka exited during startup (logs in $K_LOGS)"
      if ((SECONDS >= deadline)); then
        cat "$probe_err" >&2
        kafka_fail "Kafka on 127.0.0.1:$kp did not serve an aiokafka client within ${KAFKA_START_TIMEOUT}s"
      fi
      sleep 1
    done
  else
    warn "$PY with aiokafka not found: skipping the Kafka client check (port check only)"
  fi
}

kafka_stop() { # [quiet]
  local pid
  if ! pid=$(kafka_pid); then
    [[ ${1:-} == quiet ]] || say "kafka: not running"
    rm -f "$K_PID"; return 0
  fi
  # SIGTERM = controlled shutdown (flushes, closes the log cleanly: faster, safer next start).
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 60); do kafka_pid_is_ours "$pid" || break; sleep 0.5; done
  if kafka_pid_is_ours "$pid"; then
    warn "Kafka (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kafka_pid_is_ours "$pid" || break; sleep 0.25; done
  fi
  rm -f "$K_PID"
  [[ ${1:-} == quiet ]] || say "kafka: stopped (pid $pid)"
}

# Start if needed and wait; one line of output.
kafka_up() {
  local pid kp
  if pid=$(kafka_pid) && kp=$(port_get KAFKA_PORT) && port_accepts "$kp"; then
    say "kafka: running on 127.0.0.1:$kp (Kafka $KAFKA_VERSION, pid $pid)"
    return 0
  fi
  # A process of ours that does not accept connections (wedged, or half started): replace it.
  [[ -n ${pid:-} ]] && { warn "Kafka pid $pid not accepting connections; restarting it"; kafka_stop quiet; }
  kafka_launch
  kafka_wait
  kafka_started_line
}
kafka_started_line() {
  local how="started"; [[ $LIBS_FETCHED == 1 ]] && how="started (jars fetched via Maven)"
  say "kafka: $how on 127.0.0.1:$(port_get KAFKA_PORT) in $((SECONDS - KAFKA_T0))s (Kafka $KAFKA_VERSION, pid $(<"$K_PID"))"
}

# Full compatibility check, once per (Kafka version, aiokafka version): a new pin or a new client
# is verified on its first start, on every machine, without slowing down every `up`.
kafka_check_once() {
  have_python_client || return 0
  local stamp
  stamp="kafka=$KAFKA_VERSION aiokafka=$(aiokafka_version)"
  [[ -f $K_HOME/checked && $(<"$K_HOME/checked") == "$stamp" ]] && return 0
  kafka_check
  echo "$stamp" >"$K_HOME/checked"
}
kafka_check() {
  have_python_client || die "$PY with aiokafka is needed for the check (uv sync --all-packages)"
  kafka_admin_env "$PY" "$CHECK_PY" --bootstrap "127.0.0.1:$(port_get KAFKA_PORT)" \
    || die "Kafka $KAFKA_VERSION failed the aiokafka $(aiokafka_version) check: pin an older version in $POM"
}

# =============================================================================================
# PostgreSQL
# =============================================================================================

PG_BIN=""
find_pg_bin() {
  local d c
  # Debian keeps the server binaries off PATH; prefer the newest /usr/lib/postgresql/N/bin,
  # then whatever initdb on PATH resolves to.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn); do
    [[ -x $d/initdb && -x $d/pg_ctl && -x $d/psql ]] && { PG_BIN=$d; return 0; }
  done
  if c=$(command -v initdb) && command -v pg_ctl >/dev/null; then
    d=$(dirname "$(readlink -f "$c")")
    [[ -x $d/pg_ctl ]] && { PG_BIN=$d; return 0; }
  fi
  return 1
}
need_pg_server() {
  find_pg_bin || { apt_install postgresql; find_pg_bin || die "PostgreSQL installed but initdb/pg_ctl not found"; }
  if is_root; then id postgres >/dev/null 2>&1 || die "OS user 'postgres' missing (reinstall the postgresql package)"; fi
}
# Client tools only (external server): psql and pg_isready.
PSQL=psql PG_ISREADY=pg_isready
need_pg_client() {
  if find_pg_bin; then PSQL=$PG_BIN/psql; PG_ISREADY=$PG_BIN/pg_isready; return 0; fi
  command -v psql >/dev/null || apt_install postgresql-client
  PSQL=psql; PG_ISREADY=pg_isready
}

# PostgreSQL refuses to run as root, so as root the server tools run as the 'postgres' OS user,
# from / because the caller's cwd may not be readable by postgres (pg_ctl/initdb complain).
as_pg() { if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

# --- PostgreSQL location ----------------------------------------------------------------------
# The cluster belongs in .hub/pg/{data,log}, but the 'postgres' user must be able to traverse
# every parent directory of it. A clone in a 0700 directory (mktemp -d, /root/...) is not
# traversable, and changing permissions of directories we do not own is not our business. So:
#   * if postgres can reach and write .hub/pg, the cluster lives there (the common case);
#   * otherwise it lives in /var/tmp/council-hub-<sha1(repo path)[:12]>/pg/{data,log}
#     (deterministic per clone, survives reboots, world-traversable) and .hub/pg/data and
#     .hub/pg/log are symlinks to it, so the layout looks the same and `reset` finds it.
# The decision is made once, when the cluster is created; afterwards the symlink (or the real
# directory) in .hub/pg/data is the record of it. The server is always given the resolved path.
# The unix socket goes next to the data (pg/sock), unless that path would exceed the 107-byte
# limit of socket paths, in which case it goes to the /var/tmp directory.
PG_HASH=$(printf '%s' "$REPO" | sha1sum | cut -c1-12)
PG_ALT=/var/tmp/council-hub-$PG_HASH/pg
PG_DATA="" PG_LOGDIR="" PG_SOCK=""

pg_resolve_dirs() { # resolve only (no creation); returns 1 if no cluster location is known yet
  if [[ -L $PG_LINK_HOME/data ]]; then
    PG_DATA=$(readlink -f "$PG_LINK_HOME/data") || return 1
    PG_LOGDIR=$(readlink -f "$PG_LINK_HOME/log" 2>/dev/null || echo "${PG_DATA%/data}/log")
  elif [[ -d $PG_LINK_HOME/data ]]; then
    PG_DATA=$PG_LINK_HOME/data; PG_LOGDIR=$PG_LINK_HOME/log
  else
    return 1
  fi
  PG_SOCK=${PG_DATA%/data}/sock
  if ((${#PG_SOCK} + 20 > 107)); then PG_SOCK=/var/tmp/council-hub-$PG_HASH/sock; fi
  return 0
}

pg_prepare_dirs() {
  mkdir -p "$PG_LINK_HOME"
  if [[ -L $PG_LINK_HOME/data && ! -d $(readlink -f "$PG_LINK_HOME/data" 2>/dev/null || echo /nonexistent) ]]; then
    # The /var/tmp side vanished (cleaned by hand): start over with a fresh cluster.
    warn "PostgreSQL data behind $PG_LINK_HOME/data is gone; creating a new cluster"
    rm -f "$PG_LINK_HOME/data" "$PG_LINK_HOME/log"
  fi
  if ! pg_resolve_dirs; then
    local owner=postgres
    is_root || owner=$(id -un)
    is_root && chown "$owner:" "$PG_LINK_HOME"
    if as_pg test -w "$PG_LINK_HOME" -a -x "$PG_LINK_HOME"; then
      mkdir -p "$PG_LINK_HOME/data" "$PG_LINK_HOME/log"
    else
      mkdir -p "$PG_ALT/data" "$PG_ALT/log"
      chmod 755 "/var/tmp/council-hub-$PG_HASH" "$PG_ALT"
      ln -sfn "$PG_ALT/data" "$PG_LINK_HOME/data"
      ln -sfn "$PG_ALT/log" "$PG_LINK_HOME/log"
    fi
    pg_resolve_dirs
  fi
  mkdir -p "$PG_DATA" "$PG_LOGDIR" "$PG_SOCK"
  if is_root; then
    # Only chown when needed (a copied tree); a recursive chown on every up would be slow.
    [[ $(stat -c %U "$PG_DATA") == postgres ]] || chown -R postgres: "$PG_DATA"
    chown postgres: "$PG_LOGDIR" "$PG_SOCK"
  fi
  chmod 700 "$PG_DATA"
  as_pg test -w "$PG_DATA" || die "user postgres cannot write $PG_DATA"
}

pg_initdb() {
  [[ -f $PG_DATA/PG_VERSION ]] && return 0
  # No PG_VERSION: a previous initdb never finished; the directory holds nothing of value.
  find "$PG_DATA" -mindepth 1 -delete
  # UTF8 with C.UTF-8: byte-order (deterministic) sorting, Unicode-aware upper()/lower().
  # SCRAM-SHA-256 from the start: the superuser's password comes from .hub/secrets/pg.
  local pwfile; pwfile=$(mktemp); pg_password "$PG_SUPERUSER" >"$pwfile"
  if is_root; then chown postgres: "$pwfile"; fi
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" -E UTF8 --locale=C.UTF-8 \
    --auth=scram-sha-256 --pwfile="$pwfile" >"$PG_LOGDIR/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; tail_file "$PG_LOGDIR/initdb.log" 30; die "initdb failed"; }
  rm -f "$pwfile"
  pg_write_hba
  # Our settings live in hub.conf (rewritten on each start with the current port/socket).
  as_pg sh -c 'echo "include_if_exists '"'hub.conf'"'" >>"$1"' _ "$PG_DATA/postgresql.conf"
}

pg_write_conf() { # port
  as_pg sh -c 'cat >"$1"' _ "$PG_DATA/hub.conf" <<EOF
# Written by infra/stack.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = '$PG_SOCK'
fsync = on
# Four services with connection pools plus the test suite.
max_connections = 200
logging_collector = off
log_min_messages = warning
# An error's DETAIL quotes the values of the row it refused ("Key (username)=(...) already
# exists", "Failing row contains (...)"): personal data in the server's log. Terse leaves it out.
log_error_verbosity = terse
EOF
}

# Does our private postmaster run? Sets PG_RUN_PID and PG_RUN_PORT (postmaster.pid lines 1 and 4:
# the actual port is the truth for the DSN); pg_ctl status is the authority. Call it directly,
# not in $(...), so that the globals (PG_DATA too) reach the caller.
PG_RUN_PID="" PG_RUN_PORT=""
pg_private_running() {
  PG_RUN_PID="" PG_RUN_PORT=""
  pg_resolve_dirs || return 1
  [[ -f $PG_DATA/PG_VERSION ]] || return 1
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    rm -f "$PG_PID"; return 1
  fi
  PG_RUN_PID=$(sed -n 1p "$PG_DATA/postmaster.pid" 2>/dev/null || true)
  PG_RUN_PORT=$(sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null || true)
  [[ -n $PG_RUN_PID ]] || return 1
  mkdir -p "$RUN"; echo "$PG_RUN_PID" >"$PG_PID"
}

pg_wait_ready() { # host port
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  until "$PG_BIN/pg_isready" -q -h "$1" -p "$2" -U "$PG_SUPERUSER" -d postgres; do
    ((SECONDS < deadline)) || { tail_file "$PG_LOGDIR/postgres.log" 30; die "PostgreSQL on $1:$2 not ready within ${PG_START_TIMEOUT}s"; }
    sleep 0.3
  done
}

PG_STARTED=0
pg_private_up() {
  need_pg_server
  PG_STARTED=0
  local pid port
  if pg_private_running; then
    pid=$PG_RUN_PID port=$PG_RUN_PORT
  else
    pg_prepare_dirs
    pg_initdb
    port=$(ensure_port PG_PORT 0)
    pg_write_conf "$port"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOGDIR/postgres.log" -w -t "$PG_START_TIMEOUT" start \
      >"$PG_LOGDIR/pg_ctl.out" 2>&1 9>&- \
      || { tail_file "$PG_LOGDIR/postgres.log" 30; die "pg_ctl start failed (data $PG_DATA)"; }
    pg_private_running || die "PostgreSQL started but pg_ctl status disagrees"
    pid=$PG_RUN_PID
    PG_STARTED=1
  fi
  pg_wait_ready 127.0.0.1 "$port"
  pg_secure_private "$port"
  PG_ADMIN_PASSWORD=$(pg_password "$PG_SUPERUSER")
  PG_HOST_PORT=127.0.0.1:$port
  PG_DSN_QUERY=$PG_PRIVATE_DSN_QUERY
  PG_DSN_OUT=postgresql://$PG_SUPERUSER:$PG_ADMIN_PASSWORD@127.0.0.1:$port$PG_DSN_QUERY
  PG_PSQL_ARGS=(-h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER")  # database: PGDATABASE
  PSQL=$PG_BIN/psql
  PG_DESC="127.0.0.1:$port (private cluster, pid $pid)"
}

pg_external_up() {
  need_pg_client
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  until "$PG_ISREADY" -q -d "$HUB_PG_DSN"; do
    ((SECONDS < deadline)) || die "external PostgreSQL (HUB_PG_DSN=$(mask_dsn "$HUB_PG_DSN")) not reachable"
    sleep 1
  done
  PG_DSN_OUT=$HUB_PG_DSN
  PG_HOST_PORT=$(sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#' <<<"$HUB_PG_DSN")
  # A DSN without a database name would make psql default to a database named like the user;
  # PGDATABASE (set where psql runs) supplies 'postgres' then, and is ignored if the DSN names one.
  PG_PSQL_ARGS=("$HUB_PG_DSN")
  PG_DESC="$(mask_dsn "$HUB_PG_DSN") (external, HUB_PG_DSN)"
}

# One database per service plus hub_test; created only when missing (migrations are the services').
pg_databases() {
  local have db created=()
  have=$(env ${PG_ADMIN_PASSWORD:+PGPASSWORD=$PG_ADMIN_PASSWORD} PGDATABASE=postgres PGCONNECT_TIMEOUT=10 "$PSQL" -X -q -tA -v ON_ERROR_STOP=1 "${PG_PSQL_ARGS[@]}" \
           -c 'SELECT datname FROM pg_database') || die "psql could not list databases"
  for db in "${PG_DATABASES[@]}"; do
    grep -qx "$db" <<<"$have" && continue
    env ${PG_ADMIN_PASSWORD:+PGPASSWORD=$PG_ADMIN_PASSWORD} PGDATABASE=postgres "$PSQL" -X -q -v ON_ERROR_STOP=1 "${PG_PSQL_ARGS[@]}" -c "CREATE DATABASE \"$db\"" >/dev/null \
      || die "could not create database $db"
    created+=("$db")
  done
  PG_DB_NOTE="databases ok"
  ((${#created[@]} == 0)) || PG_DB_NOTE="created databases: ${created[*]}"
}

pg_up() {
  local t0=$SECONDS
  if [[ -n ${HUB_PG_DSN:-} ]]; then
    pg_external_up
    pg_databases
    pg_service_roles
    say "postgres: using $PG_DESC; $PG_DB_NOTE"
  else
    pg_private_up
    pg_databases
    pg_service_roles
    if [[ $PG_STARTED == 1 ]]; then
      say "postgres: started on $PG_DESC in $((SECONDS - t0))s; $PG_DB_NOTE"
    else
      say "postgres: running on $PG_DESC; $PG_DB_NOTE"
    fi
  fi
}

# Stops the private cluster if it runs (it is ours whatever HUB_PG_DSN says now); never an external one.
pg_stop() { # [quiet]
  local pid
  if find_pg_bin && pg_private_running; then
    pid=$PG_RUN_PID
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null \
      || die "pg_ctl stop failed (data $PG_DATA)"
    rm -f "$PG_PID"
    [[ ${1:-} == quiet ]] || say "postgres: stopped private cluster (pid $pid)"
  else
    rm -f "$PG_PID"
    if [[ ${1:-} != quiet ]]; then
      if [[ -n ${HUB_PG_DSN:-} ]]; then say "postgres: external server left alone"
      else say "postgres: not running"; fi
    fi
  fi
}

# =============================================================================================
# stack.env and commands
# =============================================================================================

write_env() {
  local tmp=$ENV_FILE.tmp.$$
  {
    echo "# Written by infra/stack.sh up; source it ('. .hub/stack.env'). Removed by 'down'."
    echo "HUB_KAFKA_BOOTSTRAP=$(env_value "127.0.0.1:$(port_get KAFKA_PORT)")"
    echo "HUB_PG_DSN=$(env_value "$PG_DSN_OUT")"
    echo "HUB_KAFKA_LOG_DIR=$(env_value "$K_DATA")"
    echo "HUB_KAFKA_VERSION=$(env_value "$KAFKA_VERSION")"
    # The fault suite's Kafka link: its TCP proxy listens on the first, forwards to the second.
    # Absent for a broker started before the CHAOS listener existed (until restart-kafka).
    if [[ -n $(port_get KAFKA_CHAOS_PORT) && -n $(port_get KAFKA_CHAOS_PROXY_PORT) ]]; then
      echo "HUB_KAFKA_CHAOS_BOOTSTRAP=$(env_value "127.0.0.1:$(port_get KAFKA_CHAOS_PROXY_PORT)")"
      echo "HUB_KAFKA_CHAOS_UPSTREAM=$(env_value "127.0.0.1:$(port_get KAFKA_CHAOS_PORT)")"
    fi
    security_env "${PG_HOST_PORT:-}"
    cluster_env
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

cmd_up() {
  take_lock
  mkdir -p "$RUN" "$K_LOGS"
  need_guide_tools
  # Kafka takes longest to boot: launch it, bring up PostgreSQL meanwhile, then wait for Kafka.
  local kpid kp
  if kpid=$(kafka_pid) && kp=$(port_get KAFKA_PORT) && port_accepts "$kp"; then
    pg_up
    say "kafka: running on 127.0.0.1:$kp (Kafka $KAFKA_VERSION, pid $kpid)"
  else
    [[ -n ${kpid:-} ]] && { warn "Kafka pid $kpid not accepting connections; restarting it"; kafka_stop quiet; }
    kafka_launch
    pg_up
    kafka_wait
    kafka_started_line
  fi
  write_env
  kafka_apply_acls
  kafka_check_once
  if [[ ${HUB_KAFKA_NODES:-1} == 3 ]]; then
    cluster_up
    write_env
    kc_apply_acls
  fi
}

cmd_down() {
  take_lock
  local n
  for n in $(seq "$KC_NODES"); do if kc_pid "$n" >/dev/null; then kc_signal_node "$n" TERM; fi; done
  kafka_stop
  pg_stop
  rm -f "$ENV_FILE"
}

# Restarts keep the persisted ports (free again once our own process has stopped), so clients
# that hold the address reconnect to the same place.
cmd_restart_kafka() { take_lock; kafka_stop quiet; kafka_launch; kafka_wait; kafka_started_line; pg_env_only; write_env; }
cmd_start_kafka()   { take_lock; kafka_up; pg_env_only; write_env; }
cmd_stop_kafka()    { take_lock; kafka_stop; }
cmd_restart_postgres() {
  take_lock
  [[ -z ${HUB_PG_DSN:-} ]] || die "HUB_PG_DSN points at an external server; there is nothing of ours to restart"
  pg_stop quiet
  pg_up
  write_env
}
cmd_start_postgres() { take_lock; pg_up; write_env; }
cmd_stop_postgres()  {
  take_lock
  [[ -z ${HUB_PG_DSN:-} ]] || die "HUB_PG_DSN points at an external server; there is nothing of ours to stop"
  pg_stop
}

# DSN for stack.env without touching PostgreSQL (used when only Kafka changed).
pg_env_only() {
  if [[ -n ${HUB_PG_DSN:-} ]]; then
    PG_DSN_OUT=$HUB_PG_DSN
    PG_HOST_PORT=$(sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#' <<<"$HUB_PG_DSN")
    return
  fi
  local port=""
  if find_pg_bin && pg_private_running; then port=$PG_RUN_PORT; fi
  PG_HOST_PORT=127.0.0.1:${port:-$(port_get PG_PORT)}
  PG_DSN_QUERY=$PG_PRIVATE_DSN_QUERY
  PG_DSN_OUT=postgresql://$PG_SUPERUSER:$(pg_password "$PG_SUPERUSER")@$PG_HOST_PORT$PG_DSN_QUERY
}

cmd_status() {
  local ok=0 pid kp port
  if pid=$(kafka_pid) && kp=$(port_get KAFKA_PORT) && port_accepts "$kp"; then
    say "kafka: running on 127.0.0.1:$kp (Kafka $KAFKA_VERSION, pid $pid)"
  elif [[ -n ${pid:-} ]]; then
    say "kafka: starting or wedged (pid $pid, 127.0.0.1:${kp:-?} not accepting)"; ok=3
  else
    say "kafka: stopped"; ok=3
  fi
  local n
  for n in $(seq "$KC_NODES"); do
    if pid=$(kc_pid "$n"); then say "kafka node $n: running on 127.0.0.1:$(port_get "KAFKA_NODE_${n}_PORT") (pid $pid)"
    elif [[ ${HUB_KAFKA_NODES:-1} == 3 ]]; then say "kafka node $n: stopped"; ok=3; fi
  done
  if [[ -n ${HUB_PG_DSN:-} ]]; then
    need_pg_client
    if "$PG_ISREADY" -q -t 5 -d "$HUB_PG_DSN"; then say "postgres: reachable at $(mask_dsn "$HUB_PG_DSN") (external)"
    else say "postgres: NOT reachable at $(mask_dsn "$HUB_PG_DSN") (external)"; ok=3; fi
  elif find_pg_bin && pg_private_running; then
    pid=$PG_RUN_PID port=$PG_RUN_PORT
    if "$PG_BIN/pg_isready" -q -t 5 -h 127.0.0.1 -p "$port"; then
      say "postgres: running on 127.0.0.1:$port (private cluster, pid $pid)"
    else
      say "postgres: starting or not ready (pid $pid, 127.0.0.1:$port)"; ok=3
    fi
  else
    say "postgres: stopped"; ok=3
  fi
  return $ok
}

cmd_check() {
  kafka_pid >/dev/null && port_accepts "$(port_get KAFKA_PORT)" || die "Kafka is not running (infra/stack.sh up)"
  kafka_check
}

cmd_rotate_kafka_password() {
  [[ -n $1 ]] || die "usage: infra/stack.sh rotate-kafka-password PRINCIPAL (${KAFKA_PRINCIPALS[*]})"
  take_lock
  kafka_pid >/dev/null && port_accepts "$(port_get KAFKA_PORT)" || die "Kafka is not running (infra/stack.sh up)"
  kafka_rotate_password "$1"
  pg_env_only
  write_env
  say "kafka: new SCRAM password for $1 (restart its clients; .hub/stack.env rewritten)"
}

cmd_reset() {
  take_lock
  kafka_stop quiet
  pg_stop quiet
  # The jars and the aiokafka check stamp (.hub/kafka/checked) stay: they do not depend on data.
  rm -rf "$K_DATA" "$K_HOME/cluster.id" "$K_HOME/formatted.version" "$K_LOGS"
  local n
  for n in $(seq "$KC_NODES"); do if kc_pid "$n" >/dev/null; then kc_signal_node "$n" KILL; fi; done
  rm -rf "$KC_HOME"
  # Fallback location (symlinks): delete the /var/tmp side too. If the clone was moved, the hash
  # differs, so follow the links, but only into a /var/tmp/council-hub-* directory.
  local t target
  for t in data log; do
    if [[ -L $PG_LINK_HOME/$t ]]; then
      target=$(readlink -f "$PG_LINK_HOME/$t" || true)
      if [[ $target == /var/tmp/council-hub-*/pg/$t ]]; then rm -rf "${target%/pg/$t}"; fi
    fi
  done
  rm -rf "/var/tmp/council-hub-$PG_HASH"
  rm -rf "$PG_LINK_HOME" "$PORTS_FILE" "$ENV_FILE" "$RUN"/*.pid
  say "reset: Kafka and PostgreSQL data deleted (jars kept in $K_LIBS)"
}

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case ${1:-} in
  up)               cmd_up ;;
  down)             cmd_down ;;
  status)           cmd_status ;;
  restart-kafka)    cmd_restart_kafka ;;
  restart-postgres) cmd_restart_postgres ;;
  start-kafka)      cmd_start_kafka ;;
  stop-kafka)       cmd_stop_kafka ;;
  start-postgres)   cmd_start_postgres ;;
  stop-postgres)    cmd_stop_postgres ;;
  check)            cmd_check ;;
  rotate-kafka-password) cmd_rotate_kafka_password "${2:-}" ;;
  reset)            cmd_reset ;;
  cluster-up)       cmd_cluster_up ;;
  cluster-down)     cmd_cluster_down ;;
  kill-kafka-node)  cmd_kill_kafka_node "${2:-}" ;;
  stop-kafka-node)  cmd_stop_kafka_node "${2:-}" ;;
  start-kafka-node) cmd_start_kafka_node "${2:-}" ;;
  *)                usage ;;
esac
