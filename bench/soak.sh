#!/usr/bin/env bash
# The soak (issue 9): janusd under mixed streaming load for MINUTES (10 by default; 30 for a
# release: `bench/soak.sh 30`), with clients that hang up mid-stream, a container killed every
# 60 s and a pool drained through the admin API every 60 s (30 s after each kill). janusd's RSS
# and open descriptors are sampled every 10 s. At the end it prints the RSS growth after the
# warm-up (the first 2 minutes, or the first fifth of a shorter run; the goal is < 5 %), the
# descriptors after the load against those before it, and every failed request matched to a
# killed container (or not). Bounded (MINUTES + 3 min), on a free loopback port, with its own
# Docker label (janus.engine=bench-soak-<pid>); cleans up on any exit.
#   bench/soak.sh [MINUTES] [--md FILE] [--json FILE] [--runtime auto|docker|process]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. bench/lib.sh
BIN=${JANUS_BENCH_BIN:-$ROOT/build/bin}  # JANUS_BENCH_BIN=DIR: the binaries of another build
MINUTES=10; MD=""; JSON=""; RUNTIME=auto; CLIENTS=8
usage() {
  echo "usage: bench/soak.sh [MINUTES] [--md FILE] [--json FILE] [--runtime auto|docker|process]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --md) MD=$2; shift 2;; --json) JSON=$2; shift 2;; --runtime) RUNTIME=$2; shift 2;;
    [0-9]*) MINUTES=$1; shift;;
    *) usage;;
  esac
done
case $RUNTIME in auto|docker|process) ;; *) usage;; esac
for b in janusd janus-baseline; do
  [ -x "$BIN/$b" ] || { echo "bench/soak.sh: $BIN/$b missing: build first (scripts/build.sh)" >&2; exit 1; }
done
if [ "$RUNTIME" = auto ]; then
  if timeout 10 docker info >/dev/null 2>&1 \
     && timeout 10 docker image inspect janus-baseline:latest >/dev/null 2>&1; then
    RUNTIME=docker
  else
    RUNTIME=process
  fi
fi

WORK=$(mktemp -d /tmp/janus-soak.XXXXXX)
ENGINE_ID=bench-soak-$$
TOKEN=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
JANUSD=""; CLIENT=""; WATCHDOG=""
stop_janusd() {
  [ -n "$JANUSD" ] || return 0
  if kill -0 "$JANUSD" 2>/dev/null; then
    kill -TERM "$JANUSD" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$JANUSD" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$JANUSD" 2>/dev/null || true
  fi
  wait "$JANUSD" 2>/dev/null || true
  JANUSD=""
}
cleanup() {
  [ -n "$CLIENT" ] && kill "$CLIENT" 2>/dev/null || true
  stop_janusd
  if [ "$RUNTIME" = docker ]; then
    docker ps -aq --filter "label=janus.engine=$ENGINE_ID" | xargs -r docker rm -f >/dev/null 2>&1 || true
  fi
  stop_watchdog "$WORK/watchdog"
}
trap cleanup EXIT
trap 'echo "bench/soak.sh: interrupted (signal or time limit)" >&2; exit 130' INT TERM
start_watchdog $((MINUTES * 60 + 180)) "$WORK/watchdog"

PORT=$(free_port)
{
  echo "server:"
  echo "  listen: \"127.0.0.1:$PORT\""
  echo "  threads: 2"
  echo "log:"
  echo "  level: info"
  echo "admin:"
  echo "  token: \"$TOKEN\""
  echo "runtime: $RUNTIME"
  if [ "$RUNTIME" = docker ]; then
    echo "docker:"
    echo "  engine_id: $ENGINE_ID"
  fi
  echo "models:"
  for model in m n; do
    echo "  $model:"
    if [ "$RUNTIME" = docker ]; then
      echo "    image: janus-baseline:latest"
      echo "    resources:"
      echo "      memory: 64MiB"
    else
      echo "    command: [\"janus-baseline\"]"
    fi
    echo "    min_warm: 2"
    echo "    max_containers: 4"
    echo "    max_concurrency: 4"
    echo "    idle_ttl: 20s"
    echo "    stop_grace: 5s"
    echo "    health:"
    echo "      interval: 2s"
  done
} > "$WORK/janusd.yaml"
PATH=$BIN:$PATH "$BIN/janusd" --config "$WORK/janusd.yaml" > "$WORK/janusd.log" 2>&1 &
JANUSD=$!
for _ in $(seq 300); do
  curl -fs -m 1 "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
  kill -0 "$JANUSD" 2>/dev/null || { echo "bench/soak.sh: janusd exited:" >&2; cat "$WORK/janusd.log" >&2; exit 1; }
  sleep 0.1
done
curl -fs -m 1 "http://127.0.0.1:$PORT/ready" >/dev/null || { echo "bench/soak.sh: janusd not ready in 30 s" >&2; exit 1; }

sample() { # phase: one line "t rss_kib fds phase"
  local rss fds
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$JANUSD/status")
  fds=$(ls "/proc/$JANUSD/fd" | wc -l)
  echo "$(date +%s.%N) $rss $fds $1" >> "$WORK/samples.txt"
}
containers_of() { # model: running container ids (docker) or child pids (process)
  if [ "$RUNTIME" = docker ]; then
    docker ps -q --filter "label=janus.engine=$ENGINE_ID" --filter "label=janus.model=$1"
  else
    curl -fs -m 2 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/admin/pools" \
      | python3 -c 'import json,sys
for p in json.load(sys.stdin)["pools"]:
    if p["model"] == sys.argv[1]:
        for c in p["containers"]:
            if c["state"] == "ready": print(c["id"])' "$1"
  fi
}
kill_one() { # model
  local victim
  victim=$(containers_of "$1" | shuf -n 1)
  [ -n "$victim" ] || return 0
  local at
  at=$(date +%s.%N)  # before the kill: `docker kill` itself takes a while on a busy machine
  if [ "$RUNTIME" = docker ]; then
    docker kill "$victim" >/dev/null 2>&1 || return 0
  else
    # The process runtime's id is the child's pid.
    kill -KILL "$victim" 2>/dev/null || return 0
  fi
  echo "$at kill $1 $victim" >> "$WORK/events.txt"
}
drain() { # model
  curl -fs -m 5 -X POST -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$PORT/admin/pools/$1/drain" >/dev/null 2>&1 || true
  echo "$(date +%s.%N) drain $1 -" >> "$WORK/events.txt"
}

: > "$WORK/events.txt"
sample idle
SECONDS_TOTAL=$((MINUTES * 60))
echo "bench/soak.sh: $MINUTES min, runtime $RUNTIME, $CLIENTS clients, janusd pid $JANUSD, work dir $WORK"
python3 bench/soak_client.py "$PORT" "$SECONDS_TOTAL" "$CLIENTS" "$WORK/requests.jsonl" &
CLIENT=$!
start=$(date +%s)
tick=0
models=(m n)
while kill -0 "$CLIENT" 2>/dev/null; do
  sleep 10
  tick=$((tick + 1))
  kill -0 "$JANUSD" 2>/dev/null || { echo "bench/soak.sh: janusd died" >&2; break; }
  sample load
  if [ $((tick % 6)) -eq 3 ]; then kill_one "${models[$(((tick / 6) % 2))]}"; fi
  if [ $((tick % 6)) -eq 0 ]; then drain "${models[$(((tick / 6) % 2))]}"; fi
  printf '\r  %d/%d s' $(( $(date +%s) - start )) "$SECONDS_TOTAL"
done
echo
wait "$CLIENT" || true
CLIENT=""
# Load over: idle containers above min_warm stop after idle_ttl (20 s), then descriptors settle.
sleep 30
sample after
LEFT=-1
if kill -0 "$JANUSD" 2>/dev/null; then
  kill -TERM "$JANUSD"
  for _ in $(seq 300); do kill -0 "$JANUSD" 2>/dev/null || break; sleep 0.1; done
  wait "$JANUSD" 2>/dev/null && EXIT=0 || EXIT=$?
  JANUSD=""
  if [ "$RUNTIME" = docker ]; then
    LEFT=$(docker ps -aq --filter "label=janus.engine=$ENGINE_ID" | wc -l)
  else
    LEFT=0
  fi
else
  EXIT=died
fi

VERSION=$("$BIN/janusd" --version 2>/dev/null | head -1)
python3 - "$WORK" "$MINUTES" "$RUNTIME" "$CLIENTS" "$EXIT" "$LEFT" "${MD:-}" "${JSON:-}" "$VERSION" <<'PY'
import json, sys
work, minutes, runtime, clients, exit_status, left, md, js, version = sys.argv[1:10]
minutes = float(minutes)
samples = [l.split() for l in open(work + "/samples.txt")]
samples = [(float(t), int(r), int(f), p) for t, r, f, p in samples]
events = [l.split() for l in open(work + "/events.txt")]
kills = [(float(t), m, c) for t, what, m, c in events if what == "kill"]
drains = [(float(t), m) for t, what, m, c in events if what == "drain"]
reqs = [json.loads(l) for l in open(work + "/requests.jsonl")]
t_start = samples[0][0]
warm_up = min(120.0, minutes * 60 / 5)
load = [s for s in samples if s[3] == "load"]
after_warm = [s for s in load if s[0] - t_start >= warm_up] or load
rss_warm = after_warm[0][1]
rss_end = load[-1][1]
rss_max = max(s[1] for s in after_warm)
growth = (rss_end - rss_warm) * 100.0 / rss_warm
fds_idle = samples[0][2]
fds_after = [s for s in samples if s[3] == "after"][-1][2]
fds_max = max(s[2] for s in load)
outcomes = {}
for r in reqs:
    outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
failed = [r for r in reqs if r["outcome"] not in ("ok", "aborted")]
short = lambda c: c[:12]
killed = {short(c): t for t, m, c in kills}
def explain(r):
    c = short(r.get("container", ""))
    if c and c in killed and killed[c] <= r["t1"] <= killed[c] + 15:
        return "its container was killed"
    for t, m, c2 in kills:  # no container named (an answer before the head): by time
        if not c and t <= r["t1"] <= t + 15:
            return "a container was killed then (no container named)"
    return "unexplained"
matched = {}
for r in failed:
    why = explain(r)
    matched[why] = matched.get(why, 0) + 1
unexplained = matched.get("unexplained", 0)
summary = {
    "minutes": minutes, "janusd_version": version, "runtime": runtime, "clients": clients, "requests": len(reqs),
    "outcomes": outcomes, "kills": len(kills), "drains": len(drains), "failed": len(failed),
    "failed_explained": matched, "unexplained": unexplained,
    "rss_kib_at_warm_up_end": rss_warm, "rss_kib_at_end": rss_end, "rss_kib_max": rss_max,
    "rss_growth_percent": round(growth, 2), "warm_up_s": warm_up,
    "fds_before_load": fds_idle, "fds_max_under_load": fds_max, "fds_after_load": fds_after,
    "janusd_exit": exit_status, "containers_left_after_sigterm": int(left),
    "samples": [{"t": round(s[0] - t_start, 1), "rss_kib": s[1], "fds": s[2], "phase": s[3]}
                for s in samples],
}
print("requests: %d (%s)" % (len(reqs), ", ".join("%s %d" % kv for kv in sorted(outcomes.items()))))
print("kills: %d, drains: %d" % (len(kills), len(drains)))
print("RSS after warm-up (%.0f s): %d KiB, at the end: %d KiB, max %d KiB: growth %.2f %% (goal < 5 %%)"
      % (warm_up, rss_warm, rss_end, rss_max, growth))
print("fds: %d before the load, at most %d under it, %d after it" % (fds_idle, fds_max, fds_after))
print("failed requests: %d; %s" % (len(failed), ", ".join("%s: %d" % kv for kv in matched.items()) or "none"))
print("janusd exit: %s, containers left after SIGTERM: %s" % (exit_status, left))
if js:
    json.dump(summary, open(js, "w"), indent=1)
if md:
    with open(md, "w") as out:
        w = lambda s="": out.write(s + "\n")
        w("## Soak (`bench/soak.sh %g`)\n" % minutes)
        w("%g minutes, runtime %s, %s closed-loop clients (70 %% streams of 4-40 tokens 20 ms apart, "
          "30 %% whole answers; a fifth of the streams hang up after 1-6 frames), two models of "
          "min_warm 2, max 4 containers; a container killed every 60 s, a pool drained every 60 s.\n"
          % (minutes, runtime, clients))
        w("| measure | value | goal |")
        w("|---|---:|---|")
        w("| requests | %d | – |" % len(reqs))
        for k, v in sorted(outcomes.items()):
            w("| outcome `%s` | %d | – |" % (k, v))
        w("| containers killed / pools drained | %d / %d | – |" % (len(kills), len(drains)))
        w("| RSS after warm-up (%.0f s) → end | %d → %d KiB | – |" % (warm_up, rss_warm, rss_end))
        w("| RSS growth after warm-up | %.2f %% | < 5 %% |" % growth)
        w("| descriptors before load / max under load / after load | %d / %d / %d | back to the first |"
          % (fds_idle, fds_max, fds_after))
        w("| failed requests | %d | each explained by a killed container |" % len(failed))
        for k, v in matched.items():
            w("| … %s | %d | %s |" % (k, v, "0" if k == "unexplained" else "–"))
        w("| janusd exit after SIGTERM, containers left | %s, %s | 0, 0 |" % (exit_status, left))
        w("")
PY
echo "bench/soak.sh: work dir $WORK (janusd.log, samples.txt, events.txt, requests.jsonl)"
