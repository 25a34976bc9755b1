#!/bin/bash
# usage: both-orders.sh AB_DIR RUNS CLASS METHOD PARAMS SLICES PER_SLICE OLD NEW
# Runs Ab (compiled into AB_DIR, see README.md) RUNS times with OLD first and RUNS times with NEW
# first, alternately, and prints each run's new/old ratio and their geometric mean. The second
# variant of a run loses 2-12% with 1,000,000 conntrack entries in A/A runs, so one order alone
# misleads (README.md).
set -euo pipefail
if [ $# -ne 9 ]; then
    sed -n '2,6p' "$0" >&2
    exit 2
fi
ab=$1 runs=$2 class=$3 method=$4 params=$5 slices=$6 per_slice=$7 old=$8 new=$9
java_home=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
java=("$java_home/bin/java" --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
    --sun-misc-unsafe-memory-access=allow -Xmx6g -cp "$ab" Ab)
ratios=()
for ((run = 1; run <= runs; run++)); do
    # The last line is the second variant's, with its ratio to the first.
    second_to_first=$("${java[@]}" "$class" "$method" "$params" "$slices" "$per_slice" "$old" "$new" | tail -1 | sed -n 's/.*ratio-to-[^ ]* median \([0-9.]*\).*/\1/p')
    first_to_second=$("${java[@]}" "$class" "$method" "$params" "$slices" "$per_slice" "$new" "$old" | tail -1 | sed -n 's/.*ratio-to-[^ ]* median \([0-9.]*\).*/\1/p')
    if [ -z "$second_to_first" ] || [ -z "$first_to_second" ]; then
        echo "run $run: Ab printed no ratio" >&2
        exit 1
    fi
    new_to_old_second=$second_to_first
    new_to_old_first=$(awk -v r="$first_to_second" 'BEGIN { printf "%.3f", 1 / r }')
    echo "run $run: new/old $new_to_old_second (new second), $new_to_old_first (new first)"
    ratios+=("$new_to_old_second" "$new_to_old_first")
done
printf '%s\n' "${ratios[@]}" | awk '{ s += log($1); n++ } END { printf "new/old geometric mean of %d: %.3f\n", n, exp(s / n) }'
