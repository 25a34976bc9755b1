#!/bin/bash
# Runs the stage and table benchmarks the way docs/BENCHMARKS.md reports them: one JMH run per
# benchmark class, JSON results in $OUT (default bench/target/results), then prints medians.
# JMH's own lock (/tmp/jmh.lock) keeps two JMH runs on this machine from overlapping; when
# another one holds it this script waits and retries instead of failing.
# Usage: bench/scripts/run-stage-benchmarks.sh [round-name]    (build first, see the doc)
set -u
cd "$(dirname "$0")/../.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
OUT=${OUT:-bench/target/results}
ROUND=${1:-r1}
mkdir -p "$OUT"
J="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar bench/target/benchmarks.jar"
for group in VxlanDecapBenchmark VxlanEncapBenchmark FdbLookupBenchmark; do
  while true; do
    echo "$(date +%H:%M:%S) $group (load $(cut -d' ' -f1-3 /proc/loadavg))"
    $J "$group" -f 1 -wi 3 -w 2s -i 10 -r 1s -prof gc -jvmArgsAppend -Xmx256m \
      -rf json -rff "$OUT/$group-$ROUND.json" > "$OUT/$group-$ROUND.txt" 2>&1
    if grep -q 'Unable to acquire the JMH lock' "$OUT/$group-$ROUND.txt"; then sleep 15; continue; fi
    break
  done
done
python3 bench/scripts/jmh_medians.py "$OUT"/*-"$ROUND".json
