#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang-14 with ASan and UBSan) into build/fuzz and
# runs them. See tests/fuzz/README.md.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   fuzz each target (all by default) for SECONDS (60)
#   scripts/fuzz.sh --ci [TARGET...]        each target over its seed corpus plus a short fresh
#                                           run (FUZZ_CI_SECONDS, 5 s): what ctest runs
#   scripts/fuzz.sh --build                 only build
# --no-build runs the binaries as they are (ctest passes it: the test command built them).
# JANUS_FUZZ_DIR names the build directory (build/fuzz). New inputs that grow coverage are kept
# in build/fuzz/corpus/<target>/ (not in the repository); an input that crashes is written to
# build/fuzz/crashes/<target>/crash-<sha1> and named in the output, and the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
fuzz_dir=${JANUS_FUZZ_DIR:-$repo/build/fuzz}
mode=fuzz
build=true
seconds=60
targets=()
for arg in "$@"; do
  case "$arg" in
    --ci) mode=ci ;;
    --build) mode=build ;;
    --no-build) build=false ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *[!0-9]*) targets+=("$arg") ;;
    *) seconds=$arg ;;
  esac
done

all_targets() {
  sed -n 's/^  \(fuzz_[a-z_]*\)$/\1/p' tests/fuzz/targets.cmake
}
known=$(all_targets)
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets <<< "$known"
fi
for target in "${targets[@]}"; do
  if ! grep -qx "$target" <<< "$known"; then
    echo "fuzz.sh: unknown target or option: $target (targets: $(echo $known))" >&2
    exit 2
  fi
done

if $build; then
  scripts/install-deps.sh
  CC=clang-14 CXX=clang++-14 cmake -S tests/fuzz -B "$fuzz_dir" -G Ninja > /dev/null
  ninja -C "$fuzz_dir" -j "${JOBS:-$(nproc)}" "${targets[@]}"
fi
if [ "$mode" = build ]; then
  exit 0
fi

# A sanitizer finding, an uncaught exception or a broken property aborts with a stack trace.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$repo/tests/fuzz/ubsan.supp}

failed=()
for target in "${targets[@]}"; do
  binary=$fuzz_dir/bin/$target
  seeds=$repo/tests/fuzz/corpus/$target
  if [ ! -x "$binary" ]; then
    echo "fuzz.sh: $binary is not built: run scripts/fuzz.sh --build (scripts/test.sh does)" >&2
    if [ "${CI:-}" = true ] || [ "$mode" != ci ]; then
      exit 1
    fi
    exit 77 # ctest's skip: a build without the fuzz targets
  fi
  crashes=$fuzz_dir/crashes/$target
  mkdir -p "$crashes"
  if [ "$mode" = ci ]; then
    # A fresh corpus each time: CI runs what the repository holds plus what a few seconds find.
    work=$(mktemp -d)
    run_seconds=${FUZZ_CI_SECONDS:-5}
  else
    work=$fuzz_dir/corpus/$target
    mkdir -p "$work"
    run_seconds=$seconds
  fi
  log=$fuzz_dir/$target.log
  started=$(date +%s%N)
  status=0
  "$binary" -max_len=1048576 -timeout=20 -rss_limit_mb=2048 -max_total_time="$run_seconds" \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "$seeds" > "$log" 2>&1 || status=$?
  took_ms=$((($(date +%s%N) - started) / 1000000))
  took=$((took_ms / 1000)).$((took_ms % 1000 / 100))
  if [ "$mode" = ci ]; then
    rm -rf "$work"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  seeded=$(find "$seeds" -type f | wc -l)
  crash_files=$(sed -n 's/^.*Test unit written to \(.*\)$/\1/p' "$log" | sort -u)
  if [ $status -ne 0 ] || [ -n "$crash_files" ]; then
    failed+=("$target")
    printf '%-20s FAILED (exit %s) after %s s; log: %s\n' "$target" "$status" "$took" "$log"
    grep -E "ERROR: |SUMMARY: |fuzz property broken|runtime error|deadly signal|uncaught" "$log" \
      | head -n 8 | sed 's/^/  /'
    for file in $crash_files; do
      echo "  crash input: $file (reproduce: $binary $file)"
    done
  else
    printf '%-20s ok: %s runs in %s s, %s execs/s, %s seed inputs\n' "$target" "${runs:-?}" \
      "$took" "${per_second:-?}" "$seeded"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: crashes in: ${failed[*]} (see tests/fuzz/README.md: a fixed crash becomes a seed)" >&2
  exit 1
fi
