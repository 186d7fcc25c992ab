# infra/stack_security.sh — sourced by infra/stack.sh: the stack's certificates, passwords,
# Kafka principals and PostgreSQL roles. Nothing here runs on its own.
#
# Everything secret lives under .hub/secrets/ (git-ignored, mode 700, files 600):
#   tls/ca.{key,crt}              the local certificate authority (clients trust ca.crt)
#   tls/broker.{key,crt,pem}      the broker's key and certificate (SAN 127.0.0.1, localhost);
#                                 broker.pem = key + certificate chain, Kafka's PEM key store
#   kafka/<principal>.password    one SCRAM-SHA-512 password per Kafka principal
#   kafka/admin.properties        client settings of the admin principal for Kafka's Java tools
#   pg/<role>.password            one password per PostgreSQL role (hub = the stack's superuser)
# A password or certificate is made once and kept; see "Rotating" in infra/README.md.

SEC=$HUB/secrets
TLS_DIR=$SEC/tls
CA_CRT=$TLS_DIR/ca.crt
BROKER_CN=hub-kafka
# Kafka principals: the stack's and tests' topic admin (super user), the counsellors' tools (the
# only writer of the command topic) and one per service. ACLs: hub_runtime.kafka_acls.
KAFKA_PRINCIPALS=(admin tools casefile referral partner-gateway signals)
# PostgreSQL: one database per service, each with an owner role (runs the migrations, owns the
# tables) and an app role (what the service runs as: data access only, no DDL).
PG_SERVICE_DATABASES=(casefile referral partner_gateway signals)
# Certificates are renewed by `up` when they expire within this many seconds (30 days).
CERT_RENEW_BEFORE=2592000

secret_dir() { mkdir -p "$1"; chmod 700 "$SEC" "$1"; }

# A password file, made once: 32 hex characters from openssl (URL- and shell-safe, so it can go
# into a DSN and a JAAS line unquoted).
password_of() { # dir name
  local f=$1/$2.password
  if [[ ! -s $f ]]; then
    secret_dir "$1"
    (umask 077; openssl rand -hex 16 >"$f")
  fi
  cat "$f"
}
kafka_password() { password_of "$SEC/kafka" "$1"; }
pg_password() { password_of "$SEC/pg" "$1"; }

# The local CA and the broker certificate (openssl, RSA 2048, 825 days). The broker's certificate
# serves both TLS server (client listener) and TLS client (its own controller connection, where
# mutual TLS identifies it as User:CN=hub-kafka).
tls_ensure() {
  secret_dir "$TLS_DIR"
  local renew=0
  if [[ ! -s $TLS_DIR/ca.key || ! -s $CA_CRT ]] \
     || ! openssl x509 -checkend "$CERT_RENEW_BEFORE" -noout -in "$CA_CRT" >/dev/null 2>&1; then
    (umask 077
     openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 \
       -keyout "$TLS_DIR/ca.key" -out "$CA_CRT" -subj "/CN=council-hub local CA" \
       -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
       >/dev/null 2>&1) || die "openssl could not make the local CA"
    renew=1
  fi
  if [[ $renew == 1 || ! -s $TLS_DIR/broker.pem ]] \
     || ! openssl x509 -checkend "$CERT_RENEW_BEFORE" -noout -in "$TLS_DIR/broker.crt" >/dev/null 2>&1; then
    local ext=$TLS_DIR/broker.ext
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$ext"
    (umask 077
     openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$TLS_DIR/broker.key" \
       -out "$TLS_DIR/broker.csr" -subj "/CN=$BROKER_CN" >/dev/null 2>&1 \
     && openssl x509 -req -sha256 -days 825 -in "$TLS_DIR/broker.csr" -CA "$CA_CRT" \
       -CAkey "$TLS_DIR/ca.key" -CAcreateserial -out "$TLS_DIR/broker.crt" -extfile "$ext" \
       >/dev/null 2>&1 \
     && cat "$TLS_DIR/broker.key" "$TLS_DIR/broker.crt" "$CA_CRT" >"$TLS_DIR/broker.pem") \
      || die "openssl could not make the broker certificate"
    rm -f "$TLS_DIR/broker.csr" "$ext"
  fi
}

# Run a Kafka tool whose arguments hold a password ("$@": main class, then its arguments) with
# them in a Java argument file (0600, removed after), not on the command line, which every
# user of the machine can read in the process list (ps, /proc/<pid>/cmdline) while it runs (the
# seventh new user's trial). The java launcher reads the class and its arguments from the file
# (JDK "java Command-Line Argument Files"); each is written quoted, backslashes and quotes
# escaped, so a path with spaces stays one argument.
kafka_java_secret_args() {
  local f rc=0 a
  f=$(umask 077; mktemp "$SEC/kafka/java-args.XXXXXX")
  for a in "$@"; do a=${a//\\/\\\\}; printf '"%s"\n' "${a//\"/\\\"}"; done >"$f"
  kafka_java "@$f" || rc=$?
  rm -f "$f"
  return "$rc"
}

# kafka-storage format arguments that create every principal's SCRAM credential with the
# metadata, so the broker authenticates them from its first start (run them with
# kafka_java_secret_args: they hold the passwords).
kafka_scram_format_args() {
  local p
  for p in "${KAFKA_PRINCIPALS[@]}"; do
    printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "$p" "$(kafka_password "$p")"
  done
}

# Listener and security part of server.properties. Clients: SASL_SSL with SCRAM-SHA-512 only.
# Controller listener (loopback): TLS with a required client certificate signed by our CA; only
# the broker itself holds one (super user User:CN=hub-kafka), so the controller port is no back
# door. ACLs: StandardAuthorizer, deny when no ACL matches.
# With a third and fourth argument (the single broker; each node of the cluster, with ports of
# its own), also the CHAOS listener: SASL_SSL like the client listener (same certificate, SAN
# IP:127.0.0.1; same SCRAM logins and ACLs), on
# chaos_port, but advertised at proxy_port, where the fault suite's TCP proxy
# (hub_demo.tcp_proxy) listens and forwards to chaos_port. A client bootstrapped through the
# proxy is told to reach the broker at the proxy again, so ALL its traffic crosses the proxy.
# Nothing listens on proxy_port outside a network scenario: no other client uses this listener.
kafka_security_properties() { # broker_port controller_port [chaos_port proxy_port]
  local listeners="SASL_SSL://127.0.0.1:$1" advertised="SASL_SSL://127.0.0.1:$1"
  local map="SASL_SSL:SASL_SSL,CONTROLLER:SSL"
  if [[ -n ${3:-} ]]; then
    listeners+=",CHAOS://127.0.0.1:$3"; advertised+=",CHAOS://127.0.0.1:$4"; map+=",CHAOS:SASL_SSL"
  fi
  cat <<EOF
listeners=$listeners,CONTROLLER://127.0.0.1:$2
advertised.listeners=$advertised
listener.security.protocol.map=$map
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(kafka_password admin)";
listener.name.chaos.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$CA_CRT
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:CN=$BROKER_CN
EOF
}

# Client settings of the admin principal for Kafka's Java tools (kafka-configs, kafka-acls).
kafka_admin_properties() {
  local f=$SEC/kafka/admin.properties
  secret_dir "$SEC/kafka"
  (umask 077; cat >"$f" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(kafka_password admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$CA_CRT
EOF
  )
  echo "$f"
}

# The hub's topics (prefix "") and every principal's ACLs, from hub_runtime.kafka_acls (the one
# ACL table). Idempotent: creating an existing ACL or topic changes nothing.
kafka_apply_acls() {
  have_python_client || { warn "no $PY: Kafka ACLs and topics not applied"; return 0; }
  (set -a; . "$ENV_FILE"; set +a; "$PY" -m hub_runtime.kafka_acls apply) \
    || die "could not apply the Kafka ACLs (python -m hub_runtime.kafka_acls apply)"
}

# Change one principal's SCRAM password on the running broker, then keep it in its file.
kafka_rotate_password() { # principal
  local p=$1 new
  [[ " ${KAFKA_PRINCIPALS[*]} " == *" $p "* ]] || die "unknown Kafka principal '$p' (${KAFKA_PRINCIPALS[*]})"
  new=$(openssl rand -hex 16)
  kafka_java_secret_args org.apache.kafka.tools.ConfigCommand --bootstrap-server "127.0.0.1:$(port_get KAFKA_PORT)" \
    --command-config "$(kafka_admin_properties)" --alter --entity-type users --entity-name "$p" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$new]" >/dev/null \
    || die "kafka-configs could not change the password of $p"
  (umask 077; echo "$new" >"$SEC/kafka/$p.password")
  kafka_admin_properties >/dev/null
}

# --- PostgreSQL ---------------------------------------------------------------------------------

# pg_hba: password (SCRAM-SHA-256) for everyone, on the socket and on loopback; nothing else.
pg_write_hba() {
  as_pg sh -c 'cat >"$1"' _ "$PG_DATA/pg_hba.conf" <<'EOF'
# Written by infra/stack.sh: every connection authenticates with a password (SCRAM-SHA-256).
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  scram-sha-256
host    all       all   127.0.0.1/32   scram-sha-256
EOF
}

# The superuser's password, then SCRAM in pg_hba. A cluster made before passwords existed still
# trusts loopback, so the password is set (through that trust) before trust is removed.
pg_secure_private() { # port
  local pw; pw=$(pg_password "$PG_SUPERUSER")
  PGPASSWORD=$pw "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U "$PG_SUPERUSER" \
    -d postgres -c "SET password_encryption = 'scram-sha-256'; ALTER ROLE $PG_SUPERUSER PASSWORD '$pw'" \
    >/dev/null || die "could not set the password of PostgreSQL role $PG_SUPERUSER"
  if ! as_pg grep -q '^host.*scram-sha-256' "$PG_DATA/pg_hba.conf"; then
    pg_write_hba
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" reload >/dev/null || die "pg_ctl reload failed"
  fi
}

# Owner and app role of every service database (idempotent; passwords from .hub/secrets/pg).
# Owner: owns the database, its schema and tables, runs the migrations. App: CONNECT on its own
# database only (CONNECT is revoked from PUBLIC), no DDL; the owner grants it data access on the
# tables after each migration (hub_runtime.migrations). Neither is a superuser.
pg_service_roles() {
  local db owner app sql
  for db in "${PG_SERVICE_DATABASES[@]}"; do
    owner=${db}_owner app=${db}_app
    sql="SET password_encryption = 'scram-sha-256';
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$owner') THEN CREATE ROLE $owner; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$app') THEN CREATE ROLE $app; END IF;
END \$\$;
ALTER ROLE $owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$(pg_password "$owner")';
ALTER ROLE $app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$(pg_password "$app")';
ALTER DATABASE \"$db\" OWNER TO $owner;
REVOKE ALL ON DATABASE \"$db\" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE \"$db\" TO $app;"
    pg_psql postgres "$sql" || die "could not create the roles of database $db"
    # Inside the database: the owner owns the public schema and whatever an older stack's
    # superuser created there; the app may use the schema but create nothing in it.
    sql="ALTER SCHEMA public OWNER TO $owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO $app;
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r','p','v','m','S','f')
             AND pg_get_userbyid(c.relowner) <> '$owner'
             AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a','i')))
  LOOP EXECUTE format('ALTER TABLE %s OWNER TO $owner', r.name); END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '$owner'
  LOOP EXECUTE format('ALTER ROUTINE %s OWNER TO $owner', r.name); END LOOP;
END \$\$;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO $app;"
    pg_psql "$db" "$sql" || die "could not hand database $db to its owner role"
  done
}
pg_psql() { # database sql
  env ${PG_ADMIN_PASSWORD:+PGPASSWORD=$PG_ADMIN_PASSWORD} PGDATABASE="$1" "$PSQL" -X -q -v ON_ERROR_STOP=1 \
    "${PG_PSQL_ARGS[@]}" -c "$2" >/dev/null
}

# A role's DSN on the stack's server (no database: each service adds its own).
pg_role_dsn() { # role host_port
  echo "postgresql://$1:$(pg_password "$1")@$2${PG_DSN_QUERY:-}"
}

# stack.env lines for the clients: the admin's Kafka login (tests, tools) and each principal's
# password; per service database its app DSN (run time) and owner DSN (migrations).
security_env() { # pg_host_port
  local p var db
  echo "HUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL"
  echo "HUB_KAFKA_CA_FILE=$(env_value "$CA_CRT")"
  echo "HUB_KAFKA_USERNAME=admin"
  echo "HUB_KAFKA_PASSWORD=$(kafka_password admin)"
  for p in "${KAFKA_PRINCIPALS[@]}"; do
    var=${p//-/_}
    echo "HUB_KAFKA_PASSWORD_${var^^}=$(kafka_password "$p")"
  done
  [[ -n $1 ]] || return 0
  for db in "${PG_SERVICE_DATABASES[@]}"; do
    echo "HUB_PG_DSN_${db^^}=$(env_value "$(pg_role_dsn "${db}_app" "$1")")"
    echo "HUB_PG_OWNER_DSN_${db^^}=$(env_value "$(pg_role_dsn "${db}_owner" "$1")")"
  done
}
