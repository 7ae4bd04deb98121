#!/usr/bin/env bash
# Four validators on this machine (`zl testnet`), evidence load from `zl bench load` against
# node0, then the same with validator 3 down. Prints the load generator's reports; the figures
# go in docs/BENCHMARKS.md. Usage: scripts/bench-bft.sh [RATE] [SECONDS]
set -euo pipefail
rate="${1:-3000}"
seconds="${2:-60}"
bin="$(cd "$(dirname "$0")/.." && pwd)/target/release"
work="$(mktemp -d)"
pids=()
stop() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap stop EXIT

"$bin/zl" testnet --validators 4 --out "$work/net" --base-port 27500 > /dev/null
start() {
  "$bin/zld" start --home "$work/net/node$1" > "$work/log$1" 2>&1 &
  pids[$1]=$!
}
for i in 0 1 2 3; do start "$i"; done
until curl -sf http://127.0.0.1:27500/readyz > /dev/null; do sleep 0.2; done

run() {
  "$bin/zl" bench load --key "$work/net/client.key" --node http://127.0.0.1:27500 \
    --duration "$seconds" --rate "$1" --out "$work/$2.json"
}
echo "== four validators, $rate tx/s offered for $seconds s"
run "$rate" all
kill -9 "${pids[3]}"
echo "== three of four validators (node3 down), $rate tx/s offered for $seconds s"
run "$rate" one-down
