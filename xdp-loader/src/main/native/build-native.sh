#!/bin/sh
# Compiles the userspace helper library for the Maven build (generate-resources):
#   build-native.sh SOURCE_DIR OUTPUT_DIR
# Output: OUTPUT_DIR/libnve_prefetch.so (ships in the jar as /native/libnve_prefetch.so).
set -eu
src=$1
out=$2
if ! command -v clang >/dev/null 2>&1; then
  echo "nve-xdp-loader: clang is missing: $src/nve_prefetch.c is compiled with 'clang -O2 -shared'." >&2
  echo "  Install it (Debian: apt-get install clang), or run ./nve, which installs the packages it needs." >&2
  exit 1
fi
mkdir -p "$out"
clang -O2 -shared -fPIC -Wall -Wextra -Werror -o "$out/libnve_prefetch.so.tmp" "$src/nve_prefetch.c"
mv "$out/libnve_prefetch.so.tmp" "$out/libnve_prefetch.so"
