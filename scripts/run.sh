#!/usr/bin/env bash
# Quick start: builds janusd and janus-baseline, then runs janusd on 127.0.0.1:8000 with model
# "baseline". When a Docker engine answers, the models run as Docker containers
# (deploy/examples/docker.yaml, after building the images); otherwise as local processes
# (deploy/examples/local.yaml). Extra arguments go to janusd instead, e.g. --config other.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh janusd janus-baseline
if [ $# -eq 0 ]; then
  if command -v docker > /dev/null && docker info > /dev/null 2>&1; then
    echo "run.sh: a Docker engine answers: Docker runtime, deploy/examples/docker.yaml"
    scripts/build-images.sh --no-python   # docker.yaml serves the C++ images only
    set -- --config deploy/examples/docker.yaml
  else
    echo "run.sh: no Docker engine answers: local-process runtime, deploy/examples/local.yaml"
    set -- --config deploy/examples/local.yaml
  fi
fi
exec build/bin/janusd "$@"
