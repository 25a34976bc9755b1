#!/bin/bash
# usage: bench/scripts/ctfloor/run.sh [ROUNDS]   builds ctfloor.c and CtFloor.java (the same work
# in C and in Java) and prints their ns/packet for 1 and 1,000,000 flows, each direction, then
# the mixed case pass by pass (docs/BENCHMARKS.md, "What this machine allows"). The Java half
# needs JAVA_HOME (JDK 25) and bench/target/benchmarks.jar (Agrona) from the Maven build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
rounds=${1:-21}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc=$(command -v clang || command -v cc)
"$cc" -O2 -march=native -Wall -Wextra -o "$out/ctfloor" "$here/ctfloor.c"
java_home=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
jar=$root/bench/target/benchmarks.jar
java=()
java_phases=()
if [ -x "$java_home/bin/javac" ] && [ -f "$jar" ]; then
    "$java_home/bin/javac" -cp "$jar" -d "$out" "$here/CtFloor.java"
    java=("$java_home/bin/java" --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Xmx2g -cp "$jar:$out" CtFloor)
    java_phases=("$java_home/bin/java" --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Xmx2g -Dphases=true -cp "$jar:$out" CtFloor)
else
    echo "skipping CtFloor.java: needs $java_home/bin/javac and $jar" >&2
fi
for flows in 1 1000000; do
    for direction in original reply mixed harness; do
        "$out/ctfloor" "$flows" "$direction" "$rounds"
        if [ ${#java[@]} -gt 0 ]; then "${java[@]}" "$flows" "$direction" "$rounds"; fi
    done
done
for flows in 1 1000000; do
    CTFLOOR_PHASES=1 "$out/ctfloor" "$flows" mixed "$rounds"
    if [ ${#java_phases[@]} -gt 0 ]; then "${java_phases[@]}" "$flows" mixed "$rounds"; fi
done
