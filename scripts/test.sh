#!/usr/bin/env bash
# The whole test suite, runnable on a fresh clone: installs what the tests need (npm packages;
# kcat, etcd and the Python Kafka clients from Debian when missing), builds, then runs unit,
# integration and fault tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# kcat (librdkafka) and the Python clients for the interoperability tests; etcd for the
# multi-broker cluster tests
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
# kafka-python and confluent-kafka-python, for Debian's own python3
/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || missing+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || missing+=(python3-confluent-kafka)
if [ ${#missing[@]} -gt 0 ]; then
  echo "not found: installing ${missing[*]} from Debian packages" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  # etcd-server's package would start a system etcd on 2379; the tests start their own
  blocked_services=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    blocked_services=yes
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ -n "$blocked_services" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi

npm run -s build
FLUXMQ_TEST_BUILT=1 npx vitest run "$@"
