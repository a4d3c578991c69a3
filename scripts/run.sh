#!/usr/bin/env bash
# Quick start: builds janusd and janus-baseline, then runs janusd with the example config
# (127.0.0.1:8000, model "baseline"). Extra arguments go to janusd, e.g. --config other.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh janusd janus-baseline
if [ $# -eq 0 ]; then
  set -- --config deploy/examples/local.yaml
fi
exec build/bin/janusd "$@"
