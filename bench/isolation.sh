#!/usr/bin/env bash
# Isolated against bridged Docker containers on the warm path, side by side:
#  1. new connections: socket + connect, and a whole GET /health on a new connection, to a bridged
#     container through its published port against an isolated one inside its network namespace
#     through janusd's socket factory (a spare socket, or one made on the factory's thread);
#  2. throughput through janusd: wrk (non-stream chat completions) against a janusd whose one
#     container is bridged and one whose container is isolated, interleaved, at 16 and 64
#     connections.
# Bounded (about 1.5 min with the defaults); every container it made is removed, even on failure.
# Needs root (setns), a Docker engine and janus-baseline:latest (scripts/build-images.sh).
#   bench/isolation.sh [--reps N] [--secs S] [--md FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ROOT=$PWD
REPS=3; SECS=4; MD=
usage() { echo "usage: bench/isolation.sh [--reps N (1-10)] [--secs S (1-30)] [--md FILE]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --reps) [ $# -ge 2 ] || usage; REPS=$2; shift 2;;
    --secs) [ $# -ge 2 ] || usage; SECS=$2; shift 2;;
    --md) [ $# -ge 2 ] || usage; MD=$2; shift 2;;
    *) usage;;
  esac
done
[[ $REPS =~ ^[0-9]+$ ]] && [ "$REPS" -ge 1 ] && [ "$REPS" -le 10 ] || usage
[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -ge 1 ] && [ "$SECS" -le 30 ] || usage
[ "$(id -u)" = 0 ] || { echo "bench/isolation.sh: needs root (janusd makes sockets in namespaces)" >&2; exit 1; }
BIN=${JANUS_BENCH_BIN:-$ROOT/build/bin}
IMAGE=janus-baseline:latest
for b in janusd janus-init netns_connect_bench; do
  [ -x "$BIN/$b" ] || { echo "bench/isolation.sh: $BIN/$b not found; build first (scripts/build.sh)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench/isolation.sh: wrk not found" >&2; exit 1; }
docker image inspect "$IMAGE" >/dev/null 2>&1 \
  || { echo "bench/isolation.sh: image $IMAGE missing; run scripts/build-images.sh" >&2; exit 1; }

WORK=$(mktemp -d /tmp/janus-isolation.XXXXXX)
RUN=iso$$x$RANDOM
PIDS=()
cleanup() {
  local rc=$?
  stop_watchdog "$WORK/watchdog.pid"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  local left
  left=$( { docker ps -aq --filter "label=janus.isobench=$RUN";
            docker ps -aq --filter "label=janus.engine=$RUN-bridge";
            docker ps -aq --filter "label=janus.engine=$RUN-isolated"; } 2>/dev/null | sort -u)
  if [ -n "$left" ]; then docker rm -f $left >/dev/null 2>&1 || true; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_watchdog 300 "$WORK/watchdog.pid"

# -- 1. new connections ------------------------------------------------------------------------
isolated=$(docker run -d --label "janus.isobench=$RUN" --network none "$IMAGE")
bridged=$(docker run -d --label "janus.isobench=$RUN" -p 127.0.0.1::8080 "$IMAGE")
pid=$(docker inspect --format '{{.State.Pid}}' "$isolated")
hp=$(docker port "$bridged" 8080/tcp | head -1); hport=${hp##*:}
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$hport/health" && break; sleep 0.05; done
sleep 0.3
timeout 120 "$BIN/netns_connect_bench" --pid "$pid" --port "$hport" --n 1000 > "$WORK/connect.md"
docker rm -f "$isolated" "$bridged" >/dev/null

# -- 2. throughput through janusd --------------------------------------------------------------
declare -A JPORT
start_janusd() { # start_janusd NETWORK
  local network=$1 port; port=$(free_port)
  cat > "$WORK/$network.yaml" <<EOF
server:
  listen: "127.0.0.1:$port"
log:
  level: warn
runtime: docker
docker:
  engine_id: $RUN-$network
  network: $network
models:
  baseline:
    image: $IMAGE
    min_warm: 1
    max_containers: 1
    max_concurrency: 128
    queue_limit: 1024
EOF
  "$BIN/janusd" --config "$WORK/$network.yaml" >"$WORK/$network.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && { JPORT[$network]=$port; return 0; }
    sleep 0.1
  done
  echo "bench/isolation.sh: janusd ($network) did not become ready; its log:" >&2
  tail -20 "$WORK/$network.log" >&2
  exit 1
}
start_janusd bridge
start_janusd isolated
for n in bridge isolated; do
  wrk -t2 -c16 -d1s -s bench/post.lua "http://127.0.0.1:${JPORT[$n]}/v1/chat/completions" >/dev/null
done
RAW=$WORK/wrk.jsonl
for rep in $(seq "$REPS"); do
  for c in 16 64; do
    for n in bridge isolated; do
      line=$(wrk -t2 -c"$c" -d"${SECS}s" -s bench/post.lua \
               "http://127.0.0.1:${JPORT[$n]}/v1/chat/completions" | sed -n 's/^JSON //p')
      echo "{\"network\":\"$n\",\"c\":$c,\"rep\":$rep,\"r\":$line}" >> "$RAW"
      echo -n "." >&2
    done
  done
done
echo >&2

python3 - "$RAW" "$WORK/connect.md" "$REPS" "$SECS" "${MD:-}" <<'PY'
import json, statistics, sys
raw, connect_md, reps, secs, md = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rows = [json.loads(l) for l in open(raw)]
def med(network, c, key):
    return statistics.median(r["r"][key] for r in rows if r["network"] == network and r["c"] == c)
errors = sum(r["r"]["errors"] for r in rows)
lines = ["## Isolated against bridged containers", "",
         open(connect_md).read().rstrip(), "",
         f"Throughput through janusd (wrk, non-stream chat completions, one janus-baseline container, "
         f"median of {reps} runs of {secs} s, the two janusd interleaved; {errors} errors):", "",
         "| connections | bridged req/s | isolated req/s | isolated / bridged | bridged p50 us | isolated p50 us | bridged p99 us | isolated p99 us |",
         "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for c in (16, 64):
    b, i = med("bridge", c, "rps"), med("isolated", c, "rps")
    lines.append(f"| {c} | {b:.0f} | {i:.0f} | {i / b:.2f}× | {med('bridge', c, 'p50_us'):.0f} | "
                 f"{med('isolated', c, 'p50_us'):.0f} | {med('bridge', c, 'p99_us'):.0f} | {med('isolated', c, 'p99_us'):.0f} |")
lines += ["", "Command: `bench/isolation.sh" + (f" --reps {reps}" if reps != 3 else "")
          + (f" --secs {secs}" if secs != 4 else "") + "`."]
text = "\n".join(lines)
if md:
    open(md, "w").write(text + "\n")
print(text)
PY
