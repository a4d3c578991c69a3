#!/usr/bin/env bash
# Warm pool under a step load (issue 5, item 3; issue 12): janusd serving one janus-baseline model
# with static min_warm 0, 2 and 8 (prewarm_window 0) and then min_warm 0 with demand-following
# pre-warm (prewarm_window 1m, docs/pool.md) in turn, each run driven through the same step profile by janus-bench;
# per min_warm: requests, start kinds, cold fraction, TTFT p50/p99 and the cold requests at
# steady load. Bounded (about 2 min with Docker, 1.5 min with processes); cleans up on any exit.
#   bench/warmpool.sh [--md FILE] [--json FILE] [--runtime auto|docker|process]
#                     [--steps PROFILE] [--ramp SECS] [--token-delay MS] [--tokens N]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. bench/lib.sh
BIN=$ROOT/build/bin
MD=""; JSON=""; RUNTIME=auto
STEPS=0:2s,8:10s,0:4s,8:10s  # idle, 8 clients, idle (the pool shrinks back to min_warm), 8 clients
RAMP=4                      # seconds at the start of each load step that count as its ramp (Docker starts
                            # take 1-4 s on a busy 2-core machine: the pool grows for that long)
TOKEN_DELAY=20; TOKENS=16   # 16 tokens 20 ms apart: ~0.33 s per answer, like a small model
CONCURRENCY=8; MAX_CONTAINERS=16; IDLE_TTL=2s; HEALTH_INTERVAL=2s
MIN_WARMS=(0 2 8 demand)   # "demand": min_warm 0 with demand-following pre-warm
usage() {
  echo "usage: bench/warmpool.sh [--md FILE] [--json FILE] [--runtime auto|docker|process]" \
       "[--steps PROFILE] [--ramp SECS] [--token-delay MS] [--tokens N]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --md) MD=$2; shift 2;; --json) JSON=$2; shift 2;; --runtime) RUNTIME=$2; shift 2;;
    --steps) STEPS=$2; shift 2;; --ramp) RAMP=$2; shift 2;;
    --token-delay) TOKEN_DELAY=$2; shift 2;; --tokens) TOKENS=$2; shift 2;;
    *) usage;;
  esac
done
case $RUNTIME in auto|docker|process) ;; *) usage;; esac
for b in janusd janus-baseline janus-bench; do
  [ -x "$BIN/$b" ] || { echo "bench/warmpool.sh: $BIN/$b missing: build first (ninja -C build)" >&2; exit 1; }
done

WHY="chosen with --runtime $RUNTIME"
if [ "$RUNTIME" = auto ]; then
  if timeout 10 docker info >/dev/null 2>&1 \
     && timeout 10 docker image inspect janus-baseline:latest >/dev/null 2>&1; then
    RUNTIME=docker; WHY="a Docker engine answers"
  else
    RUNTIME=process; WHY="no Docker engine (or no image janus-baseline:latest)"
  fi
fi

WORK=$(mktemp -d /tmp/janus-warmpool.XXXXXX)
ENGINE_ID=bench-warmpool-$$   # our own label: reconciliation never touches anyone else's containers
TOKEN=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
JANUSD=""; WATCHDOG=""

stop_janusd() {
  [ -n "$JANUSD" ] || return 0
  if kill -0 "$JANUSD" 2>/dev/null; then
    kill -TERM "$JANUSD" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$JANUSD" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$JANUSD" 2>/dev/null || true
  fi
  wait "$JANUSD" 2>/dev/null || true
  JANUSD=""
}
cleanup() {
  stop_janusd
  if [ "$RUNTIME" = docker ]; then
    docker ps -aq --filter "label=janus.engine=$ENGINE_ID" | xargs -r docker rm -f >/dev/null 2>&1 || true
  fi
  stop_watchdog "$WORK/watchdog"
}
trap cleanup EXIT
trap 'echo "bench/warmpool.sh: interrupted (signal or time limit)" >&2; exit 130' INT TERM
# The whole script is bounded: after 240 s the watchdog ends it (and the trap cleans up).
start_watchdog 240 "$WORK/watchdog"


write_config() { # min_warm port file
  {
    echo "server:"
    echo "  listen: \"127.0.0.1:$2\""
    echo "log:"
    echo "  level: info"
    echo "admin:"
    echo "  token: \"$TOKEN\""
    echo "runtime: $RUNTIME"
    if [ "$RUNTIME" = docker ]; then
      echo "docker:"
      echo "  engine_id: $ENGINE_ID"
      echo "  max_parallel_starts: 8"
    fi
    echo "models:"
    echo "  baseline:"
    if [ "$RUNTIME" = docker ]; then
      echo "    image: janus-baseline:latest"
      echo "    resources:"
      echo "      memory: 64MiB"
    else
      echo "    command: [\"janus-baseline\"]"
    fi
    if [ "$1" = demand ]; then
      echo "    min_warm: 0"
      echo "    prewarm_window: 1m"
    else
      echo "    min_warm: $1"
      echo "    prewarm_window: 0s"
    fi
    echo "    max_containers: $MAX_CONTAINERS"
    echo "    max_concurrency: 1"
    echo "    idle_ttl: $IDLE_TTL"
    echo "    stop_grace: 2s"
    echo "    queue_limit: 256"
    echo "    health:"
    echo "      interval: $HEALTH_INTERVAL"
  } > "$3"
}

ready_count() { # port: ready containers of model baseline, per /admin/pools
  curl -fs -m 2 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/admin/pools" 2>/dev/null \
    | python3 -c 'import json,sys
try:
    pools = json.load(sys.stdin)["pools"]
    print(sum(1 for c in pools[0]["containers"] if c["state"] == "ready"))
except Exception:
    print(-1)' 2>/dev/null || echo -1
}

echo "bench/warmpool.sh: runtime $RUNTIME ($WHY), steps $STEPS, concurrency $CONCURRENCY," \
     "max_containers $MAX_CONTAINERS, max_concurrency 1, idle_ttl $IDLE_TTL," \
     "$TOKENS tokens x ${TOKEN_DELAY} ms; work dir $WORK"
BENCH_ARGS=(--steps "$STEPS" --stream --max-tokens "$TOKENS" --baseline-tokens
            --body-extra "{\"janus_baseline\":{\"token_delay_ms\":$TOKEN_DELAY}}" -t 30s --drain 10s -q)
for mw in "${MIN_WARMS[@]}"; do
  port=$(free_port)
  write_config "$mw" "$port" "$WORK/janusd-$mw.yaml"
  t0=$(date +%s%N)
  PATH=$BIN:$PATH "$BIN/janusd" --config "$WORK/janusd-$mw.yaml" >"$WORK/janusd-$mw.log" 2>&1 &
  JANUSD=$!
  ok=""; mwn=$mw; [ "$mw" = demand ] && mwn=0
  for _ in $(seq 600); do   # up to 60 s for the pool to reach min_warm
    kill -0 "$JANUSD" 2>/dev/null || break
    if curl -fs -m 1 "http://127.0.0.1:$port/ready" >/dev/null 2>&1 \
       && [ "$(ready_count "$port")" -ge "$mwn" ]; then ok=1; break; fi
    sleep 0.1
  done
  if [ -z "$ok" ]; then
    echo "bench/warmpool.sh: janusd (min_warm $mw) did not get ready; its log:" >&2
    tail -20 "$WORK/janusd-$mw.log" >&2
    exit 1
  fi
  t1=$(date +%s%N)
  sleep 1   # let the start-up's last probes and log lines settle
  timeout 120 "$BIN/janus-bench" "${BENCH_ARGS[@]}" --json "$WORK/bench-$mw.json" \
    --csv "$WORK/bench-$mw.csv" "http://127.0.0.1:$port"
  ready_after=$(ready_count "$port")
  stop_janusd
  python3 -c 'import json,sys; print(json.dumps({"min_warm": int(sys.argv[1]), "ready_s": float(sys.argv[2]), "ready_after": int(sys.argv[3])}))' \
    "$mwn" "$(( (t1 - t0) / 1000000 ))e-3" "$ready_after" > "$WORK/run-$mw.json"
  echo "bench/warmpool.sh: min_warm $mw done ($(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["requests"], "requests,", d["start_kinds"])' "$WORK/bench-$mw.json"))"
done

python3 - "$WORK" "$RUNTIME ($WHY)" "$STEPS" "$RAMP" "$CONCURRENCY" "$MAX_CONTAINERS" "$IDLE_TTL" \
  "$TOKENS" "$TOKEN_DELAY" "$HEALTH_INTERVAL" "$MD" "$JSON" "${MIN_WARMS[@]}" <<'EOF'
import csv, json, re, sys

(work, runtime, steps, ramp, conc, maxc, idle_ttl, tokens, delay, health, md_path,
 json_path, *min_warms) = sys.argv[1:]
ramp = float(ramp)

def seconds(text):
    m = re.fullmatch(r"([0-9.]+)(ms|s|m|h)?", text)
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]
    return float(m.group(1)) * scale

# Load steps: [start, end) in seconds from the run's start, for steps with clients.
load_steps, t = [], 0.0
for part in steps.split(","):
    level, dur = part.split(":")
    d = seconds(dur)
    if int(level) > 0:
        load_steps.append((t, t + d))
    t += d

def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(-(-p * len(values) // 100)) - 1))  # nearest rank
    return values[k]

runs = []
for mw in min_warms:
    bench = json.load(open(f"{work}/bench-{mw}.json"))
    meta = json.load(open(f"{work}/run-{mw}.json"))
    rows = list(csv.DictReader(open(f"{work}/bench-{mw}.csv")))
    kinds = {k: 0 for k in ("cold", "prewarmed", "warm", "none")}
    cold_ramp = cold_steady = steady = 0
    ttft_steady = []
    for r in rows:
        kind = r["start"] or "none"
        kinds[kind] = kinds.get(kind, 0) + 1
        at = float(r["scheduled_s"])
        in_ramp = any(s <= at < s + ramp for s, e in load_steps)
        if not in_ramp:
            steady += 1
            if r["class"] == "ok" and r["ttft_ms"]:
                ttft_steady.append(float(r["ttft_ms"]))
        if kind == "cold":
            if in_ramp:
                cold_ramp += 1
            else:
                cold_steady += 1
    n = len(rows)
    runs.append({
        "pool": "demand-following, min_warm 0" if mw == "demand" else f"static, min_warm {mw}",
        "min_warm": meta["min_warm"], "prewarm": mw == "demand", "requests": n, "ok": bench["completed"], "errors": bench["failed"],
        "cold": kinds["cold"], "prewarmed": kinds["prewarmed"], "warm": kinds["warm"],
        "none": kinds["none"], "cold_fraction": kinds["cold"] / n if n else None,
        "ttft_p50_ms": bench["median_ttft_ms"], "ttft_p99_ms": bench["p99_ttft_ms"],
        "ttft_max_ms": bench["max_ttft_ms"],
        "cold_in_ramps": cold_ramp, "steady_requests": steady, "cold_at_steady_load": cold_steady,
        "ttft_p99_steady_ms": pct(ttft_steady, 99),
        "time_to_min_warm_s": meta["ready_s"], "ready_after_run": meta["ready_after"],
        "janus_bench": bench, "rows": rows,
    })

target = next((r for r in runs if r["min_warm"] >= int(conc)), None)
demand = next((r for r in runs if r["prewarm"]), None)
static0 = next((r for r in runs if not r["prewarm"] and r["min_warm"] == 0), None)

def cold_in_step(run, index):
    """Cold requests scheduled in load step `index` (0-based)."""
    if index >= len(load_steps):
        return None
    s, e = load_steps[index]
    return sum(1 for r in run["rows"] if r["start"] == "cold" and s <= float(r["scheduled_s"]) < e)
met = target is not None and target["cold_at_steady_load"] == 0 and target["errors"] == 0
setup = {
    "runtime": runtime.split()[0], "runtime_reason": runtime.split(' ', 1)[1].strip('()'), "steps": steps, "ramp_s": ramp, "concurrency": int(conc),
    "max_containers": int(maxc), "max_concurrency": 1, "idle_ttl": idle_ttl,
    "tokens": int(tokens), "token_delay_ms": int(delay), "health_interval": health,
    "load_steps_s": load_steps,
}

def f(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"

lines = []
lines.append("## Warm pool under a step load\n")
lines.append(
    f"janusd serves one model, `janus-baseline`, with the **{runtime.split()[0]}** runtime"
    f" ({runtime.split(' ', 1)[1].strip('()')}; {'Docker image janus-baseline:latest' if runtime.startswith('docker') else 'local janus-baseline processes'}):"
    f" `max_containers: {maxc}`, `max_concurrency: 1` (so clients map to containers one to one),"
    f" `idle_ttl: {idle_ttl}` (between the two load steps a static pool, `prewarm_window: 0s`, shrinks back to `min_warm`),"
    f" health probes every {health}. One janusd run per static `min_warm` (0, 2, 8) and one with"
    f" `min_warm: 0` and demand-following pre-warm (`prewarm_window: 1m`, docs/pool.md), each started afresh"
    f" and measured only once its pool reached `min_warm`. Each run is the same step profile"
    f" `{steps}` (seconds: idle, {conc} clients, idle, {conc} clients), streamed, {tokens} tokens"
    f" {delay} ms apart per answer (≈ {int(tokens) * int(delay)} ms).\n")
lines.append(
    f"The *ramp* is the first {ramp:g} s of each load step, when the pool grows to the load;"
    f" *steady load* is every request scheduled later in a load step ({', '.join(f'{s + ramp:g}–{e:g} s' for s, e in load_steps)}"
    f" from the start). TTFT counts from the request's scheduled time (queueing and cold starts"
    f" included). Start kinds are janusd's `x-janus-start`: `cold` waited for a container started"
    f" for it, `prewarmed` was a pool container's first request, `warm` a later one.\n")
lines.append("```sh\nbench/warmpool.sh --md FILE --json FILE   # per min_warm:\n"
             f"janus-bench --steps {steps} --stream --max-tokens {tokens} --baseline-tokens \\\n"
             f"  --body-extra '{{\"janus_baseline\":{{\"token_delay_ms\":{delay}}}}}' -t 30s --drain 10s \\\n"
             f"  --json F --csv F http://127.0.0.1:PORT\n```\n")
lines.append("| pool | requests | errors | cold | prewarmed | warm | cold fraction | TTFT p50 ms | TTFT p99 ms | cold in ramps | cold at steady load | TTFT p99 steady ms | time to min_warm s |")
lines.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in runs:
    lines.append(
        f"| {r['pool']} | {r['requests']} | {r['errors']} | {r['cold']} | {r['prewarmed']} | {r['warm']}"
        f" | {f(100 * r['cold_fraction'] if r['cold_fraction'] is not None else None)} %"
        f" | {f(r['ttft_p50_ms'])} | {f(r['ttft_p99_ms'])} | {r['cold_in_ramps']}"
        f" | {r['cold_at_steady_load']} of {r['steady_requests']} | {f(r['ttft_p99_steady_ms'])}"
        f" | {f(r['time_to_min_warm_s'])} |")
lines.append("")
lines.append("| measure | value | goal | met |")
lines.append("| --- | ---: | --- | --- |")
if target is not None:
    lines.append(
        f"| cold requests at steady load, min_warm {target['min_warm']} ≥ concurrency {conc}"
        f" ({target['steady_requests']} requests) | {target['cold_at_steady_load']}"
        f" | 0 (no cold request at steady load when min_warm ≥ concurrency) | {'yes' if met else 'no'} |")
    lines.append(
        f"| cold requests in the whole run, min_warm {target['min_warm']} (info) | {target['cold']} | – | – |")
second_met = None
if demand is not None and len(load_steps) > 1:
    second = cold_in_step(demand, 1)
    second_met = second == 0 and demand["errors"] == 0
    lines.append(
        f"| cold requests in the second load step, demand-following, min_warm 0 | {second}"
        f" | 0 (the pre-warm kept the capacity through the dip) | {'yes' if second_met else 'no'} |")
    if static0 is not None:
        lines.append(
            f"| cold requests in the second load step, static min_warm 0 (info) | {cold_in_step(static0, 1)} | – | – |")
for r in runs:
    r.pop("rows", None)
text = "\n".join(lines) + "\n"
if md_path:
    open(md_path, "w").write(text)
if json_path:
    json.dump({"setup": setup, "runs": runs, "target_met": met, "second_step_met": second_met},
              open(json_path, "w"), indent=1)
print(text)
EOF
echo "bench/warmpool.sh: raw results in $WORK"
