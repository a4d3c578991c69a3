#!/usr/bin/env bash
# Configures and builds into build/ (targets given as arguments, everything otherwise).
# BUILD_DIR names another build folder, SANITIZE=address|thread builds with sanitizers
# (scripts/test.sh --sanitize sets both), JANUS_DEBUG_INFO the debug-info flag (-g1),
# JANUS_TEST_OPTIMIZE extra flags of the tests' own sources (scripts/test.sh sets -O0 in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DJANUS_SANITIZE="${SANITIZE:-}" -DJANUS_DEBUG_INFO="${JANUS_DEBUG_INFO:--g1}" \
  -DJANUS_TEST_OPTIMIZE="${JANUS_TEST_OPTIMIZE:-}" > /dev/null
ninja -C "$build_dir" -j "${JOBS:-$(nproc)}" "$@"
