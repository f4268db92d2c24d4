#!/usr/bin/env bash
# Produce and consume throughput of FluxMQ against librdkafka's mock broker, in one run.
#
# The same client (librdkafka's rdkafka_performance) produces to the mock broker, which stores in
# memory and does almost nothing, so it marks the client's ceiling on this machine; then to FluxMQ;
# `fluxmq bench produce` (MegaBatch) drives FluxMQ as well; and rdkafka_performance consumes
# FluxMQ's partition from the beginning. Runs alternate A B C D, A B C D, ... so a noisy neighbour
# hits every contender alike; medians (min-max) and ratios are printed at the end. Last, `fluxmq
# bench e2e` measures end-to-end latency at a fixed rate (--e2e-rate msg/s of 1 KiB for 10 s) once
# per round. FluxMQ runs through its launcher (./bin/run.js), with the Node flags it ships with.
#
# Usage: bench/compare.sh [--rounds N] [--sizes "100:1000000 1024:500000"] [--e2e-rate N|0] [--tools DIR]
# Needs rdkafka_performance and rdkafka-mock-broker: built by build-rdkafka-tools.sh from the
# shared tools folder beside the project (../shared/tools), into --tools (default /tmp/peer-bin).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=3
SIZES="100:1000000 1024:500000"
E2E_RATE=50000
TOOLS=${FLUXMQ_PEER_TOOLS:-/tmp/peer-bin}
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --e2e-rate) E2E_RATE=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [ ! -x "$TOOLS/rdkafka_performance" ] || [ ! -x "$TOOLS/rdkafka-mock-broker" ]; then
  builder=../shared/tools/build-rdkafka-tools.sh
  [ -x "$builder" ] || [ -f "$builder" ] || { echo "need $TOOLS/rdkafka_performance and rdkafka-mock-broker (see $builder)" >&2; exit 2; }
  bash "$builder" "$TOOLS" >&2
fi
[ -f dist/commands/serve.js ] || npm run -s build >&2

FLUX_PORT=29092
MOCK_PORT=29192
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; return 1; }

./bin/run.js serve --host 127.0.0.1 --port $FLUX_PORT --data-dir "$WORK/data" --log-level warn \
  --override log.segment.bytes=268435456 >"$WORK/flux.log" 2>&1 &
PIDS+=($!)
"$TOOLS/rdkafka-mock-broker" -p $MOCK_PORT -n 1 >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
wait_port $FLUX_PORT
wait_port $MOCK_PORT

# rdkafka_performance prints "... in 1234ms: 810000 msgs/s and 81.00 MB/s" (produce) or
# "... consumed in 68ms: 2928729 msgs/s (292.87 MB/s)" (consume); take msgs/s of the last such line.
rate_of() { grep -Eo '[0-9]+ msgs/s' | tail -1 | cut -d' ' -f1; }

rdk_produce() { # broker topic size count
  "$TOOLS/rdkafka_performance" -P -b "$1" -t "$2" -p 0 -s "$3" -c "$4" \
    -X acks=all -X linger.ms=5 -X batch.size=1000000 2>&1 | rate_of
}
rdk_consume() { # broker topic count
  "$TOOLS/rdkafka_performance" -C -b "$1" -t "$2" -p 0 -o beginning -c "$3" 2>&1 | rate_of
}
flux_produce() { # broker topic size count
  ./bin/run.js bench produce -b "$1" -t "$2" --record-size "$3" --records "$4" --acks all \
    --batch-bytes 1048576 --inflight 8 --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).recordsPerSec))'
}

stats() { # numbers... -> "median (min-max)"
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%d (%d-%d)", m, a[1], a[NR]}'
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }

echo "machine: $(nproc) cores, $(node --version), $(date -u +%Y-%m-%dT%H:%MZ); rounds: $ROUNDS"
for spec in $SIZES; do
  size=${spec%%:*}
  count=${spec##*:}
  A=() B=() C=() D=()
  for r in $(seq "$ROUNDS"); do
    A+=("$(rdk_produce 127.0.0.1:$MOCK_PORT "mock-$size-$r" "$size" "$count")")
    B+=("$(rdk_produce 127.0.0.1:$FLUX_PORT "rdk-$size-$r" "$size" "$count")")
    C+=("$(flux_produce 127.0.0.1:$FLUX_PORT "flux-$size-$r" "$size" "$count")")
    D+=("$(rdk_consume 127.0.0.1:$FLUX_PORT "rdk-$size-$r" "$count")")
    echo "  round $r, ${size} B: mock ${A[-1]}  fluxmq ${B[-1]}  fluxmq-bench ${C[-1]}  consume ${D[-1]} msg/s" >&2
  done
  mA=$(median "${A[@]}"); mB=$(median "${B[@]}"); mC=$(median "${C[@]}"); mD=$(median "${D[@]}")
  echo
  echo "records of $size B, $count per run, medians (min-max) in msg/s:"
  echo "  rdkafka_performance -P -> librdkafka mock : $(stats "${A[@]}")"
  echo "  rdkafka_performance -P -> FluxMQ          : $(stats "${B[@]}")"
  echo "  fluxmq bench produce   -> FluxMQ          : $(stats "${C[@]}")"
  echo "  rdkafka_performance -C <- FluxMQ          : $(stats "${D[@]}")"
  awk -v a="$mA" -v b="$mB" -v c="$mC" -v d="$mD" 'BEGIN {
    printf "  FluxMQ produce / mock produce (same client) : %.2f\n", b / a
    printf "  FluxMQ consume / FluxMQ produce             : %.2f\n", d / b
    printf "  fluxmq bench / rdkafka_performance (FluxMQ) : %.2f\n", c / b }'
done
if [ "$E2E_RATE" -gt 0 ]; then
  # The runs above leave gigabytes of dirty page cache that the disk is still writing back; a
  # latency run started under that backlog measures the disk's queue, not the broker (p99 19 ms
  # right after 3 GB, 4 ms five seconds later, BENCHMARKS.md). Start it from a quiet disk.
  sync
  P99=() P50=()
  for r in $(seq "$ROUNDS"); do
    out=$(./bin/run.js bench e2e -b 127.0.0.1:$FLUX_PORT -t "e2e-$r" --rate "$E2E_RATE" --record-size 1024 \
      --duration 10s --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const e=JSON.parse(s).endToEnd;console.log(e.p50Ms, e.p99Ms)})')
    P50+=("${out% *}"); P99+=("${out#* }")
    echo "  round $r, e2e at $E2E_RATE msg/s of 1 KiB: p50 ${P50[-1]} ms  p99 ${P99[-1]} ms" >&2
  done
  echo
  echo "end-to-end latency, $E2E_RATE msg/s of 1 KiB for 10 s, medians (min-max) of $ROUNDS runs:"
  printf '  p50 %s ms\n' "$(printf '%s\n' "${P50[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f (%.2f-%.2f)", m, a[1], a[NR]}')"
  printf '  p99 %s ms\n' "$(printf '%s\n' "${P99[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f (%.2f-%.2f)", m, a[1], a[NR]}')"
fi
echo
echo "FluxMQ RSS at the end: $(ps -o rss= -p "${PIDS[0]}" | awk '{printf "%.0f MiB", $1/1024}')"
