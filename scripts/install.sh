#!/usr/bin/env bash
# Installs janusd on this host, or under a staging root:
#   scripts/install.sh [--prefix DIR] [--root DESTDIR] [--build-dir DIR] [--strip]
# puts every program (janusd, janus-baseline, janus-bench, ...) in <root><prefix>/bin, the
# systemd unit in <root>/lib/systemd/system (its ExecStart names <prefix>/bin/janusd), the
# sample config and secrets file in <root>/etc/janus/ (an existing one is never replaced) and
# the docs in <root><prefix>/share/doc/janus. --prefix defaults to /usr/local. What goes where
# is CMake's install() rules (deploy/CMakeLists.txt), which scripts/package.sh uses too.
# Builds the programs first when the build is missing; otherwise installs the build as it is
# (run scripts/build.sh first to install fresh binaries). Running it again changes nothing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
prefix=/usr/local
root=
build=$repo/build
strip=()

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --build-dir) build=${2:?--build-dir needs a directory}; shift 2 ;;
    --strip) strip=(--strip); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $prefix in
  /*) ;;
  *) echo "install.sh: --prefix must be an absolute path, got $prefix" >&2; exit 2 ;;
esac
if [ -n "$root" ]; then
  mkdir -p "$root"
  root=$(cd "$root" && pwd)
elif [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: installing into / needs root (or give --root DIR to stage elsewhere)" >&2
  exit 1
fi

# The build is missing when it was never configured or a program of its list is absent.
build_missing() {
  [ -f "$build/janus-programs.txt" ] || return 0
  while IFS= read -r program; do
    [ -x "$program" ] || return 0
  done < "$build/janus-programs.txt"
  return 1
}
if build_missing; then
  if [ "$build" != "$repo/build" ]; then
    echo "install.sh: no complete build in $build (configure it with cmake, then build the" \
      "target janus-programs)" >&2
    exit 1
  fi
  echo "install.sh: no complete build in build/: building the programs first"
  "$repo/scripts/build.sh" janus-programs
fi

DESTDIR=$root cmake --install "$build" --prefix "$prefix" "${strip[@]}"

echo "install.sh: installed under ${root:-/} with prefix $prefix"
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "install.sh: start it with: systemctl enable --now janusd"
fi
