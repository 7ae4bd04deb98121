#!/usr/bin/env bash
# Four validators on this machine (`zl testnet`), evidence load from `zl bench load` against
# node0, then validator 3 is killed and load is offered again. Prints the load generator's
# reports and each node's CPU time; the figures go in docs/BENCHMARKS.md.
# Usage: scripts/bench-bft.sh [RATE] [SECONDS] [RATE_ONE_DOWN]   (defaults 4000 60 RATE)
set -euo pipefail
rate="${1:-4000}"
seconds="${2:-60}"
rate_down="${3:-$rate}"
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

tick="$(getconf CLK_TCK)"
cpu() { awk -v t="$tick" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
run() {
  local before=()
  for i in 0 1 2 3; do before[$i]=$(cpu "${pids[$i]}" 2>/dev/null || echo 0); done
  "$bin/zl" bench load --key "$work/net/client.key" --node http://127.0.0.1:27500 \
    --duration "$seconds" --rate "$1" --out "$work/$2.json"
  for i in 0 1 2 3; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "node$i CPU during the run: $(awk -v a="$(cpu "${pids[$i]}")" -v b="${before[$i]}" 'BEGIN { print a - b }') s"
    fi
  done
}
echo "== four validators, $rate tx/s offered for $seconds s"
run "$rate" all
kill -9 "${pids[3]}"
echo "== three of four validators (node3 down), $rate_down tx/s offered for $seconds s"
run "$rate_down" one-down
