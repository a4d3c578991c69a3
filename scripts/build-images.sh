#!/usr/bin/env bash
# Builds the Docker images of the reference container from build/bin/janus-baseline, offline
# (the Dockerfile starts FROM scratch: nothing is pulled):
#   janus-baseline:latest        16 tokens per answer
#   janus-baseline-terse:latest   4 tokens per answer, model id "terse"
# deploy/examples/docker.yaml serves both. Build the binary first (scripts/build.sh);
# JANUS_BASELINE_BIN names another one (the tests pass the build they test).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${JANUS_BASELINE_BIN:-build/bin/janus-baseline}
if [ ! -x "$binary" ]; then
  echo "build-images.sh: $binary not found; build it first: scripts/build.sh janus-baseline" >&2
  exit 1
fi
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp deploy/baseline/Dockerfile "$context/"
strip -o "$context/janus-baseline" "$binary" 2>/dev/null || cp "$binary" "$context/janus-baseline"
# The classic builder: it needs no BuildKit or buildx and builds FROM scratch without a registry.
export DOCKER_BUILDKIT=0
build() {
  local log
  if ! log=$(docker build --quiet "$@" "$context" 2>&1); then
    echo "$log" >&2
    echo "build-images.sh: docker build $* failed" >&2
    exit 1
  fi
}
build --tag janus-baseline:latest
build --tag janus-baseline-terse:latest --build-arg TOKENS=4 --build-arg MODEL=terse
# Earlier builds that the new tags replaced (only ours, by label; images in use stay).
docker image prune --force --filter label=org.janus.image=janus-baseline > /dev/null 2>&1 || true
echo "built janus-baseline:latest and janus-baseline-terse:latest"
