#!/usr/bin/env bash
# Builds everything, the libFuzzer targets too (build/fuzz, clang-14), and runs every test
# (unit, integration, and each fuzz target over its corpus plus a few fresh seconds) with ctest.
# The Docker integration tests need a Docker engine: when none answers, this starts dockerd in
# the background (its log in build/dockerd.log, waiting up to 30 s for `docker info`), then
# builds the baseline images. With CI=true a Docker engine that cannot be started fails the run;
# otherwise the Docker tests skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
scripts/fuzz.sh --build

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
  echo "test.sh: no Docker engine answers: starting dockerd (log: build/dockerd.log)"
  setsid "${as_root[@]}" dockerd > build/dockerd.log 2>&1 < /dev/null &
  local dockerd_pid=$!
  for _ in $(seq 1 30); do
    if docker_answers; then
      return 0
    fi
    if ! kill -0 "$dockerd_pid" 2> /dev/null; then
      echo "test.sh: dockerd exited; the end of build/dockerd.log:" >&2
      tail -n 20 build/dockerd.log >&2 || true
      return 1
    fi
    sleep 1
  done
  echo "test.sh: dockerd did not answer within 30 s; the end of build/dockerd.log:" >&2
  tail -n 20 build/dockerd.log >&2 || true
  return 1
}

if start_docker; then
  scripts/build-images.sh
elif [ "${CI:-}" = true ]; then
  echo "test.sh: CI=true and no Docker engine could be started: the Docker tests cannot run" >&2
  exit 1
else
  echo "test.sh: no Docker engine: the Docker integration tests will skip" >&2
fi

ctest --test-dir build --output-on-failure --timeout 120 "$@"
