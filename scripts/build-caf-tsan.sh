#!/usr/bin/env bash
# Builds CAF's libcaf_core and libcaf_io with ThreadSanitizer into build-caf-tsan/lib, from the
# upstream source of the libcaf-dev that Debian installs (0.17.6, its orig tarball from Debian's
# archive, checked against the sha256 of Debian's .dsc). `scripts/test.sh --sanitize thread
# --caf-tsan` runs every test with these libraries in place of Debian's.
#
# Why: Debian's libcaf is built without TSan, so the hand-over of a message in its mailbox (lock-
# free atomics) is invisible to TSan, every payload an actor reads looks like a race, and
# tests/sanitizers/tsan.supp must drop every report with a libcaf frame, which hides any real
# race with an actor thread too. With an instrumented libcaf no suppression is needed.
#
# The build has Debian's configuration (caf/detail/build_config.hpp the same: log level quiet,
# no profiler, no runtime checks), so the libraries are a drop-in for janusd's headers. A second
# run does nothing. Takes about 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.17.6
sha256=e2bf5bd243f08bb7d8adde197cfe3e6d71314ed3378fe0692f8932f4c3b3928c
url=http://deb.debian.org/debian/pool/main/a/actor-framework/actor-framework_${version}.orig.tar.gz
out=$PWD/build-caf-tsan
lib=$out/lib

if [ -f "$lib/libcaf_core.so.$version" ] && [ -f "$lib/libcaf_io.so.$version" ]; then
  echo "build-caf-tsan.sh: $lib has them already"
  exit 0
fi
installed=$(dpkg-query -W -f='${Version}' libcaf-dev 2> /dev/null || true)
case "$installed" in
  "$version"-*) ;;
  *)
    echo "build-caf-tsan.sh: libcaf-dev $version is needed (installed: ${installed:-none})" >&2
    exit 1
    ;;
esac

mkdir -p "$out"
tarball=$out/actor-framework_${version}.orig.tar.gz
if [ ! -f "$tarball" ] || ! echo "$sha256  $tarball" | sha256sum -c --status; then
  curl -fsS --max-time 120 -o "$tarball.part" "$url"
  mv "$tarball.part" "$tarball"
fi
if ! echo "$sha256  $tarball" | sha256sum -c --status; then
  echo "build-caf-tsan.sh: $tarball does not have the sha256 of Debian's .dsc" >&2
  exit 1
fi
src=$out/actor-framework-$version
rm -rf "$src"
tar -xzf "$tarball" -C "$out"
# GCC 12 no longer gets <limits> through other headers here (Debian's build has the same fix).
sed -i '0,/^#include </s//#include <limits>\n#include </' \
  "$src/libcaf_io/caf/io/network/receive_buffer.hpp"

cmake -S "$src" -B "$out/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="-O1 -g1 -fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread -DCAF_LOG_LEVEL=QUIET \
  -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes -DCAF_NO_OPENSSL=yes -DCAF_NO_TOOLS=yes \
  -DCAF_NO_PYTHON=yes -DCAF_NO_OPENCL=yes -DCAF_NO_SUMMARY=yes > "$out/cmake.log"
if ! diff -q <(grep -E '^(#define|/\* #undef)' /usr/include/caf/detail/build_config.hpp) \
  <(grep -E '^(#define|/\* #undef)' "$out/build/libcaf_core/caf/detail/build_config.hpp") \
  > /dev/null; then
  echo "build-caf-tsan.sh: the build's caf/detail/build_config.hpp differs from Debian's" >&2
  exit 1
fi
ninja -C "$out/build" -j "${JOBS:-$(nproc)}" libcaf_core_shared libcaf_io_shared
mkdir -p "$lib"
cp -a "$out/build/lib/"libcaf_core.so* "$out/build/lib/"libcaf_io.so* "$lib/"
echo "build-caf-tsan.sh: $lib"
