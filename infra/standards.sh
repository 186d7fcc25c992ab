#!/usr/bin/env bash
# The standards' own official tools that the tests run (tools/standards: the CloudEvents
# JavaScript SDK, the AsyncAPI parser, and axe-core for the portal's accessibility check; about
# 60 MB, ~25 s the first time), installed
# from the npm registry exactly as pinned by package-lock.json.
# Installed once; again only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/../tools/standards"
if ! command -v npm >/dev/null 2>&1; then
  echo "node and npm are missing: install Node.js 20 (e.g. 'apt-get install nodejs npm')" >&2
  exit 1
fi
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
echo "installing the standards' tools (npm ci, tools/standards)..."
npm ci --no-audit --no-fund --loglevel=error
