#!/usr/bin/env bash
# Makes the base image of the Python baseline, janus-debian-python:bookworm: a Debian bookworm
# root filesystem made with debootstrap (--variant=minbase plus the packages below, from the
# Debian mirror apt uses here), trimmed, and imported into Docker (`docker import`).
#
# Cached twice, both keyed by the package list (with the suite, the variant and the recipe):
#   - the image itself carries the key as the label org.janus.base-key: when it is already in
#     the engine, nothing is done (no network, well under a second);
#   - the root filesystem's tarball, $JANUS_CACHE_DIR/debian-python-bookworm-<key>.tar: when the
#     image is missing or older, it is imported from there (offline, seconds).
# Only when both are missing does debootstrap run (network to the mirror, minutes, bounded by
# JANUS_DEBOOTSTRAP_TIMEOUT, default 1200 s). JANUS_CACHE_DIR defaults to /var/cache/janus as
# root (outside every build directory: a fresh clone or `rm -rf build` on this machine reuses
# it), build/cache otherwise. Prints one line; the debootstrap log stays in the cache directory.
#   deploy/python-baseline/build-base.sh [--print-key]
set -euo pipefail
cd "$(dirname "$0")/../.."

suite=bookworm
variant=minbase
packages=(python3-fastapi python3-uvicorn uvicorn) # uvicorn: /usr/bin/uvicorn
recipe=1 # bump when the steps below change what the root filesystem holds
image=janus-debian-python:$suite
key=$(printf '%s\n' "suite=$suite" "variant=$variant" "recipe=$recipe" "${packages[@]}" \
        | sha256sum | cut -c1-16)
if [ "${1:-}" = --print-key ]; then
  echo "$key"
  exit 0
fi
[ $# -eq 0 ] || { echo "usage: deploy/python-baseline/build-base.sh [--print-key]" >&2; exit 2; }

say() { echo "build-base.sh: $*" >&2; }

image_key() {
  docker image inspect --format '{{index .Config.Labels "org.janus.base-key"}}' "$image" \
    2>/dev/null || true
}
if [ "$(image_key)" = "$key" ]; then
  echo "$image: up to date (key $key)"
  exit 0
fi

if [ -n "${JANUS_CACHE_DIR:-}" ]; then
  cache=$JANUS_CACHE_DIR
elif [ "$(id -u)" -eq 0 ]; then
  cache=/var/cache/janus
else
  cache=$PWD/build/cache
fi
mkdir -p "$cache"
tarball=$cache/debian-$suite-python-$key.tar

# The first Debian mirror apt is configured with for $suite's main component, from its one-line
# (.list) and deb822 (.sources) files; nothing when there is none.
apt_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" -v deb822="$([[ $f == *.sources ]] && echo 1 || echo 0)" '
      function has(list, word) { return (" " list " ") ~ ("[ \t]" word "[ \t]") }
      function flush() {
        if (has(t, "deb") && has(s, suite) && has(c, "main") && u != "") { print u; found = 1; exit }
        t = u = s = c = ""
      }
      deb822 && /^[ \t]*$/ { flush(); next }
      deb822 && /^[ \t]*#/ { next }
      deb822 {
        name = tolower($1); $1 = ""
        if (name == "types:") t = $0
        else if (name == "uris:") u = $2
        else if (name == "suites:") s = $0
        else if (name == "components:") c = $0
        next
      }
      /^[ \t]*deb[ \t]/ {
        line = $0; sub(/\[[^]]*\]/, "", line); split(line, w, " ")
        t = "deb"; u = w[2]; s = w[3]; c = ""
        for (j = 4; j in w; j++) c = c " " w[j]
        flush()
      }
      END { if (deb822 && !found) flush() }
    ' "$f" | head -n 1 | grep . && return 0
  done
  return 0
}

make_tarball() {
  command -v debootstrap >/dev/null \
    || { say "debootstrap is not installed (scripts/install-deps.sh installs it)"; exit 1; }
  [ "$(id -u)" -eq 0 ] || { say "debootstrap needs root (or a cached $tarball)"; exit 1; }
  local mirror; mirror=${JANUS_DEBIAN_MIRROR:-$(apt_mirror)}
  mirror=${mirror:-http://deb.debian.org/debian}
  # apt's proxy, if it has one, serves debootstrap's downloads (wget) too.
  local proxy; proxy=$(apt-config shell p Acquire::http::Proxy 2>/dev/null | sed -n "s/^p='\(.*\)'$/\1/p")
  local rootfs; rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
  local log=$cache/debootstrap-$key.log
  local include; include=$(IFS=,; echo "${packages[*]}")
  local t0=$SECONDS
  say "no cached root filesystem: debootstrap $suite ($variant, $include) from $mirror (log: $log)"
  if ! env ${proxy:+http_proxy=$proxy} timeout "${JANUS_DEBOOTSTRAP_TIMEOUT:-1200}" \
         debootstrap --variant="$variant" --include="$include" "$suite" "$rootfs" "$mirror" \
         >"$log" 2>&1; then
    say "debootstrap failed; the end of $log:"
    tail -n 15 "$log" >&2
    rm -rf "$rootfs"
    exit 1
  fi
  # What a container never reads: package lists and caches, docs, man pages, translations,
  # logs; and what must not come from this host (its resolver and name: Docker sets both).
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
         "$rootfs"/var/log/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
         "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/var/lib/dpkg/*-old
  : > "$rootfs/etc/resolv.conf"
  : > "$rootfs/etc/hostname"
  # Packages installed later in a derived image leave their docs out too.
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-exclude /usr/share/man/*' \
    'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
    > "$rootfs/etc/dpkg/dpkg.cfg.d/janus-nodoc"
  tar --numeric-owner -C "$rootfs" -cf "$tarball.part" .
  rm -rf "$rootfs"
  mv "$tarball.part" "$tarball"
  say "root filesystem made in $((SECONDS - t0)) s: $tarball ($(du -h "$tarball" | cut -f1))"
}

# One build at a time makes the tarball (several worktrees share the cache and the engine).
exec 9>"$cache/.lock"
flock -w "${JANUS_DEBOOTSTRAP_TIMEOUT:-1200}" 9 || { say "waited too long for $cache/.lock"; exit 1; }
if [ "$(image_key)" = "$key" ]; then
  echo "$image: up to date (key $key)"
  exit 0
fi
from=cache
if [ ! -s "$tarball" ]; then
  make_tarball
  from=debootstrap
fi
docker import --change "LABEL org.janus.base-key=$key" --change "LABEL org.janus.image=janus-debian-python" \
  - "$image" < "$tarball" > /dev/null
# Base images of earlier keys that nothing uses any more (images in use stay).
docker image prune --force --filter label=org.janus.image=janus-debian-python > /dev/null 2>&1 || true
echo "$image: imported from $from (key $key, $(basename "$tarball"))"
