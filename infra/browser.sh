#!/usr/bin/env bash
# Debian's headless Chromium for the dashboard's browser test. Installed once; a no-op after.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing and this is not root: run 'apt-get install chromium' as root" >&2
  exit 1
fi
echo "installing Debian's chromium (once) for the dashboard test..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
