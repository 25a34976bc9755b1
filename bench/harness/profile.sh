#!/bin/bash
# CPU profile of the DUT process while it forwards: perf (cpu-clock, the only event this VM
# offers) on the DUT's PID (its threads in user and kernel mode, incl. the kernel's copy-mode
# TX and the sink's RX softirq that run inside its sendto), for the C forwarder and for nve,
# same topology and load as run.sh.
#
#   bench/harness/profile.sh [MODE [XDP]]        default: decap generic
#   DUR=5 IMPLS="c nve" NVE_NO_BUILD=1 bench/harness/profile.sh encap native
#
# The Java DUT runs with -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer so perf resolves
# JIT-compiled methods from /tmp/perf-PID.map. Reports go to OUT/profile-<impl>-<mode>-<xdp>.txt:
# the split by object (kernel, JIT code, libc, libjvm) and the hottest symbols (self time).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REFBENCH=${REFBENCH:-$ROOT/../shared/refbench}
MODE=${1:-decap}
XDP=${2:-generic}
DUR=${DUR:-5}
WARM=${WARM:-4}
IMPLS=${IMPLS:-"c nve"}
NVE_DUT=${NVE_DUT:-bench}
OUT=${OUT:-$HERE/results/profiles}
P=nveg-$$-
WORK=$(mktemp -d /tmp/nveg-profile-XXXXXX)
MAC_NONE=02:72:62:00:00:99
mkdir -p "$OUT"
command -v perf >/dev/null || { echo "profile.sh: perf not installed" >&2; exit 1; }

DUT_PID=
GEN_PID=
cleanup() {
    [ -n "$GEN_PID" ] && kill -TERM "$GEN_PID" 2>/dev/null
    [ -n "$DUT_PID" ] && kill -TERM "$DUT_PID" 2>/dev/null
    sleep 0.5
    [ -n "$DUT_PID" ] && kill -KILL "$DUT_PID" 2>/dev/null
    "$HERE/topo.sh" down "$P"
    rm -rf "$WORK"
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT

mkdir -p "$WORK/refbench"
cp "$REFBENCH"/Makefile "$REFBENCH"/*.c "$REFBENCH"/*.h "$WORK/refbench/"
make -s -C "$WORK/refbench" >/dev/null 2>&1 || { echo "refbench build failed" >&2; exit 1; }
# shellcheck source=../../nve
source "$ROOT/nve"
set +e +o pipefail
require_jdk
if [ "${NVE_NO_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && ./mvnw -B -q -Dmaven.test.skip=true -pl control,bench -am package) >/dev/null 2>&1 || { echo "nve build failed" >&2; exit 1; }
fi
JVM=("$JAVA_HOME/bin/java" -Xmx256m "${JVM_FLAGS[@]}" -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer)
"$HERE/topo.sh" up "$P" 1500 || exit 1

gtype=udp4; [ "$MODE" = decap ] && gtype=vxlan
gmac=(); [ "$MODE" = fwd ] && gmac=(-D $MAC_NONE)
xskb=skb; [ "$XDP" = native ] && xskb=drv
for impl in $IMPLS; do
    secs=$((WARM + DUR + 15))
    case $impl in
        c) ip netns exec "${P}dut" "$WORK/refbench/build/fwd" -m "$MODE" -x $xskb -c 1 -q -d $secs >"$WORK/dut.log" 2>&1 & ;;
        nve) if [ "$NVE_DUT" = run ]; then
                 ip netns exec "${P}dut" taskset -c 1 "${JVM[@]}" -cp "$ROOT/control/target/nve-control.jar:$ROOT/control/target/lib/*" dev.nve.control.Main run \
                     --config "$HERE/configs/$MODE.json" --xdp-mode "$XDP" --cpu 1 --duration $secs --idle busy-spin >"$WORK/dut.log" 2>&1 &
             else
                 ip netns exec "${P}dut" taskset -c 1 "${JVM[@]}" -cp "$ROOT/bench/target/benchmarks.jar" dev.nve.bench.pipeline.XdpDut --mode "$MODE" \
                     --xdp "$XDP" --cpu 1 --duration $secs >"$WORK/dut.log" 2>&1 &
             fi ;;
    esac
    DUT_PID=$!
    for i in $(seq 1 150); do ip -n "${P}dut" link show d0 | grep -q xdp && break; sleep 0.1; done
    sleep 0.5
    ip netns exec "${P}gen" "$WORK/refbench/build/gen" -t $gtype -d $((WARM + DUR + 1)) -c 0 "${gmac[@]}" >/dev/null 2>&1 &
    GEN_PID=$!
    sleep "$WARM"
    a=$(ip netns exec "${P}sink" cat /sys/class/net/s0/statistics/rx_packets)
    perf record -q -p "$DUT_PID" -e cpu-clock -F 4999 -g -o "$WORK/perf.data" -- sleep "$DUR" 2>/dev/null
    b=$(ip netns exec "${P}sink" cat /sys/class/net/s0/statistics/rx_packets)
    wait "$GEN_PID"; GEN_PID=
    kill -TERM "$DUT_PID"; for i in $(seq 1 100); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DUT_PID" 2>/dev/null; wait "$DUT_PID" 2>/dev/null; DUT_PID=
    rep=$OUT/profile-$impl-$MODE-$XDP.txt
    {
        echo "# $impl $MODE $XDP: sink $(awk -v a="$a" -v b="$b" -v d="$DUR" 'BEGIN { printf "%.3f", (b - a) / d / 1e6 }') Mpps during the profile"
        echo "# share of the DUT process's samples (all its threads, user and kernel) by object"
        perf report -i "$WORK/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
        echo "# hottest symbols (self)"
        perf report -i "$WORK/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -45
    } > "$rep"
    echo "== $rep"; head -30 "$rep"
done
