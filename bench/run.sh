#!/usr/bin/env bash
# Janus benchmark suite: one command, bounded in time (~17 min with the defaults), writes
# docs/benchmarks.md. Part 1 runs the same janus-baseline process directly, through janusd,
# through nginx and through HAProxy, in turn, for every concurrency and repetition; then come the
# in-process micro-benchmarks, the platform endpoint against direct and nginx, the cold start
# (bench/coldstart.sh), the warm pool under a step load (bench/warmpool.sh) and the engine at
# scale (bench/scale.sh).
#   bench/run.sh [--reps N] [--secs S] [--out FILE] [--part1-only] [--plain-only]
# --part1-only: the proxy comparison alone (no micro-benchmarks, no other part); --plain-only:
# its non-stream runs alone (implies --part1-only). JANUS_BENCH_BIN=DIR runs the binaries of
# another build (before/after comparisons; nothing is built then).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPS=3; SECS=4; OUT=; PART1_ONLY=0; KINDS="stream prefill"
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2;; --secs) SECS=$2; shift 2;; --out) OUT=$2; shift 2;;
    --part1-only) PART1_ONLY=1; shift;;
    --plain-only) PART1_ONLY=1; KINDS=""; shift;;
    *) echo "usage: bench/run.sh [--reps N] [--secs S] [--out FILE] [--part1-only] [--plain-only]"; exit 2;;
  esac
done
BIN=${JANUS_BENCH_BIN:-$ROOT/build/bin}
SYSTEMS="direct janusd nginx haproxy"
for tool in wrk nginx haproxy; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "bench/run.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin
WORK=$(mktemp -d /tmp/janus-bench.XXXXXX)
RAW=$WORK/raw.jsonl
# A part of the suite is no docs/benchmarks.md: it goes to the work directory unless told.
[ -n "$OUT" ] || { [ "$PART1_ONLY" = 1 ] && OUT=$WORK/benchmarks.md || OUT=docs/benchmarks.md; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
export BENCH_STARTED=$(date +%s)
TARGETS="janusd janus-baseline janus-bench"
[ "$PART1_ONLY" = 1 ] || TARGETS="$TARGETS janus_bench_micro janus_platform_bench"
[ -n "${JANUS_BENCH_BIN:-}" ] || ninja -C build $TARGETS >/dev/null

# janusd starts its own (one) baseline container; direct, nginx and HAProxy are pointed at that
# same process, so the four systems share one upstream and differ only in the proxy in front.
for port in 18000 18090 18091; do
  if ss -ltn | grep -q ":$port "; then echo "bench/run.sh: port $port is in use (a janusd, nginx or haproxy left running?)" >&2; exit 1; fi
done
PATH=$BIN:$PATH "$BIN/janusd" --config bench/janusd.yaml >"$WORK/janusd.log" 2>&1 &
JANUSD=$!; PIDS+=("$JANUSD")
for _ in $(seq 100); do
  curl -fs http://127.0.0.1:18000/ready >/dev/null 2>&1 && break; sleep 0.1
done
curl -fs http://127.0.0.1:18000/ready >/dev/null 2>&1 || { echo "bench/run.sh: janusd is not ready; its log:" >&2; tail -n 20 "$WORK/janusd.log" >&2; exit 1; }
CHILD=$(pgrep -P "$JANUSD" janus-baseline | head -1)
UPORT=$(tr '\0' '\n' < /proc/"$CHILD"/environ | sed -n 's/^PORT=//p')
sed -e "s#@DIR@#$WORK#g" -e "s#@PORT@#$UPORT#g" bench/nginx.conf.in > "$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf" -p "$WORK" >/dev/null 2>&1 &
PIDS+=("$!")
sed -e "s#@DIR@#$WORK#g" -e "s#@PORT@#$UPORT#g" bench/haproxy.cfg.in > "$WORK/haproxy.cfg"
# -db: in the foreground, one process (no master): its pid is the one whose CPU is counted.
haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
HAPROXY=$!; PIDS+=("$HAPROXY"); sleep 0.5
for p in 18090:nginx 18091:haproxy; do
  curl -fs -o /dev/null -H 'Content-Type: application/json' \
    -d '{"model":"baseline","messages":[{"role":"user","content":"hi"}]}' \
    "http://127.0.0.1:${p%%:*}/v1/chat/completions" || { echo "bench/run.sh: ${p#*:} does not proxy"; exit 1; }
done
declare -A URL=([direct]=http://127.0.0.1:$UPORT [janusd]=http://127.0.0.1:18000
                [nginx]=http://127.0.0.1:18090 [haproxy]=http://127.0.0.1:18091)

cpu_of() { # CPU ticks (user+sys) of a pid
  awk '{print $14+$15}' /proc/"$1"/stat
}
proxy_pid() {
  case $1 in
    janusd) echo "$JANUSD";; nginx) pgrep -f "nginx: worker" -n;; haproxy) echo "$HAPROXY";; *) echo "$CHILD";;
  esac
}

# warm-up
for s in $SYSTEMS; do
  wrk -t1 -c16 -d1s -s bench/post.lua "${URL[$s]}/v1/chat/completions" >/dev/null
done

for rep in $(seq "$REPS"); do
  for c in 1 16 64; do
    for s in $SYSTEMS; do
      pid=$(proxy_pid $s); t0=$(cpu_of "$pid")
      line=$(wrk -t1 -c$c -d${SECS}s --timeout 5s -s bench/post.lua "${URL[$s]}/v1/chat/completions" | sed -n 's/^JSON //p')
      t1=$(cpu_of "$pid")
      echo "{\"kind\":\"plain\",\"system\":\"$s\",\"c\":$c,\"rep\":$rep,\"cpu_ticks\":$((t1-t0)),\"secs\":$SECS,\"r\":$line}" >> "$RAW"
    done
  done
  # stream: the first frame at once (the proxy's added time alone), then after a 20 ms prefill
  for kind in $KINDS; do
    extra='{"janus_baseline":{"token_delay_ms":5}}'
    [ $kind = prefill ] && extra='{"janus_baseline":{"token_delay_ms":5,"first_token_delay_ms":20}}'
    for c in 1 16 64; do
      for s in $SYSTEMS; do
        "$BIN/janus-bench" -c $c -d ${SECS}s --stream --max-tokens 8 --baseline-tokens \
          --body-extra "$extra" --json "$WORK/s.json" "${URL[$s]}" >/dev/null
        echo "{\"kind\":\"$kind\",\"system\":\"$s\",\"c\":$c,\"rep\":$rep,\"r\":$(python3 -c "import json,sys;print(json.dumps(json.load(open(sys.argv[1]))))" "$WORK/s.json")}" >> "$RAW"
      done
    done
  done
done

[ "$PART1_ONLY" = 1 ] || timeout 120 "$BIN/janus_bench_micro" --benchmark_min_time=0.3 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_out="$WORK/micro.json" --benchmark_out_format=json >/dev/null 2>&1 || true

# The proxy comparison is done: its processes go before the next parts start their own.
cleanup; PIDS=()

# Each part writes its own markdown section (with its targets) and raw JSON; a part that fails is
# reported in its section's place, and the rest still runs.
SECTIONS=()
# part_failed TITLE WHAT NAME: a failed part's section in its place, the end of its log in it.
part_failed() {
  echo "bench/run.sh: $2 failed; the end of its log:" >&2
  tail -n 20 "$WORK/$3.log" >&2
  printf '## %s\n\n%s failed in this run; the end of its log:\n\n```\n%s\n```\n' \
    "$1" "$2" "$(tail -n 20 "$WORK/$3.log")" > "$WORK/$3.md"
}
# The platform endpoint against direct and nginx (its own baseline and nginx, a few seconds).
if [ "$PART1_ONLY" = 0 ]; then
  timeout 120 "$BIN/janus_platform_bench" 20000 --md "$WORK/platform.md" \
    > "$WORK/platform.log" 2>&1 || part_failed "Platform endpoint" janus_platform_bench platform
  SECTIONS+=("$WORK/platform.md")
fi
PARTS="coldstart warmpool scale"
[ "$PART1_ONLY" = 0 ] || PARTS=""
for part in $PARTS; do
  bench/$part.sh --md "$WORK/$part.md" --json "$WORK/$part.json" > "$WORK/$part.log" 2>&1 \
    || part_failed "$part" "bench/$part.sh" "$part"
  SECTIONS+=("$WORK/$part.md")
done

python3 bench/report.py "$RAW" "$WORK/micro.json" "$SECS" "$REPS" ${SECTIONS[@]+"${SECTIONS[@]}"} > "$OUT"
echo "bench/run.sh: wrote $OUT (raw results in $WORK)"
