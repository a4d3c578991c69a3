#!/usr/bin/env bash
# Builds everything, the libFuzzer targets too (build/fuzz, clang-14), and runs every test
# (unit, integration, and each fuzz target over its corpus plus a few fresh seconds) with ctest.
# The Docker integration tests need a Docker engine: when none answers, this starts dockerd in
# the background (its log in build/dockerd.log, waiting up to 30 s for `docker info`), then
# builds the baseline images. With CI=true a Docker engine that cannot be started fails the run;
# otherwise the Docker tests skip and say why.
#
# --sanitize address   builds into build-asan with ASan + UBSan and runs the tests there;
# --sanitize thread    builds into build-tsan with TSan. Every process the tests start (janusd
#                      included) writes its reports to <build>/sanitizer-reports/; the run fails
#                      when any report is there at the end. Suppressions (each with its reason)
#                      are in tests/sanitizers/. Other arguments go to ctest.
# --caf-tsan           (with --sanitize thread) runs the tests with a libcaf built with TSan
#                      (scripts/build-caf-tsan.sh, build-caf-tsan/lib) and no suppression at all:
#                      Debian's libcaf hides its mailbox hand-overs from TSan, which is what
#                      tests/sanitizers/tsan.supp's one entry is for.
# JANUS_TEST_PYTHON=1 also builds the Python baseline's image and runs its tests (its first build
# on a machine runs debootstrap: about a minute on an idle 2-core machine, Debian's mirror needed).
# CTEST_PARALLEL_LEVEL: tests at a time (one per core); with CI=true the build has no debug info.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=""
caf_tsan=0
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --caf-tsan)
      caf_tsan=1
      shift
      ;;
    --sanitize)
      sanitize=${2:-}
      shift 2 || { echo "test.sh: --sanitize needs address or thread" >&2; exit 2; }
      ;;
    --sanitize=*)
      sanitize=${1#--sanitize=}
      shift
      ;;
    *)
      ctest_args+=("$1")
      shift
      ;;
  esac
done

build_dir=build
if [ "$caf_tsan" = 1 ] && [ "$sanitize" != thread ]; then
  echo "test.sh: --caf-tsan goes with --sanitize thread" >&2
  exit 2
fi
case "$sanitize" in
  "") ;;
  address) build_dir=build-asan ;;
  thread) build_dir=build-tsan ;;
  *)
    echo "test.sh: --sanitize: expected address or thread, got '$sanitize'" >&2
    exit 2
    ;;
esac
# Sanitizer builds compile at -O0 with asserts on and line tables only (BUILD_TYPE=Sanitize, see
# CMakeLists.txt): about half the compile time of -O2 on a 2-core machine, and the tests wait on
# I/O more than on CPU.
build_type=${BUILD_TYPE:-RelWithDebInfo}
if [ -n "$sanitize" ]; then
  build_type=${BUILD_TYPE:-Sanitize}
fi
# CI builds without debug info (the same code, a few minutes less on a 2-core machine), and the
# tests' own sources (not what they test) at -O0: a third less compile time for them.
debug_info=${JANUS_DEBUG_INFO:--g1}
test_optimize=${JANUS_TEST_OPTIMIZE:-}
if [ "${CI:-}" = true ] && [ -z "${JANUS_DEBUG_INFO:-}" ]; then
  debug_info=-g0
fi
if [ "${CI:-}" = true ] && [ -z "${JANUS_TEST_OPTIMIZE+set}" ]; then
  test_optimize=-O0
fi
BUILD_DIR=$build_dir SANITIZE=$sanitize BUILD_TYPE=$build_type JANUS_DEBUG_INFO=$debug_info \
  JANUS_TEST_OPTIMIZE=$test_optimize scripts/build.sh
# The libFuzzer targets (their own clang build in build/fuzz): ctest runs each over its corpus.
if [ -z "$sanitize" ]; then
  scripts/fuzz.sh --build
fi

reports=""
if [ -n "$sanitize" ]; then
  reports="$PWD/$build_dir/sanitizer-reports"
  rm -rf "$reports"
  mkdir -p "$reports"
  supp="$PWD/tests/sanitizers"
  # halt_on_error: a UBSan finding ends the process, so the test that caused it fails too.
  export ASAN_OPTIONS="log_path=$reports/asan:detect_stack_use_after_return=1:strict_init_order=1:check_initialization_order=1"
  export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp"
  export TSAN_OPTIONS="log_path=$reports/tsan:second_deadlock_stack=1:suppressions=$supp/tsan.supp"
  if [ "$caf_tsan" = 1 ]; then
    scripts/build-caf-tsan.sh
    export LD_LIBRARY_PATH="$PWD/build-caf-tsan/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export TSAN_OPTIONS="log_path=$reports/tsan:second_deadlock_stack=1"
  fi
  # Sanitized code runs several times slower: the tests' waits (tests/support/slowdown.hpp) are
  # stretched by this factor, never what they check.
  if [ "$sanitize" = thread ]; then
    export JANUS_TEST_SLOWDOWN=${JANUS_TEST_SLOWDOWN:-5}
  else
    export JANUS_TEST_SLOWDOWN=${JANUS_TEST_SLOWDOWN:-3}
  fi
fi

docker_answers() {
  command -v docker > /dev/null && docker info > /dev/null 2>&1
}

start_docker() {
  if docker_answers; then
    return 0
  fi
  if ! command -v dockerd > /dev/null; then
    echo "test.sh: dockerd is not installed (scripts/install-deps.sh installs docker.io)" >&2
    return 1
  fi
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo -n)
  fi
  echo "test.sh: no Docker engine answers: starting dockerd (log: $build_dir/dockerd.log)"
  setsid "${as_root[@]}" dockerd > "$build_dir/dockerd.log" 2>&1 < /dev/null &
  local dockerd_pid=$!
  for _ in $(seq 1 30); do
    if docker_answers; then
      return 0
    fi
    if ! kill -0 "$dockerd_pid" 2> /dev/null; then
      echo "test.sh: dockerd exited; the end of $build_dir/dockerd.log:" >&2
      tail -n 20 "$build_dir/dockerd.log" >&2 || true
      return 1
    fi
    sleep 1
  done
  echo "test.sh: dockerd did not answer within 30 s; the end of $build_dir/dockerd.log:" >&2
  tail -n 20 "$build_dir/dockerd.log" >&2 || true
  return 1
}

# Tests left out of this run, as ctest -E alternatives.
excluded=()
# The Python baseline (its first image build runs debootstrap) only with JANUS_TEST_PYTHON=1:
# it keeps the default run, CI's, within its time budget.
python_images=(--no-python)
if [ "${JANUS_TEST_PYTHON:-0}" = 1 ]; then
  python_images=()
else
  excluded+=('^python_baseline\.')
fi
if [ -n "$sanitize" ]; then
  # The fuzz targets are their own ASan + UBSan build (clang, build/fuzz), run by the plain run.
  excluded+=('^fuzz\.')
  # These two copy and pack every program (a sanitized janusd is 270 MB): past their 120 s in a
  # sanitizer build. They check the install and the .deb, which the plain run does the same way.
  excluded+=('^install\.installing_again_' '^package\.')
fi
if [ "$sanitize" = address ]; then
  # GCC 12's UBSan checks each dynamic type (-fsanitize=vptr) by probing the object's memory
  # through a pipe(2): in a janusd out of descriptors, which these tests cause on purpose, the
  # probe fails and every check is reported ("object has invalid vptr", "<memory cannot be
  # printed>"; reproduced by any program that uses up its descriptors). The reports go to stderr
  # (no descriptor for the log file) and slow janusd below what the test measures. Every test
  # that runs janusd out of descriptors has "out_of_descriptors" in its name.
  excluded+=('out_of_descriptors')
fi
if [ ${#excluded[@]} -gt 0 ]; then
  ctest_args=(-E "$(IFS='|'; echo "${excluded[*]}")" "${ctest_args[@]}")
fi

# The Docker images (janus-baseline:latest ...) are shared by every test run, example and
# benchmark on the machine, and the model inside is the tests' fixture, not the code under test.
# So a sanitized run builds them from the plain build's janus-baseline (build/; only that target,
# and with build/'s own configuration when there is one), never from its own build's: the images
# then hold the binary a plain run puts there (Docker's build cache keeps the same image), and a
# sanitized run cannot swap what other runs are using at the same time. The Docker suites rebuild
# the images from JANUS_BASELINE_BIN too (tests/integration/janusd_fixture.hpp).
export JANUS_BASELINE_BIN=$PWD/$build_dir/bin/janus-baseline
if [ -n "$sanitize" ]; then
  if [ -f build/build.ninja ]; then
    ninja -C build -j "${JOBS:-$(nproc)}" janus-baseline
  else
    BUILD_DIR=build SANITIZE="" BUILD_TYPE=RelWithDebInfo JANUS_DEBUG_INFO=$debug_info \
      JANUS_TEST_OPTIMIZE=$test_optimize scripts/build.sh janus-baseline
  fi
  export JANUS_BASELINE_BIN=$PWD/build/bin/janus-baseline
fi

if start_docker; then
  scripts/build-images.sh "${python_images[@]}"
elif [ "${CI:-}" = true ]; then
  echo "test.sh: CI=true and no Docker engine could be started: the Docker tests cannot run" >&2
  exit 1
else
  echo "test.sh: no Docker engine: the Docker integration tests will skip" >&2
fi

# The registry the pull tests push to and pull from (tests/integration/registry_test.cpp):
# Debian's docker-registry (distribution 2.8) on the first free loopback port from 5000, its
# five-line config and its storage in the build dir, its log in $build_dir/registry.log. The
# tests find it in JANUS_TEST_REGISTRY (without it they start one of their own). Docker trusts a
# registry on 127.0.0.1 over plain HTTP. With CI=true a registry that does not start fails the run.
registry_pid=""
start_registry() {
  if ! command -v docker-registry > /dev/null; then
    echo "test.sh: docker-registry is not installed (scripts/install-deps.sh installs it)" >&2
    return 1
  fi
  local port=5000
  while (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; do
    port=$((port + 1))
  done
  local dir="$PWD/$build_dir/registry"
  rm -rf "$dir"
  mkdir -p "$dir/storage"
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$dir/storage" "$port" > "$dir/config.yml"
  setsid docker-registry serve "$dir/config.yml" > "$build_dir/registry.log" 2>&1 < /dev/null &
  registry_pid=$!
  for _ in $(seq 1 50); do
    if curl -fsS -m 1 "http://127.0.0.1:$port/v2/" > /dev/null 2>&1; then
      export JANUS_TEST_REGISTRY="127.0.0.1:$port"
      echo "test.sh: registry on $JANUS_TEST_REGISTRY (log: $build_dir/registry.log)"
      return 0
    fi
    if ! kill -0 "$registry_pid" 2> /dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "test.sh: the registry did not answer on 127.0.0.1:$port; the end of $build_dir/registry.log:" >&2
  tail -n 20 "$build_dir/registry.log" >&2 || true
  return 1
}
stop_registry() {
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2> /dev/null || true
    wait "$registry_pid" 2> /dev/null || true
  fi
}
trap stop_registry EXIT
if ! start_registry; then
  if [ "${CI:-}" = true ]; then
    echo "test.sh: CI=true and no registry could be started: the pull tests cannot run" >&2
    exit 1
  fi
  echo "test.sh: no registry: the pull tests start their own or skip" >&2
fi

status=0
stamp="$PWD/$build_dir/test-run.stamp"
touch "$stamp"
# One test per core at a time (CTEST_PARALLEL_LEVEL sets another count).
ctest --test-dir "$build_dir" --output-on-failure --timeout 180 \
  --parallel "${CTEST_PARALLEL_LEVEL:-$(nproc)}" "${ctest_args[@]}" || status=$?

if [ -n "$reports" ]; then
  # GCC 12's UBSan in an ASan build ignores log_path and writes to stderr: its reports are in the
  # tests' output (ctest's LastTest.log) and in the logs of the janusd processes they ran.
  {
    grep -s -H -A8 -e 'runtime error:' "$build_dir/Testing/Temporary/LastTest.log"
    find "${TMPDIR:-/tmp}/janus-tests" -name '*.log' -newer "$stamp" \
      -exec grep -s -H -A8 -e 'runtime error:' {} + 2> /dev/null
  } > "$reports/ubsan-from-output.txt" || true
  if [ ! -s "$reports/ubsan-from-output.txt" ]; then
    rm -f "$reports/ubsan-from-output.txt"
  fi
fi
if [ -n "$reports" ] && [ -n "$(ls -A "$reports")" ]; then
  echo "test.sh: sanitizer reports in $reports:" >&2
  for report in "$reports"/*; do
    echo "--- $report" >&2
    head -n 60 "$report" >&2
  done
  status=1
fi
exit "$status"
