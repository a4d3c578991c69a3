#!/usr/bin/env bash
# Cold start: time to first token of a streamed request that finds no warm container, through
# janusd (docker runtime, min_warm 0) against what a user does by hand from a shell (`docker run
# -d -p 127.0.0.1::8080`, `docker port`, poll /health with curl, then the same request). Median
# of at least 10 each; janusd's start broken down into its phases from its own log. Bounded
# (with the defaults about 6 min on the busy 2-core development machine, 2 of them for the
# Python part), and every container it made is removed, even on failure. A second part does the
# same with the Python baseline (janus-python-baseline:latest,
# deploy/python-baseline: uvicorn and FastAPI, a boot of seconds, as a real Janus model boots):
# janusd against `docker run` + polling /health every 10 ms, its own janusd and ratio.
# janusd's Docker containers run isolated (the default: NetworkMode none, janus-init in front of
# the model, the platform endpoint made in its namespace); a second janusd runs them on the
# bridge with a published port, as the docker CLI does, for the isolated / bridged ratio; a
# third pauses its one container after 1 s idle, for the paused tier's resumed TTFT (goal: p50
# <= 25 ms; the Python part has one too).
#   bench/coldstart.sh [--reps N] [--md FILE] [--json FILE] [--no-process] [--no-python]
#                      [--startup-delay MS]
# --startup-delay makes the model server wait MS before it listens (JANUS_BASELINE_STARTUP_DELAY_MS,
# for janusd's containers and the CLI's alike, both images): a model that takes time to boot.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ROOT=$PWD
REPS=10; MD=; JSON=; PROCESS=1; PYTHON=1; DELAY=0
usage() { echo "usage: bench/coldstart.sh [--reps N (>= 10)] [--md FILE] [--json FILE] [--no-process] [--no-python] [--startup-delay MS]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --reps) [ $# -ge 2 ] || usage; REPS=$2; shift 2;;
    --md) [ $# -ge 2 ] || usage; MD=$2; shift 2;;
    --json) [ $# -ge 2 ] || usage; JSON=$2; shift 2;;
    --no-process) PROCESS=0; shift;;
    --no-python) PYTHON=0; shift;;
    --startup-delay) [ $# -ge 2 ] || usage; DELAY=$2; shift 2;;
    *) usage;;
  esac
done
[[ $REPS =~ ^[0-9]+$ ]] && [ "$REPS" -ge 10 ] && [ "$REPS" -le 200 ] \
  || { echo "bench/coldstart.sh: --reps must be between 10 and 200, got \"$REPS\"" >&2; exit 2; }
[[ $DELAY =~ ^[0-9]+$ ]] && [ "$DELAY" -le 10000 ] \
  || { echo "bench/coldstart.sh: --startup-delay must be 0 to 10000 (ms), got \"$DELAY\"" >&2; exit 2; }

BIN=${JANUS_BENCH_BIN:-$ROOT/build/bin}   # JANUS_BENCH_BIN: binaries of another build, to compare
IMAGE=janus-baseline:latest
PY_IMAGE=janus-python-baseline:latest
for b in janusd janus-bench janus-baseline; do
  [ -x "$BIN/$b" ] || { echo "bench/coldstart.sh: $BIN/$b not found; build first" >&2; exit 1; }
done
docker image inspect "$IMAGE" >/dev/null 2>&1 \
  || { echo "bench/coldstart.sh: image $IMAGE missing; run scripts/build-images.sh" >&2; exit 1; }
# Without the Python image the C++ part still runs, and the section says what is missing.
PY_MISSING=
if [ "$PYTHON" = 1 ] && ! docker image inspect "$PY_IMAGE" >/dev/null 2>&1; then
  echo "bench/coldstart.sh: image $PY_IMAGE missing (scripts/build-images.sh builds it): the Python part is skipped" >&2
  PYTHON=0; PY_MISSING=$PY_IMAGE
fi

WORK=$(mktemp -d /tmp/janus-coldstart.XXXXXX)
RUN=cold$$x$RANDOM                  # labels and names every container this run makes
ENGINE_ID=janus-coldbench-$RUN      # janusd's engine id: its containers carry janus.engine=<it>
PY_ENGINE_ID=$ENGINE_ID-py           # the Python part's janusd has its own
BRIDGE_ENGINE_ID=$ENGINE_ID-bridge   # and so has the janusd whose containers are bridged
RAW=$WORK/raw.jsonl
TOKEN=coldbench-$RANDOM$RANDOM
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  local left
  left=$( { docker ps -aq --filter "label=janus.coldbench=$RUN";
            docker ps -aq --filter "label=janus.engine=$ENGINE_ID";
            docker ps -aq --filter "label=janus.engine=$PY_ENGINE_ID";
            docker ps -aq --filter "label=janus.engine=$BRIDGE_ENGINE_ID";
            docker ps -aq --filter "label=janus.engine=$ENGINE_ID-resumed";
            docker ps -aq --filter "label=janus.engine=$ENGINE_ID-unprepared";
            docker ps -aq --filter "label=janus.engine=$PY_ENGINE_ID-resumed";
            docker ps -aq --filter "name=coldbench-$RUN-"; } 2>/dev/null | sort -u)
  if [ -n "$left" ]; then docker rm -f $left >/dev/null 2>&1 || true; fi
  exit $rc
}
trap cleanup EXIT
on_signal() { exit 130; }
trap on_signal INT TERM

# Milliseconds between two $EPOCHREALTIME readings (no fork, so nothing is added to what is timed).
ms_between() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000, 3))" "$1" "$2"; }
json_get() { # json_get FILE EXPR: prints eval(EXPR) with d = the file's JSON
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"
}
# One streamed request as janus-bench sends it; its TTFT counts from the moment it is sent to
# its first content chunk.
BENCH_ARGS=(-n 1 -c 1 --stream -t 30s --no-progress -q)

# -- janusd ---------------------------------------------------------------------------------
# start_janusd NAME RUNTIME METHOD [IMAGE ENGINE_ID NETWORK EXTRA]: a janusd with one model
# "baseline", min_warm 0 and no pre-warm (a drained pool stays empty), on a free port (Docker
# containers on NETWORK, isolated by default; EXTRA:
# more lines of the model's config); its iterations are recorded as METHOD.
declare -A JPORT JLOG JPID JMETHOD JENGINE
start_janusd() {
  local name=$1 runtime=$2 method=$3 image=${4:-$IMAGE} engine=${5:-$ENGINE_ID}
  local network=${6:-isolated} extra=${7:-} port; port=$(free_port)
  local model
  if [ "$runtime" = docker ]; then
    model="    image: $image
    network: $network"
  else
    model="    command: [\"$BIN/janus-baseline\"]"
  fi
  cat > "$WORK/$name.yaml" <<EOF
server:
  listen: "127.0.0.1:$port"
log:
  level: info
  format: json
runtime: $runtime
docker:
  engine_id: $engine
admin:
  token_env: JANUS_COLDBENCH_TOKEN
models:
  baseline:
$model
    env:
      JANUS_BASELINE_STARTUP_DELAY_MS: "$DELAY"
    min_warm: 0
    max_containers: 1
    idle_ttl: 10m
    startup_timeout: 60s
    stop_grace: 2s
    prewarm_window: 0s
$extra
EOF
  JANUS_COLDBENCH_TOKEN=$TOKEN "$BIN/janusd" --config "$WORK/$name.yaml" >"$WORK/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  JPORT[$name]=$port; JLOG[$name]=$WORK/$name.log; JPID[$name]=$pid
  JMETHOD[$name]=$method; JENGINE[$name]=$engine
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench/coldstart.sh: janusd ($runtime) did not become ready; its log:" >&2
  tail -20 "$WORK/$name.log" >&2
  exit 1
}

admin() { # admin NAME METHOD PATH
  curl -fs -m 5 -H "Authorization: Bearer $TOKEN" -X "$2" "http://127.0.0.1:${JPORT[$1]}$3"
}

janusd_gone() { # janusd_gone NAME: reports that janusd stopped answering, with its log's tail
  echo "bench/coldstart.sh: janusd ($1) does not answer its admin API; the end of its log:" >&2
  tail -20 "${JLOG[$1]}" >&2
  exit 1
}

# No container of the model runs, in janusd's pool nor (docker) in the engine; with PREPARED=1
# (docker) the engine holds exactly one of its containers created and not started (the pool's
# prepared container, docs/pool.md), with PREPARED=0 none at all.
declare -A JPREPARED
make_cold() {
  local name=$1 runtime=$2 pools states
  admin "$name" POST /admin/pools/baseline/drain >/dev/null || janusd_gone "$name"
  for _ in $(seq 200); do
    pools=$(admin "$name" GET /admin/pools) || janusd_gone "$name"
    if grep -q '"containers":\[\]' <<<"$pools"; then
      states=
      [ "$runtime" = docker ] && states=$(docker ps -a --filter "label=janus.engine=${JENGINE[$name]}" \
                                            --format '{{.State}}' | sort | tr '\n' ' ')
      if [ "$runtime" != docker ] || { [ "${JPREPARED[$name]:-0}" = 1 ] && [ "$states" = "created " ]; } \
         || { [ "${JPREPARED[$name]:-0}" = 0 ] && [ -z "$states" ]; }; then
        sleep 0.3 # let the daemon settle after the removal, so it does not overlap the start
        return 0
      fi
    fi
    sleep 0.05
  done
  echo "bench/coldstart.sh: the $name pool did not empty" >&2
  exit 1
}

# timed_request NAME REP KIND: one request to janusd NAME that must succeed with start kind KIND;
# prints its TTFT (ms).
timed_request() {
  local name=$1 rep=$2 kind=$3 out=$WORK/$1-$2.json ok started
  "$BIN/janus-bench" "${BENCH_ARGS[@]}" --json "$out" "http://127.0.0.1:${JPORT[$name]}" >/dev/null
  ok=$(json_get "$out" 'd["completed"]'); started=$(json_get "$out" "d['start_kinds'].get('$kind', 0)")
  if [ "$ok" != 1 ] || [ "$started" != 1 ]; then
    echo "bench/coldstart.sh: $name rep $rep: the request was not a successful $kind start" \
         "(ok=$ok $kind=$started): $(cat "$out")" >&2
    exit 1
  fi
  json_get "$out" 'd["median_ttft_ms"]'
}

# janusd_iteration NAME RUNTIME REP: one cold request; one line to RAW (rep 0 is a warm-up).
janusd_iteration() {
  local name=$1 runtime=$2 rep=$3 ttft
  make_cold "$name" "$runtime"
  local before; before=$(grep -c '"msg":"container ready"' "${JLOG[$name]}" || true)
  ttft=$(timed_request "$name" "$rep" cold)
  # janusd writes its log every 50 ms: wait for this start's "container ready" line.
  local ready=
  for _ in $(seq 40); do
    if [ "$(grep -c '"msg":"container ready"' "${JLOG[$name]}" || true)" -gt "$before" ]; then
      ready=$(grep '"msg":"container ready"' "${JLOG[$name]}" | tail -1); break
    fi
    sleep 0.05
  done
  [ -n "$ready" ] || { echo "bench/coldstart.sh: no container ready line in ${JLOG[$name]}" >&2; exit 1; }
  if [ "${JPREPARED[$name]:-0}" = 1 ] && ! grep -q '"prepared_ms"' <<<"$ready"; then
    # janusd's choice, e.g. the image was rebuilt since the container was prepared (its log says
    # why): counted in the summary, not an error.
    echo "bench/coldstart.sh: $name rep $rep: the cold start created its container (no prepared one taken)" >&2
  fi
  echo "{\"method\":\"${JMETHOD[$name]}\",\"rep\":$rep,\"ttft_ms\":$ttft,\"ready\":$ready}" >> "$RAW"
}

# The paused tier: the model's one container is paused 1 s after its last request, and the next
# request resumes it.
PAUSED_MODEL="    pause_after: 1s
    max_paused: 1"

# resumed_iteration NAME REP: one request that finds the model's only container paused; one
# line to RAW. The first repetition starts that container with a request of its own.
resumed_iteration() {
  local name=$1 rep=$2 pools ttft
  pools=$(admin "$name" GET /admin/pools) || janusd_gone "$name"
  if grep -q '"containers":\[\]' <<<"$pools"; then
    "$BIN/janus-bench" "${BENCH_ARGS[@]}" "http://127.0.0.1:${JPORT[$name]}" >/dev/null
  fi
  local paused=
  for _ in $(seq 200); do
    pools=$(admin "$name" GET /admin/pools) || janusd_gone "$name"
    if grep -q '"state":"paused"' <<<"$pools"; then paused=1; break; fi
    sleep 0.05
  done
  [ -n "$paused" ] || { echo "bench/coldstart.sh: $name rep $rep: the container was not paused: $pools" >&2; exit 1; }
  sleep 0.3 # let the freezer settle, as make_cold lets the daemon settle
  ttft=$(timed_request "$name" "$rep" resumed)
  echo "{\"method\":\"${JMETHOD[$name]}\",\"rep\":$rep,\"ttft_ms\":$ttft}" >> "$RAW"
}

# -- docker CLI -----------------------------------------------------------------------------
# cli_iteration INTERVAL_S REP [IMAGE PREFIX]: docker run, docker port, curl /health every
# INTERVAL, request; recorded as PREFIX-INTERVALs (default cli).
cli_iteration() {
  local interval=$1 rep=$2 image=${3:-$IMAGE} prefix=${4:-cli}
  local method=$prefix-${interval}s out=$WORK/$prefix-$1-$2.json
  local name=coldbench-$RUN-$prefix-$rep-${interval/./}
  local t0 t_run t_port t_health id hp port polls=0
  t0=$EPOCHREALTIME
  id=$(docker run -d --name "$name" --label "janus.coldbench=$RUN" -p 127.0.0.1::8080 \
         -e "JANUS_BASELINE_STARTUP_DELAY_MS=$DELAY" "$image")
  t_run=$EPOCHREALTIME
  hp=$(docker port "$id" 8080/tcp | head -1)
  t_port=$EPOCHREALTIME
  port=${hp##*:}
  until curl -fs -o /dev/null "http://127.0.0.1:$port/health"; do
    polls=$((polls + 1))
    [ "$polls" -lt 3000 ] || { echo "bench/coldstart.sh: $name never healthy" >&2; exit 1; }
    sleep "$interval"
  done
  t_health=$EPOCHREALTIME
  "$BIN/janus-bench" "${BENCH_ARGS[@]}" --json "$out" "http://127.0.0.1:$port" >/dev/null
  docker rm -f "$id" >/dev/null
  local ok ttft
  ok=$(json_get "$out" 'd["completed"]')
  [ "$ok" = 1 ] || { echo "bench/coldstart.sh: $method rep $rep failed: $(cat "$out")" >&2; exit 1; }
  ttft=$(json_get "$out" 'd["median_ttft_ms"]')
  echo "{\"method\":\"$method\",\"rep\":$rep,\"run_ms\":$(ms_between "$t0" "$t_run"),\"port_ms\":$(ms_between "$t_run" "$t_port"),\"health_ms\":$(ms_between "$t_port" "$t_health"),\"polls\":$polls,\"request_ttft_ms\":$ttft,\"ttft_ms\":$(python3 -c "print(round($(ms_between "$t0" "$t_health") + $ttft, 3))")}" >> "$RAW"
}

# -- the runs -------------------------------------------------------------------------------
# jd and jb keep the model's one prepared container (prepare_ahead: 1, the default): a cold start
# takes it and skips the create; jn is jd without it (prepare_ahead: 0), for the ratio of the two.
JPREPARED[jd]=1; JPREPARED[jb]=1; JPREPARED[jy]=1
start_janusd jd docker janusd-docker
start_janusd jn docker janusd-docker-unprepared "$IMAGE" "$ENGINE_ID-unprepared" isolated \
  "    prepare_ahead: 0"
start_janusd jb docker janusd-docker-bridge "$IMAGE" "$BRIDGE_ENGINE_ID" bridge
start_janusd jr docker janusd-docker-resumed "$IMAGE" "$ENGINE_ID-resumed" isolated "$PAUSED_MODEL"
[ "$PROCESS" = 1 ] && start_janusd jp process janusd-process
echo "bench/coldstart.sh: $REPS repetitions (+1 warm-up) of each method; work dir $WORK" >&2
for rep in $(seq 0 "$REPS"); do
  # Interleaved, so a noisy neighbour hits every method alike.
  janusd_iteration jd docker "$rep"
  janusd_iteration jn docker "$rep"
  janusd_iteration jb docker "$rep"
  resumed_iteration jr "$rep"
  cli_iteration 0.01 "$rep"
  cli_iteration 0.1 "$rep"
  [ "$PROCESS" = 1 ] && janusd_iteration jp process "$rep"
  echo -n "." >&2
done
echo >&2
# The Python part: its own janusd (and engine id), after the C++ part, interleaved the same way.
if [ "$PYTHON" = 1 ]; then
  start_janusd jy docker janusd-docker-python "$PY_IMAGE" "$PY_ENGINE_ID"
  start_janusd jz docker janusd-docker-python-resumed "$PY_IMAGE" "$PY_ENGINE_ID-resumed" isolated \
    "$PAUSED_MODEL"
  echo "bench/coldstart.sh: the Python baseline, $REPS repetitions (+1 warm-up) of each method" >&2
  for rep in $(seq 0 "$REPS"); do
    janusd_iteration jy docker "$rep"
    resumed_iteration jz "$rep"
    cli_iteration 0.01 "$rep" "$PY_IMAGE" cli-python
    echo -n "." >&2
  done
  echo >&2
fi

python3 - "$RAW" "$REPS" "${MD:-}" "${JSON:-}" "$IMAGE" "$DELAY" "$([ "$PYTHON" = 1 ] && echo "$PY_IMAGE")" "$PY_MISSING" <<'PY'
import json, sys, platform, subprocess
raw, reps, md_path, json_path, image = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
delay = int(sys.argv[6])
py_image, py_missing = sys.argv[7], sys.argv[8]
rows = [json.loads(l) for l in open(raw)]
measured = [r for r in rows if r["rep"] > 0]   # rep 0 is the warm-up

def pct(values, p):  # nearest rank
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(1, -(-len(v) * p // 100))
    return v[int(k) - 1]

def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2

def of(method, key=None, ready_key=None):
    out = []
    for r in measured:
        if r["method"] != method:
            continue
        if ready_key is not None:
            if ready_key in r["ready"]:
                out.append(r["ready"][ready_key])
        else:
            out.append(r[key])
    return out

methods = [("janusd-docker", "janusd, docker runtime, isolated (request → first token)"),
           ("janusd-docker-unprepared", "janusd, docker runtime, isolated, `prepare_ahead: 0` (no prepared container; info)"),
           ("janusd-docker-bridge", "janusd, docker runtime, bridged (published port; info)"),
           ("janusd-docker-resumed", "janusd, docker runtime, a paused container resumed"),
           ("cli-0.01s", "docker CLI: run + port + curl /health every 10 ms + request"),
           ("cli-0.1s", "docker CLI: run + port + curl /health every 100 ms + request"),
           ("janusd-process", "janusd, process runtime (info)"),
           ("janusd-docker-python", "Python baseline: janusd, docker runtime (request → first token)"),
           ("cli-python-0.01s", "Python baseline: docker CLI, curl /health every 10 ms + request"),
           ("janusd-docker-python-resumed", "Python baseline: janusd, a paused container resumed")]
summary = {}
for m, _ in methods:
    t = of(m, "ttft_ms")
    if t:
        summary[m] = {"n": len(t), "median_ms": median(t), "p90_ms": pct(t, 90),
                      "min_ms": min(t), "max_ms": max(t)}

def phases(method, names):
    out = {}
    for n in names:
        v = of(method, ready_key=n)
        if v:
            out[n] = {"median_ms": median(v), "p90_ms": pct(v, 90)}
    return out

phase_names = ["wait_ms", "image_ms", "prepared_ms", "create_ms", "run_ms", "port_ms", "inspect_ms",
               "netns_ms", "ready_ms", "probes", "start_ms"]
docker_phases = phases("janusd-docker", phase_names)
unprepared_phases = phases("janusd-docker-unprepared", phase_names)
bridge_phases = phases("janusd-docker-bridge", phase_names)
python_phases = phases("janusd-docker-python", phase_names)
process_phases = phases("janusd-process", ["wait_ms", "spawn_ms", "ready_ms", "probes", "start_ms"])
cli_phases = {}
for m in ("cli-0.01s", "cli-0.1s", "cli-python-0.01s"):
    if not of(m, "run_ms"):
        continue
    cli_phases[m] = {k: {"median_ms": median(of(m, k)), "p90_ms": pct(of(m, k), 90)}
                     for k in ("run_ms", "port_ms", "health_ms", "polls", "request_ttft_ms")}
# janusd's own part of each cold TTFT: everything but the engine's create and start calls.
engine_ms, own_ms = [], []
for r in measured:
    if r["method"] == "janusd-docker" and "run_ms" in r["ready"]:
        # With a prepared container there is no create on the cold path (0 ms).
        engine = r["ready"].get("create_ms", 0) + r["ready"]["run_ms"]
        engine_ms.append(engine)
        own_ms.append(r["ttft_ms"] - engine)
split = {"engine_create_start_ms": median(engine_ms), "janusd_own_ms": median(own_ms)} if own_ms else {}
ratio = summary["janusd-docker"]["median_ms"] / summary["cli-0.01s"]["median_ms"]
ratio100 = summary["janusd-docker"]["median_ms"] / summary["cli-0.1s"]["median_ms"]
isolation_ratio = summary["janusd-docker"]["median_ms"] / summary["janusd-docker-bridge"]["median_ms"]
prepared_ratio = (summary["janusd-docker"]["median_ms"] / summary["janusd-docker-unprepared"]["median_ms"]
                  if "janusd-docker-unprepared" in summary else None)
# Cold starts of the isolated janusd that took the prepared container (the others created theirs,
# e.g. because the image was rebuilt meanwhile).
took_prepared = sum(1 for r in measured if r["method"] == "janusd-docker" and "prepared_ms" in r["ready"])
took_total = sum(1 for r in measured if r["method"] == "janusd-docker")
isolation_goal = 1.0
resumed_goal_ms = 25.0
resumed = {m: summary[m]["median_ms"] for m in ("janusd-docker-resumed", "janusd-docker-python-resumed")
           if m in summary}
python = {}
if "janusd-docker-python" in summary and "cli-python-0.01s" in summary:
    python = {"image": py_image, "ratio_vs_cli_10ms": summary["janusd-docker-python"]["median_ms"]
              / summary["cli-python-0.01s"]["median_ms"], "janusd_docker_phases": python_phases}
goal = 0.5
result = {"reps": reps, "image": image, "startup_delay_ms": delay, "summary": summary, "janusd_docker_phases": docker_phases,
          "janusd_docker_bridge_phases": bridge_phases, "janusd_docker_unprepared_phases": unprepared_phases,
          "ratio_prepared_vs_unprepared": prepared_ratio, "took_prepared": took_prepared, "cold_starts": took_total, "ratio_isolated_vs_bridged": isolation_ratio,
          "isolation_goal": isolation_goal, "resumed_median_ms": resumed, "resumed_goal_ms": resumed_goal_ms,
          "janusd_process_phases": process_phases, "cli_phases": cli_phases, "split": split,
          "ratio_vs_cli_10ms": ratio, "ratio_vs_cli_100ms": ratio100, "goal": goal,
          "met": ratio <= goal, "python": python, "raw": rows}
if json_path:
    with open(json_path, "w") as f:
        json.dump(result, f, indent=1)

def f(x):
    return f"{x:.1f}"

try:
    docker_version = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"],
                                    capture_output=True, text=True, timeout=10).stdout.strip()
except Exception:
    docker_version = "?"
lines = ["## Cold start", "",
         f"Time to first token of a streamed request that finds no warm container, median of {reps} "
         f"repetitions per method (after one warm-up each), the methods interleaved in every "
         f"repetition. Image `{image}` (a static binary, 16 tokens), Docker {docker_version}, "
         f"{platform.machine()} with {__import__('os').cpu_count()} cores shared with other work.",
         "",
         "- **janusd**: `runtime: docker`, model `baseline` with `min_warm: 0`, `max_containers: 1`, "
         "`prewarm_window: 0s` (no demand-following pre-warm: the drained pool stays empty), "
         "`network: isolated` (the default: no network, janus-init in front of the model, its "
         "platform endpoint made in its namespace); a second janusd with `network: bridge` (a "
         "published port, as the docker CLI runs it), each with its own engine id. "
         "`prepare_ahead: 1` (the default): the model's next container waits created, not started, "
         "and the cold start takes it (no create on its path; a fourth janusd with `prepare_ahead: 0` "
         "is the same without it). "
         "Before each request the pool is drained (`POST /admin/pools/baseline/drain`) until janusd "
         "lists no container and `docker ps -a` shows none of its engine but the one prepared "
         "container (none with `prepare_ahead: 0`), then 0.3 s of quiet. One "
         "request `janus-bench -n 1 -c 1 --stream`; its answer must carry `x-janus-start: cold`. "
         "TTFT runs from sending the request to the first SSE data frame.",
         "- **docker CLI** (what a user does by hand): from just before `docker run -d -p "
         "127.0.0.1::8080 " + image + "` through `docker port`, a `curl -fs /health` loop with "
         "`sleep 0.01` (or `sleep 0.1`) between tries, then the same request's TTFT (janus-bench "
         "start-up not counted, as for janusd). The container is removed after each repetition.",
         "- **janusd, resumed**: a third janusd (isolated) whose model pauses its one container 1 s "
         "after its last request (`pause_after: 1s`, `max_paused: 1`); before "
         "each request `GET /admin/pools` shows it `paused` (then 0.3 s of quiet), and the answer must "
         "say `x-janus-start: resumed`: Docker's unpause, janusd's check of the resumed container, "
         "the request.",
         "- **janusd, process runtime** (info): the same as janusd but each container is a local "
         "`janus-baseline` child process.",
         *([f"- **Python baseline**: the same janusd and 10 ms CLI methods with `{py_image}` "
            "(deploy/python-baseline: the same echo model on FastAPI and uvicorn, on Debian), which "
            "boots in seconds as a real Janus model does, in a second part after the first, with "
            "its own janusd."] if python else []),
         *([f"- **Python baseline**: not measured in this run: the image `{py_missing}` is missing "
            "(`scripts/build-images.sh` builds it)."] if py_missing else []),
         *([f"- The model server waits {delay} ms before it listens (`JANUS_BASELINE_STARTUP_DELAY_MS`, "
            "every method): a model that takes time to boot."] if delay else []),
         "",
         "Command: `bench/coldstart.sh --reps " + str(reps) + (f" --startup-delay {delay}" if delay else "")
         + ("" if python or py_missing else " --no-python") + "`.", "",
         "| method | median ms | p90 ms | min ms | max ms |", "| --- | ---: | ---: | ---: | ---: |"]
for m, label in methods:
    if m in summary:
        s = summary[m]
        lines.append(f"| {label} | {f(s['median_ms'])} | {f(s['p90_ms'])} | {f(s['min_ms'])} | {f(s['max_ms'])} |")
lines += ["", "janusd's start, from its `container ready` log line (median / p90 ms):", "",
          "| phase | isolated | isolated, no prepared container | bridged | " + ("Python baseline | " if python else "") + "meaning |",
          "| --- | ---: | ---: | ---: | " + ("---: | " if python else "") + "--- |"]
meaning = {"wait_ms": "start asked → the runtime begins it (a free start slot, thread hops)",
           "image_ms": "a prepared container: the image's id read afresh (`GET /images/{name}/json`); else the image read when not cached",
           "prepared_ms": "marker (0): the start took a prepared container, created ahead (no create on its path)",
           "create_ms": "`POST /containers/create` (absent when a prepared container was taken)",
           "run_ms": "`POST /containers/{id}/start`",
           "port_ms": "bridged: inspect until the host port is published",
           "inspect_ms": "isolated: inspect for the container's pid (its network namespace)",
           "netns_ms": "isolated: the platform endpoint and first sockets made in its namespace",
           "ready_ms": "started → first healthy `/health` probe",
           "probes": "readiness probes sent (count)",
           "start_ms": "whole start: start asked → ready"}
def cell(p):
    return f"{f(p['median_ms'])} / {f(p['p90_ms'])} | " if p else "– | "
for k in phase_names:
    if k in docker_phases or k in bridge_phases or k in unprepared_phases:
        py_cell = cell(python_phases.get(k)) if python else ""
        lines.append(f"| `{k}` | {cell(docker_phases.get(k))}{cell(unprepared_phases.get(k))}"
                     f"{cell(bridge_phases.get(k))}{py_cell}{meaning[k]} |")
if split:
    lines += ["", f"Of janusd's cold TTFT, the Docker engine's create (none: a prepared container) and start calls take a median of "
              f"{f(split['engine_create_start_ms'])} ms; janusd's own part (start slot, port inspect, "
              f"readiness probe, routing, relaying the first frame) {f(split['janusd_own_ms'])} ms."]
lines += ["", "docker CLI phases (median ms): " + "; ".join(
    f"{m}: run {f(c['run_ms']['median_ms'])}, port {f(c['port_ms']['median_ms'])}, "
    f"health {f(c['health_ms']['median_ms'])} ({f(c['polls']['median_ms'])} failed polls), "
    f"request {f(c['request_ttft_ms']['median_ms'])}" for m, c in cli_phases.items())]
if process_phases:
    lines += ["", "Process runtime (median ms): " + ", ".join(
        f"`{k}` {f(v['median_ms'])}" for k, v in process_phases.items())]
lines += ["", "| measure | value | goal | met |", "| --- | ---: | ---: | :---: |",
          f"| cold-start TTFT, janusd / docker CLI (10 ms poll) | {ratio:.2f}× | ≤ {goal}× | {'yes' if ratio <= goal else 'no'} |",
          f"| cold-start TTFT, janusd / docker CLI (100 ms poll) | {ratio100:.2f}× | (info) | |",
          *([f"| cold-start TTFT, janusd with / without a prepared container | {prepared_ratio:.2f}× | (info) | |",
             f"| janusd's cold starts that took the prepared container | {took_prepared} of {took_total} | (info) | |"]
            if prepared_ratio is not None else []),
          f"| cold-start TTFT, janusd isolated / bridged | {isolation_ratio:.2f}× | ≤ {isolation_goal:.2f}× | {'yes' if isolation_ratio <= isolation_goal else 'no'} |",
          *[f"| resumed TTFT p50{', Python baseline' if 'python' in m else ''} | {v:.1f} ms | ≤ {resumed_goal_ms:.0f} ms | "
            f"{'yes' if v <= resumed_goal_ms else 'no'} |" for m, v in resumed.items()],
          *([f"| cold-start TTFT, Python baseline, janusd / docker CLI (10 ms poll) | "
             f"{python['ratio_vs_cli_10ms']:.2f}× | (info: the boot dominates) | info |"] if python else []),
          ""]
text = "\n".join(lines)
if md_path:
    with open(md_path, "w") as fh:
        fh.write(text + "\n")
print(text)
PY
echo "bench/coldstart.sh: raw results in $RAW" >&2
