#!/bin/bash
# usage: bench/scripts/ctfloor/run.sh [ROUNDS]   builds ctfloor.c and prints its ns/packet for
# 1 and 1,000,000 flows, both directions (docs/BENCHMARKS.md, "What this machine allows").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-21}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc=$(command -v clang || command -v cc)
"$cc" -O2 -march=native -Wall -Wextra -o "$out/ctfloor" "$here/ctfloor.c"
for flows in 1 1000000; do
    for direction in original reply mixed harness; do
        "$out/ctfloor" "$flows" "$direction" "$rounds"
    done
done
