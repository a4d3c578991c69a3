#!/usr/bin/env bash
# Installs what building and testing janusd needs (docker.io for the Docker runtime and its
# tests), from Debian's archive only. Idempotent:
# when every package is present it does nothing (no apt-get update, no network).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev libboost1.81-dev rapidjson-dev libyaml-cpp-dev libspdlog-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev   # the libFuzzer targets (scripts/fuzz.sh): clang with ASan, UBSan
  prometheus-cpp-dev   # metrics: registry, families and text serializer (core library only)
  curl procps
  libssl-dev openssl   # TLS to https platform upstreams; the CLI makes the tests' certificates
  nodejs
  docker.io
  prometheus   # promtool and a Prometheus server, for the metrics tests
  gnuplot-nox
  systemd      # systemd-analyze, to verify the unit (dpkg-deb, dpkg-shlibdeps: build-essential)
  debootstrap  # the Debian root filesystem of the Python baseline's base image
  docker-registry   # distribution 2.8 on loopback: the pull tests' registry (scripts/test.sh)
  apache2-utils     # htpasswd (bcrypt) for the registry with credentials in the pull tests
  wrk nginx haproxy # bench/run.sh: its load tool and the two proxies janusd is compared with
  python3           # the raw-socket model of tests/integration/hostile_answers_test.cpp
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Debian's nodejs comes without npm (a package of its own); other builds of nodejs bundle it.
if ! command -v npm > /dev/null 2>&1; then
  missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
echo "installing: ${missing[*]}"
"${as_root[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
