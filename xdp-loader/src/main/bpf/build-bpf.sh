#!/bin/sh
# Compiles the XDP program for the Maven build (generate-resources):
#   build-bpf.sh SOURCE_DIR OUTPUT_DIR
# Output: OUTPUT_DIR/nve_xdp.o (ships in the jar as /bpf/nve_xdp.o).
set -eu
src=$1
out=$2
if ! command -v clang >/dev/null 2>&1; then
  echo "nve-xdp-loader: clang is missing: the XDP program ($src/nve_xdp.c) is compiled with" >&2
  echo "  'clang -O2 -g -target bpf'. Install it (Debian: apt-get install clang llvm libbpf-dev)," >&2
  echo "  or run ./nve, which installs the packages it needs." >&2
  exit 1
fi
if [ ! -r /usr/include/bpf/bpf_helpers.h ]; then
  echo "nve-xdp-loader: /usr/include/bpf/bpf_helpers.h is missing: install libbpf-dev" >&2
  exit 1
fi
# Debian keeps <asm/types.h> under the multiarch include directory, which -target bpf does not search.
multiarch=$(cc -print-multiarch 2>/dev/null || clang -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
mkdir -p "$out"
clang -O2 -g -target bpf -Wall -Werror \
  -I"/usr/include/$multiarch" -I"$src" \
  -c "$src/nve_xdp.c" -o "$out/nve_xdp.o.tmp"
mv "$out/nve_xdp.o.tmp" "$out/nve_xdp.o"
