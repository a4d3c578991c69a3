#!/usr/bin/env bash
# Writes docs/reliability.md: runs each case of the fault suite (the integration tests that
# print `reliability: <case> name=value ...` lines) against the build, then the soak
# (bench/soak.sh), and hands their figures to bench/reliability.py. About 2 minutes plus the
# soak's MINUTES; needs a build (scripts/build.sh), dockerd and root (the dockerd-restart case
# runs a private dockerd).
#   bench/reliability.sh [--soak MINUTES] [--soak-from FILE.json] [--out FILE]
# --soak-from takes the figures of an earlier `bench/soak.sh --json FILE` run instead of
# running the soak again.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
OUT=docs/reliability.md; SOAK_MINUTES=10; SOAK_FROM=""
while [ $# -gt 0 ]; do
  case $1 in
    --soak) SOAK_MINUTES=$2; shift 2;; --soak-from) SOAK_FROM=$2; shift 2;; --out) OUT=$2; shift 2;;
    *) echo "usage: bench/reliability.sh [--soak MINUTES] [--soak-from FILE.json] [--out FILE]" >&2; exit 2;;
  esac
done
WORK=$(mktemp -d /tmp/janus-reliability.XXXXXX)
# case  binary  gtest filter
CASES="docker_kill docker_test docker_runtime.a_container_killed_while_serving_streams_ends_only_its_own_and_is_replaced
docker_pause docker_faults_test docker_faults.a_paused_busy_container_fails_only_its_own_requests_in_time_and_is_replaced
dockerd_restart docker_faults_test docker_engine_restart.pools_are_back_at_min_warm_within_seconds_of_dockerd_answering
sigkill docker_test docker_runtime.after_sigkill_under_load_a_restart_adopts_every_container_and_sigterm_leaves_none
poison request_flow_test request_flow.poison_requests_and_slow_whole_answers_retire_no_healthy_container_and_are_never_resent
low_fd strict_http_test strict_http.running_out_of_descriptors_neither_spins_nor_stalls_refuses_chat_cleanly_and_recovers
idle_connections strict_http_test strict_http.two_thousand_idle_keep_alive_connections_leave_a_fresh_request_served_at_once"
: > "$WORK/figures.txt"
while read -r name binary filter; do
  echo "bench/reliability.sh: $name ($filter)"
  if timeout 120 "$BIN/$binary" --gtest_filter="$filter" > "$WORK/$name.log" 2>&1; then
    result=passed
  else
    result=failed
    tail -40 "$WORK/$name.log" >&2
  fi
  echo "result $name $result $filter" >> "$WORK/figures.txt"
  grep '^reliability: ' "$WORK/$name.log" | sed 's/^reliability: /figure /' >> "$WORK/figures.txt" || true
done <<< "$CASES"
if [ -z "$SOAK_FROM" ]; then
  SOAK_FROM=$WORK/soak.json
  bench/soak.sh "$SOAK_MINUTES" --json "$SOAK_FROM"
fi
# Into a temporary file first: git describe --dirty would see OUT half written.
python3 bench/reliability.py "$WORK/figures.txt" "$SOAK_FROM" > "$WORK/reliability.md"
mv "$WORK/reliability.md" "$OUT"
echo "bench/reliability.sh: wrote $OUT (test logs in $WORK)"
