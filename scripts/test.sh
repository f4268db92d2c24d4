#!/usr/bin/env bash
# The whole test suite, runnable on a fresh clone: installs what the tests need (npm packages;
# kcat from Debian when missing), builds, then runs unit, integration and fault tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if ! command -v kcat >/dev/null 2>&1; then
  echo "kcat not found: installing it from Debian packages" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq kcat >/dev/null
fi

npm run -s build
FLUXMQ_TEST_BUILT=1 npx vitest run "$@"
