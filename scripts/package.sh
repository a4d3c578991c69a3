#!/usr/bin/env bash
# Builds a Debian package of janusd with dpkg-deb:
#   scripts/package.sh [--output DIR] [--build-dir DIR]
# writes DIR/janus-orchestrator_<version>_<arch>.deb (DIR defaults to build/) and prints its
# path. Its files are what scripts/install.sh --prefix /usr puts in place (CMake's install()
# rules, stripped): the programs in /usr/bin, the unit in /lib/systemd/system, the sample config
# and secrets file in /etc/janus (conffiles: an upgrade keeps the operator's), the docs in
# /usr/share/doc/janus. Depends lists the packages of the shared libraries the programs link
# (dpkg-shlibdeps). The version is the packaged janusd's: 0.9.0, or 0.9.0+git<commits>.<hash>
# for a build between releases. Installing it neither enables nor restarts janusd.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/build
build=$repo/build
package=janus-orchestrator

while [ $# -gt 0 ]; do
  case $1 in
    --output) out=${2:?--output needs a directory}; shift 2 ;;
    --build-dir) build=${2:?--build-dir needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for tool in dpkg-deb dpkg-shlibdeps; do
  if ! command -v "$tool" > /dev/null; then
    echo "package.sh: $tool is missing (apt-get install dpkg-dev)" >&2
    exit 1
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# dpkg-shlibdeps expects the files of package P under debian/P.
stage=$work/debian/$package
mkdir -p "$stage/DEBIAN"
chmod 0755 "$stage"
if ! "$repo/scripts/install.sh" --root "$stage" --prefix /usr --build-dir "$build" --strip \
  > "$work/install.log" 2>&1; then
  cat "$work/install.log" >&2
  exit 1
fi

# janusd 0.9.0 (git 7ebc797-dirty) -> 0.9.0+git<commits>.7ebc797.dirty
version_line=$("$stage/usr/bin/janusd" --version)
number=$(echo "$version_line" | awk '{print $2}')
described=$(echo "$version_line" | sed -n 's/.*(git \(.*\))$/\1/p')
version=$number
if [ -n "$described" ] && [ "$described" != "$number" ] && [ "$described" != "v$number" ]; then
  hash=$(echo "$described" | sed -n 's/.*\([0-9a-f]\{7,\}\)\(-dirty\)\{0,1\}$/\1/p')
  dirty=$(case $described in *-dirty) echo .dirty ;; esac)
  commits=$(git -C "$repo" rev-list --count "$hash" 2> /dev/null || true)
  version=$number+git$commits.$hash$dirty
fi
arch=$(dpkg --print-architecture)

printf 'Source: janus\n\nPackage: %s\nArchitecture: any\n' "$package" > "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$stage"/usr/bin/* 2> "$work/shlibdeps.log" \
  | sed -n 's/^shlibs:Depends=//p')
if [ -z "$depends" ]; then
  cat "$work/shlibdeps.log" >&2
  echo "package.sh: dpkg-shlibdeps found no dependencies" >&2
  exit 1
fi

cat > "$stage/DEBIAN/control" << CONTROL
Package: $package
Version: $version
Architecture: $arch
Maintainer: Janus Orchestrator developers <janus@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Recommends: docker.io | docker-ce
Section: net
Priority: optional
Description: warm pools of model containers behind an OpenAI-compatible endpoint
 janusd keeps warm pools of model containers (Docker containers or local processes) and
 serves OpenAI chat completions through them, streamed answers included: health checks,
 replacement, recycling and idle reaping, Prometheus metrics, an admin API. With
 janus-baseline (the reference model container), janus-bench (a load generator) and
 janus-check (the conformance check of a model image).
CONTROL
cat > "$stage/DEBIAN/conffiles" << 'CONFFILES'
/etc/janus/janusd.yaml
/etc/janus/janusd.env
CONFFILES
# systemctl only where systemd runs (not in a container or a chroot).
cat > "$stage/DEBIAN/postinst" << 'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
exit 0
SCRIPT
cat > "$stage/DEBIAN/prerm" << 'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop janusd.service || true
fi
exit 0
SCRIPT
cat > "$stage/DEBIAN/postrm" << 'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -rf /var/lib/janus
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
exit 0
SCRIPT
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"

mkdir -p "$out"
deb=$(cd "$out" && pwd)/${package}_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$stage" "$deb" > /dev/null
echo "$deb"
