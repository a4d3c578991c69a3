#!/usr/bin/env bash
# Builds the Docker images the Docker runtime's tests, examples and benchmarks use, offline:
#   janus-baseline:latest         the reference container from build/bin/janus-baseline
#                                 (FROM scratch: nothing is pulled), 16 tokens per answer
#   janus-baseline-terse:latest   the same, 4 tokens per answer, model id "terse"
#   janus-python-baseline:latest  the same echo model in Python on FastAPI and uvicorn, on a
#                                 Debian root filesystem (deploy/python-baseline/)
# deploy/examples/docker.yaml serves the first two. Build the binary first (scripts/build.sh);
# JANUS_BASELINE_BIN names another one (the tests pass the build they test).
# The Python baseline's base image comes from deploy/python-baseline/build-base.sh: cached in the
# engine and as a tarball (JANUS_CACHE_DIR), so only the first build on a machine runs
# debootstrap (minutes, network to the Debian mirror); later ones take seconds, offline.
#   scripts/build-images.sh [--no-python]    (or JANUS_BUILD_PYTHON=0): skip the Python baseline
#   scripts/build-images.sh --push REGISTRY  also tags each image REGISTRY/<name>:latest and
#                                            pushes it there (e.g. 127.0.0.1:5000/janus), the
#                                            build-and-push step of Spec 95's FR-7; `docker
#                                            login REGISTRY` first when it needs credentials
set -euo pipefail
cd "$(dirname "$0")/.."
python=${JANUS_BUILD_PYTHON:-1}
push=""
usage="usage: scripts/build-images.sh [--no-python] [--push REGISTRY]"
while [ $# -gt 0 ]; do
  case $1 in
    --no-python) python=0; shift;;
    --push)
      push=${2:-}
      [ -n "$push" ] || { echo "$usage" >&2; exit 2; }
      shift 2;;
    --push=*) push=${1#--push=}; shift;;
    *) echo "$usage" >&2; exit 2;;
  esac
done
push=${push%/}
binary=${JANUS_BASELINE_BIN:-build/bin/janus-baseline}
if [ ! -x "$binary" ]; then
  echo "build-images.sh: $binary not found; build it first: scripts/build.sh janus-baseline" >&2
  exit 1
fi
# One build at a time: the Docker test suites run this at once (ctest -j), and one copy's
# clean-up must not meet another's build in progress.
exec 9> "${TMPDIR:-/tmp}/janus-build-images.lock"
flock -w 600 9 || { echo "build-images.sh: another build-images.sh held its lock for 600 s" >&2; exit 1; }
# The images the new tags may replace, removed after the builds.
previous=()
for image in janus-baseline janus-baseline-terse janus-python-baseline; do
  previous+=("$(docker image inspect --format '{{.Id}}' "$image:latest" 2> /dev/null || true)")
done
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir "$context/cpp" "$context/python"
cp deploy/baseline/Dockerfile "$context/cpp/"
strip -o "$context/cpp/janus-baseline" "$binary" 2>/dev/null || cp "$binary" "$context/cpp/janus-baseline"
# The classic builder: it needs no BuildKit or buildx and builds FROM scratch without a registry.
export DOCKER_BUILDKIT=0
build() { # build CONTEXT DOCKER-BUILD-ARGS...
  local dir=$1 log
  shift
  if ! log=$(docker build --quiet "$@" "$dir" 2>&1); then
    echo "$log" >&2
    echo "build-images.sh: docker build $* failed" >&2
    exit 1
  fi
}
build "$context/cpp" --tag janus-baseline:latest
build "$context/cpp" --tag janus-baseline-terse:latest --build-arg TOKENS=4 --build-arg MODEL=terse
built="janus-baseline:latest and janus-baseline-terse:latest"
if [ "$python" != 0 ]; then
  deploy/python-baseline/build-base.sh
  cp deploy/python-baseline/Dockerfile "$context/python/"
  cp -r deploy/python-baseline/janus_python_baseline "$context/python/"
  find "$context/python" -name __pycache__ -prune -exec rm -rf {} +
  # No network: the build only compiles the sources.
  build "$context/python" --network none --tag janus-python-baseline:latest
  built="janus-baseline:latest, janus-baseline-terse:latest and janus-python-baseline:latest"
fi
# The earlier builds the new tags replaced, and only those: never a dangling image of someone
# else's build in progress (images built FROM ours carry our labels, so pruning by label removed
# a concurrent test's intermediate layers mid-build). One that a container or another image
# still uses stays.
for id in "${previous[@]}"; do
  if [ -n "$id" ] && [ "$(docker image inspect --format '{{len .RepoTags}}' "$id" 2> /dev/null)" = 0 ]; then
    docker rmi "$id" > /dev/null 2>&1 || true
  fi
done
echo "built $built"
if [ -n "$push" ]; then
  images=(janus-baseline janus-baseline-terse)
  if [ "$python" != 0 ]; then
    images+=(janus-python-baseline)
  fi
  for image in "${images[@]}"; do
    target="$push/$image:latest"
    docker tag "$image:latest" "$target"
    if ! log=$(docker push "$target" 2>&1); then
      echo "$log" >&2
      echo "build-images.sh: docker push $target failed" >&2
      exit 1
    fi
    echo "pushed $target ($(sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p' <<< "$log"))"
  done
fi
