#!/usr/bin/env bash
# Scale (issue 5, item 5): janusd managing N process-backend containers (janus-baseline
# processes; N = 200 and 1000) and then 50 Docker containers. Per case: time until all N are
# ready, janusd's memory (VmRSS, VmHWM, smaps_rollup Pss and anonymous) and CPU (utime + stime,
# % of one core) while idle over a window of several health-check rounds, then under a light
# load (info). Bounded (about 3-4 min in all); cleans up every child and container on any exit.
#   bench/scale.sh [--md FILE] [--json FILE] [--counts "200 1000"] [--docker N] [--idle SECS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. bench/lib.sh
BIN=$ROOT/build/bin
MD=""; JSON=""; COUNTS="200 1000"; DOCKER_N=50; IDLE=10; LOAD=6
HEALTH_INTERVAL=2   # seconds between two probes of one container: IDLE/2 rounds in the window
SOFT_NOFILE=1024    # janusd is started with the usual default soft fd limit (it raises it itself)
usage() {
  echo "usage: bench/scale.sh [--md FILE] [--json FILE] [--counts \"200 1000\"] [--docker N] [--idle SECS]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --md) MD=$2; shift 2;; --json) JSON=$2; shift 2;; --counts) COUNTS=$2; shift 2;;
    --docker) DOCKER_N=$2; shift 2;; --idle) IDLE=$2; shift 2;;
    *) usage;;
  esac
done
for b in janusd janus-baseline janus-bench; do
  [ -x "$BIN/$b" ] || { echo "bench/scale.sh: $BIN/$b missing: build first (ninja -C build)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/janus-scale.XXXXXX)
ENGINE_ID=bench-scale-$$   # our own label: reconciliation never touches anyone else's containers
TOKEN=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
JANUSD=""; WATCHDOG=""; USED_DOCKER=""
RESULTS=$WORK/results.jsonl
: > "$RESULTS"

stop_janusd() {
  [ -n "$JANUSD" ] || return 0
  if kill -0 "$JANUSD" 2>/dev/null; then
    kill -TERM "$JANUSD" 2>/dev/null || true
    for _ in $(seq 400); do kill -0 "$JANUSD" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$JANUSD" 2>/dev/null || true   # its children die with it (PR_SET_PDEATHSIG)
  fi
  wait "$JANUSD" 2>/dev/null || true
  JANUSD=""
}
cleanup() {
  stop_janusd
  if [ -n "$USED_DOCKER" ]; then
    docker ps -aq --filter "label=janus.engine=$ENGINE_ID" | xargs -r docker rm -f >/dev/null 2>&1 || true
  fi
  stop_watchdog "$WORK/watchdog"
}
trap cleanup EXIT
trap 'echo "bench/scale.sh: interrupted (signal or time limit)" >&2; exit 130' INT TERM
# The whole script is bounded: after 330 s the watchdog ends it (and the trap cleans up).
start_watchdog 330 "$WORK/watchdog"

HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
rollup_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/smaps_rollup"; }
metric_sum() { # port name-regex: the sum of the matching samples of /metrics (0 without answer)
  local page
  page=$(curl -fs -m 5 "http://127.0.0.1:$1/metrics" 2>/dev/null) || page=""
  awk -v re="$2" '$1 ~ re {s += $2} END {printf "%d\n", s}' <<< "$page"
}
ready_count() { metric_sum "$1" '^janus_pool_containers\{.*state="ready"'; }

LIMITS=$(python3 - <<EOF
import json, resource, os
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
read = lambda p: open(p).read().split()
print(json.dumps({"nofile_soft_shell": soft, "nofile_hard": hard,
  "nofile_soft_janusd_started_with": min($SOFT_NOFILE, hard) if hard != resource.RLIM_INFINITY else $SOFT_NOFILE,
  "pid_max": int(read("/proc/sys/kernel/pid_max")[0]),
  "threads_max": int(read("/proc/sys/kernel/threads-max")[0]),
  "ephemeral_ports": " ".join(read("/proc/sys/net/ipv4/ip_local_port_range")),
  "cores": os.cpu_count(),
  "mem_total_mib": int(open("/proc/meminfo").readline().split()[1]) // 1024}))
EOF
)
echo "bench/scale.sh: machine limits $LIMITS; work dir $WORK"
HARD=$(ulimit -Hn)

run_case() { # label runtime n
  local label=$1 runtime=$2 n=$3 port cfg log t0 t1 ok ready others
  # janus-baseline processes that are not this case's (another bench's, one left by hand): only
  # the ones that appear during the case count as left behind by it.
  others=$(pgrep -f "^$BIN/janus-baseline" | sort || true)
  port=$(free_port)
  cfg=$WORK/janusd-$label.yaml; log=$WORK/janusd-$label.log
  {
    echo "server:"
    echo "  listen: \"127.0.0.1:$port\""
    echo "log:"
    echo "  level: info"
    echo "runtime: $runtime"
    if [ "$runtime" = docker ]; then
      echo "docker:"
      echo "  engine_id: $ENGINE_ID"
      echo "  max_parallel_starts: 8"
    fi
    echo "models:"
    echo "  baseline:"
    if [ "$runtime" = docker ]; then
      echo "    image: janus-baseline:latest"
      echo "    resources:"
      echo "      memory: 32MiB"
      echo "      cpus: 0.5"
    else
      echo "    command: [\"janus-baseline\"]"
    fi
    echo "    min_warm: $n"
    echo "    max_containers: $n"
    echo "    max_concurrency: 1"
    echo "    startup_timeout: 120s"
    echo "    stop_grace: 2s"
    echo "    queue_limit: 1024"
    echo "    health:"
    echo "      interval: ${HEALTH_INTERVAL}s"
    echo "      timeout: 2s"
  } > "$cfg"
  t0=$(date +%s%N)
  # The usual default soft limit of 1024 descriptors, the hard limit as it is.
  PATH=$BIN:$PATH prlimit --nofile="$SOFT_NOFILE:$HARD" "$BIN/janusd" --config "$cfg" >"$log" 2>&1 &
  JANUSD=$!
  ok=""
  for _ in $(seq 1200); do   # up to 120 s until every container is ready
    kill -0 "$JANUSD" 2>/dev/null || break
    ready=$(ready_count "$port")
    if [ "${ready:-0}" -ge "$n" ]; then ok=1; break; fi
    sleep 0.1
  done
  t1=$(date +%s%N)
  if [ -z "$ok" ]; then
    echo "bench/scale.sh: $label: only ${ready:-0} of $n ready; janusd's log ends with:" >&2
    grep -v ' \[info\] ' "$log" | tail -8 >&2 || true
    echo "{\"case\":\"$label\",\"runtime\":\"$runtime\",\"n\":$n,\"error\":\"only ${ready:-0} of $n ready\"}" >> "$RESULTS"
    stop_janusd
    return 0
  fi
  local ready_ms=$(( (t1 - t0) / 1000000 )) hwm_start
  hwm_start=$(status_kb "$JANUSD" VmHWM)
  sleep 2   # the start-up's last probes and log lines
  local c0 c1 h0 h1 w0 w1 rss pss anon fds nofile threads children
  h0=$(metric_sum "$port" '^janus_health_checks_total')
  c0=$(cpu_ticks "$JANUSD"); w0=$(date +%s%N)
  sleep "$IDLE"
  c1=$(cpu_ticks "$JANUSD"); w1=$(date +%s%N)
  h1=$(metric_sum "$port" '^janus_health_checks_total')
  rss=$(status_kb "$JANUSD" VmRSS); pss=$(rollup_kb "$JANUSD" Pss)
  anon=$(rollup_kb "$JANUSD" Anonymous); threads=$(status_kb "$JANUSD" Threads)
  fds=$(ls "/proc/$JANUSD/fd" | wc -l)
  nofile=$(awk '/Max open files/ {print $4}' "/proc/$JANUSD/limits")
  children=$(pgrep -c -P "$JANUSD" || true)
  local idle_cpu idle_s checks
  idle_s=$(python3 -c "print(($w1 - $w0) / 1e9)")
  idle_cpu=$(python3 -c "print(round(100 * ($c1 - $c0) / $HZ / $idle_s, 2))")
  checks=$((h1 - h0))
  # A light load across the containers (info): 8 clients, one container each at a time.
  local l0 l1 lw0 lw1 load_cpu load_rss
  l0=$(cpu_ticks "$JANUSD"); lw0=$(date +%s%N)
  timeout 60 "$BIN/janus-bench" -c 8 -d "${LOAD}s" --stream --max-tokens 8 --baseline-tokens \
    --body-extra '{"janus_baseline":{"token_delay_ms":5}}' -q --json "$WORK/load-$label.json" \
    "http://127.0.0.1:$port" || true
  l1=$(cpu_ticks "$JANUSD"); lw1=$(date +%s%N)
  load_rss=$(status_kb "$JANUSD" VmRSS)
  load_cpu=$(python3 -c "print(round(100 * ($l1 - $l0) / $HZ / (($lw1 - $lw0) / 1e9), 2))")
  local s0 s1 left
  s0=$(date +%s%N)
  stop_janusd
  s1=$(date +%s%N)
  left=0
  if [ "$runtime" = docker ]; then
    left=$(docker ps -aq --filter "label=janus.engine=$ENGINE_ID" | wc -l)
  else
    left=$(comm -13 <(echo "$others") <(pgrep -f "^$BIN/janus-baseline" | sort || true) \
             | grep -c . || true)
  fi
  python3 - "$WORK/load-$label.json" >> "$RESULTS" <<EOF
import json, sys
try:
    load = json.load(open(sys.argv[1]))
    load = {"requests": load["requests"], "ok": load["completed"], "errors": load["failed"],
            "requests_per_s": load["request_throughput"], "ttft_p50_ms": load["median_ttft_ms"],
            "ttft_p99_ms": load["p99_ttft_ms"]}
except Exception as e:
    load = {"error": str(e)}
print(json.dumps({"case": "$label", "runtime": "$runtime", "n": $n,
  "time_to_ready_s": $ready_ms / 1000, "hwm_at_ready_kib": $hwm_start,
  "idle_window_s": round($idle_s, 2), "health_interval_s": $HEALTH_INTERVAL,
  "health_checks_in_window": $checks, "idle_cpu_pct_of_core": $idle_cpu,
  "rss_kib": $rss, "pss_kib": $pss, "anon_kib": $anon, "threads": $threads,
  "open_fds": $fds, "nofile_soft_of_janusd": "$nofile", "children": $children,
  "load_cpu_pct_of_core": $load_cpu, "rss_after_load_kib": $load_rss, "load": load,
  "shutdown_s": ($s1 - $s0) / 1e9, "left_after_shutdown": $left}))
EOF
  tail -1 "$RESULTS" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("bench/scale.sh: %s: ready in %.1f s, idle RSS %.1f MiB, idle CPU %.2f %% (%d checks), load CPU %.1f %%" % (r["case"], r["time_to_ready_s"], r["rss_kib"]/1024, r["idle_cpu_pct_of_core"], r["health_checks_in_window"], r["load_cpu_pct_of_core"]))'
}

for n in $COUNTS; do
  run_case "process-$n" process "$n"
done
if [ "$DOCKER_N" -gt 0 ]; then
  if timeout 10 docker info >/dev/null 2>&1 \
     && timeout 10 docker image inspect janus-baseline:latest >/dev/null 2>&1; then
    USED_DOCKER=1
    run_case "docker-$DOCKER_N" docker "$DOCKER_N"
  else
    echo "bench/scale.sh: no Docker engine (or no image janus-baseline:latest): Docker case skipped"
    echo "{\"case\":\"docker-$DOCKER_N\",\"runtime\":\"docker\",\"n\":$DOCKER_N,\"error\":\"skipped: no Docker engine or image\"}" >> "$RESULTS"
  fi
fi

python3 - "$RESULTS" "$LIMITS" "$IDLE" "$HEALTH_INTERVAL" "$MD" "$JSON" <<'EOF'
import json, sys
results_path, limits, idle, interval, md_path, json_path = sys.argv[1:]
limits = json.loads(limits)
rows = [json.loads(line) for line in open(results_path) if line.strip()]
mib = lambda kib: kib / 1024
lines = ["## Scale\n"]
lines.append(
    f"janusd managing many containers of one model (`min_warm` = `max_containers` = N,"
    f" `max_concurrency: 1`): janus-baseline processes (process runtime), then Docker containers"
    f" of janus-baseline:latest. Health probes every {interval} s per container (timeout 2 s), so"
    f" an idle window of {idle} s holds about {int(idle) // int(interval)} rounds of checks of every"
    f" container. janusd is started with a soft limit of {limits['nofile_soft_janusd_started_with']}"
    f" open files (the usual default; hard {limits['nofile_hard']}). Memory: VmRSS and VmHWM from"
    f" `/proc/PID/status`, Pss and anonymous memory from `/proc/PID/smaps_rollup`, read at the end"
    f" of the idle window. CPU: utime + stime from `/proc/PID/stat` over the window, in % of one"
    f" core. Then a light load (info): `janus-bench -c 8 -d 6s --stream`, 8 tokens 5 ms apart."
    f" Machine: {limits['cores']} cores (shared), {limits['mem_total_mib']} MiB, pid_max"
    f" {limits['pid_max']}, ephemeral ports {limits['ephemeral_ports']}.\n")
lines.append("```sh\nbench/scale.sh --md FILE --json FILE   # N = 200 and 1000 processes, then 50 Docker containers\n```\n")
lines.append("| case | time to N ready s | RSS idle MiB | peak RSS (HWM) at ready MiB | Pss MiB | anon MiB | CPU idle % core | health checks in window | fds | threads | CPU under load % core | load req/s | RSS after load MiB | shutdown s | left after |")
lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    if "error" in r:
        lines.append(f"| {r['case']} | {r['error']} |" + " |" * 14)
        continue
    load = r["load"]
    lines.append(
        f"| {r['case']} | {r['time_to_ready_s']:.1f} | {mib(r['rss_kib']):.1f} | {mib(r['hwm_at_ready_kib']):.1f}"
        f" | {mib(r['pss_kib']):.1f} | {mib(r['anon_kib']):.1f} | {r['idle_cpu_pct_of_core']:.2f}"
        f" | {r['health_checks_in_window']} | {r['open_fds']} | {r['threads']}"
        f" | {r['load_cpu_pct_of_core']:.1f} | {load.get('requests_per_s', 0):.0f}"
        f" | {mib(r['rss_after_load_kib']):.1f} | {r['shutdown_s']:.1f} | {r['left_after_shutdown']} |")
lines.append("")
big = next((r for r in rows if r.get("runtime") == "process" and r.get("n") == 1000), None)
lines.append("| measure | value | goal | met |")
lines.append("| --- | ---: | --- | --- |")
if big is None:
    lines.append("| engine RSS managing 1,000 process-backend containers | not run | ≤ 100 MB | – |")
elif "error" in big:
    lines.append(f"| engine RSS managing 1,000 process-backend containers | {big['error']} | ≤ 100 MB | no |")
else:
    mb = big["rss_kib"] * 1024 / 1e6
    lines.append(f"| engine RSS managing 1,000 process-backend containers (idle, health checks on) | {mb:.1f} MB | ≤ 100 MB | {'yes' if mb <= 100 else 'no'} |")
text = "\n".join(lines) + "\n"
if md_path:
    open(md_path, "w").write(text)
if json_path:
    json.dump({"limits": limits, "idle_window_s": float(idle), "health_interval_s": float(interval),
               "cases": rows}, open(json_path, "w"), indent=1)
print(text)
EOF
echo "bench/scale.sh: raw results in $WORK"
