#!/usr/bin/env bash
# Configures and builds into build/ (targets given as arguments, everything otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" > /dev/null
ninja -C build -j "${JOBS:-$(nproc)}" "$@"
