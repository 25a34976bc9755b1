#!/bin/bash
# nve end-to-end throughput harness: nve against the refbench C AF_XDP forwarder and the
# kernel's vxlan+bridge, on the refbench topology (own namespaces), interleaved in one run.
#
#   bench/harness/run.sh                       everything, DUR=5 RUNS=3
#   DUR=5 RUNS=3 MODES="decap encap" XDPS=generic bench/harness/run.sh
#   bench/harness/report.py bench/harness/results/data.txt    the tables again
#
# Environment (defaults in brackets):
#   DUR [5]        measured seconds per run         WARM [3]   seconds of load before measuring
#   RUNS [3]       rounds; every round measures every configuration once, C and nve
#                  alternating which goes first
#   MODES ["drop fwd decap encap"]   XDPS ["generic native"]
#   KERNEL [1]     kernel vxlan+bridge decap baseline in every round
#   GENALONE [1]   generator alone (refbench gen vs nve gen) in every round
#   IMPLS ["c nve-bench nve-run"]  DUTs measured in every round, in rotating order:
#                  c = refbench fwd; nve-bench = dev.nve.bench.pipeline.XdpDut (the inline
#                  Pipeline on AfXdpPorts, tables set in code, refbench-style SIGUSR1 counter
#                  snapshots); nve-run = `nve run --config configs/MODE.json` (the product
#                  command; no fwd mode: its fwd needs a third interface for the underlay);
#                  nve-run-copy = the same with --umem per-port (the endpoint port on its own
#                  UMEM, a copy each way: what nve does where the kernel refuses a shared UMEM).
#                  nve-run is dropped when `nve run` does not exist.
#   QUIET [10]     seconds to wait before each run for other load to go away (then run anyway)
#   FOREIGN_PCT [10]  a run is "clean" when processes outside this script used <= this % of
#                  the 2 CPUs during it; RETRY [1] extra attempts for unclean runs
#   NVE_NO_BUILD=1 use the jars in */target as they are
#   PROFILE [0]    1: perf record (cpu-clock, call graphs) of the DUT process during each measured
#                  run, JIT frames named through the JVM's perf map; summaries in raw/perf-*.txt
#   OUT [bench/harness/results]   data.txt (one line per run, appended) and raw logs
#
# Safety: namespaces nveg-<pid>-{gen,dut,sink}, addresses in 198.18.0.0/15 only, every load
# is bounded (gen -d, DUT --duration), the DUT is stopped by PID and the namespaces are
# deleted on exit (also on Ctrl-C). refbench's sources are copied to a temp dir and built
# there (../shared is read-only).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REFBENCH=${REFBENCH:-$ROOT/../shared/refbench}
DUR=${DUR:-5}
WARM=${WARM:-3}
RUNS=${RUNS:-3}
MODES=${MODES:-"drop fwd decap encap"}
XDPS=${XDPS:-"generic native"}
KERNEL=${KERNEL:-1}
GENALONE=${GENALONE:-1}
IMPLS=${IMPLS:-"c nve-bench nve-run"}
QUIET=${QUIET:-10}
RETRY=${RETRY:-1}
FOREIGN_PCT=${FOREIGN_PCT:-10}
GEN_CPU=${GEN_CPU:-0}
DUT_CPU=${DUT_CPU:-1}
OUT=${OUT:-$HERE/results}
PROFILE=${PROFILE:-0}
P=nveg-$$-
WORK=$(mktemp -d /tmp/nveg-harness-XXXXXX)
STAMP=$(date +%Y%m%dT%H%M%S)
RAW=$OUT/raw/$STAMP
DATA=$OUT/data.txt
MAC_NONE=02:72:62:00:00:99
NCPU=$(nproc)
TICK_NS=$((1000000000 / $(getconf CLK_TCK)))
mkdir -p "$RAW"

log() { echo "[$(date +%T)] $*" >&2; }
rec() { echo "stamp=$STAMP $*" >> "$DATA"; echo "  -> $*" >&2; }
ctr() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null || echo 0; }
now() { date +%s.%N; }
ticks() { # PID -> utime+stime of the whole process (all threads), in clock ticks
    awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null || echo 0
}

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
trap 'cleanup' EXIT

# ------------------------------------------------------------------------------ build
log "building refbench in $WORK/refbench (copy of $REFBENCH)"
mkdir -p "$WORK/refbench"
cp "$REFBENCH"/Makefile "$REFBENCH"/*.c "$REFBENCH"/*.h "$WORK/refbench/" || { log "refbench sources not found at $REFBENCH"; exit 1; }
make -s -C "$WORK/refbench" >"$RAW/refbench-build.log" 2>&1 || { log "refbench build failed:"; cat "$RAW/refbench-build.log" >&2; exit 1; }
FWD=$WORK/refbench/build/fwd
CGEN=$WORK/refbench/build/gen

# the nve launcher's JDK selection and JVM flags (sourcing it runs nothing)
# shellcheck source=../../nve
source "$ROOT/nve"
set +e +o pipefail   # the launcher runs with -e and pipefail; this script checks what matters itself
require_jdk
JAVA=$JAVA_HOME/bin/java
if [ "${NVE_NO_BUILD:-0}" != 1 ]; then
    log "building nve (control, bench)"
    (cd "$ROOT" && ./mvnw -B -q -Dmaven.test.skip=true -pl control,bench -am package) >"$RAW/nve-build.log" 2>&1 \
        || { log "nve build failed:"; tail -30 "$RAW/nve-build.log" >&2; exit 1; }
fi
CONTROL_CP="$ROOT/control/target/nve-control.jar:$ROOT/control/target/lib/*"
BENCH_JAR=$ROOT/bench/target/benchmarks.jar
NVE_JVM=("$JAVA" -Xmx256m "${JVM_FLAGS[@]}")
if [ "$PROFILE" = 1 ]; then
    NVE_JVM+=(-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer)
fi
if [[ " $IMPLS " == *" nve-run "* ]] && ! "${NVE_JVM[@]}" -cp "$CONTROL_CP" dev.nve.control.Main run --help >/dev/null 2>&1; then
    log "nve run is not available: measuring without it"
    IMPLS=$(sed 's/nve-run[a-z-]*//g' <<< "$IMPLS")
fi
log "DUTs: $IMPLS"

# ------------------------------------------------------------------------------ helpers
F1=$WORK/foreign-1.json
F2=$WORK/foreign-2.json
quiet_wait() {
    local end=$((SECONDS + QUIET)) f ms
    while :; do
        "$HERE/foreign.py" snap "$F1" $$
        sleep 1
        "$HERE/foreign.py" snap "$F2" $$
        f=$("$HERE/foreign.py" diff "$F1" "$F2" $$)
        ms=$(sed -n 's/foreign_ms=\([0-9]*\).*/\1/p' <<< "$f")
        [ "${ms:-0}" -le 50 ] && return 0
        if [ $SECONDS -ge $end ]; then
            log "other load still present after ${QUIET}s ($f); measuring anyway"
            return 1
        fi
    done
}

gen_type() { case $1 in decap) echo vxlan ;; *) echo udp4 ;; esac; }
gen_mac() { case $1 in fwd) echo "-D $MAC_NONE" ;; *) echo "" ;; esac; }

# dut_start IMPL XDP MODE LOG: starts the DUT in the dut namespace, sets DUT_PID; 0 when ready
dut_start() {
    local impl=$1 xdp=$2 mode=$3 logf=$4 secs=$((WARM + DUR + 20)) i
    local xskb=skb; [ "$xdp" = native ] && xskb=drv
    case $impl in
        c) ip netns exec "${P}dut" "$FWD" -m "$mode" -x $xskb -c "$DUT_CPU" -q -d $secs >"$logf" 2>&1 & ;;
        nve-bench) ip netns exec "${P}dut" taskset -c "$DUT_CPU" "${NVE_JVM[@]}" -cp "$BENCH_JAR" dev.nve.bench.pipeline.XdpDut --mode "$mode" --xdp "$xdp" \
                --cpu "$DUT_CPU" --duration $secs >"$logf" 2>&1 & ;;
        nve-run|nve-run-copy) local umem=auto; [ "$impl" = nve-run-copy ] && umem=per-port
            ip netns exec "${P}dut" taskset -c "$DUT_CPU" "${NVE_JVM[@]}" -cp "$CONTROL_CP" dev.nve.control.Main run --config "$HERE/configs/$mode.json" \
                --xdp-mode "$xdp" --umem $umem --cpu "$DUT_CPU" --duration $secs --idle busy-spin --stats-interval 1 >"$logf" 2>&1 & ;;
    esac
    DUT_PID=$!
    for i in $(seq 1 150); do
        if ip -n "${P}dut" link show d0 2>/dev/null | grep -q 'prog/xdp\|xdpgeneric\|xdpdrv\|xdp '; then
            # the program is attached; give the socket a moment to bind
            sleep 0.5
            return 0
        fi
        kill -0 "$DUT_PID" 2>/dev/null || break
        sleep 0.1
    done
    log "DUT $impl $mode/$xdp did not start:"; grep -v '^libbpf' "$logf" | tail -20 >&2
    dut_stop
    return 1
}

dut_stop() {
    [ -n "$DUT_PID" ] || return 0
    kill -TERM "$DUT_PID" 2>/dev/null
    local i
    for i in $(seq 1 100); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DUT_PID" 2>/dev/null
    wait "$DUT_PID" 2>/dev/null
    DUT_PID=
    if ip -n "${P}dut" link show d0 | grep -q 'xdp'; then
        log "an XDP program is still attached to d0: removing it"
        ip -n "${P}dut" link set d0 xdpgeneric off 2>/dev/null
        ip -n "${P}dut" link set d0 xdpdrv off 2>/dev/null
    fi
    if ip -n "${P}dut" link show d1 | grep -q 'xdp'; then
        ip -n "${P}dut" link set d1 xdpgeneric off 2>/dev/null
        ip -n "${P}dut" link set d1 xdpdrv off 2>/dev/null
    fi
}

SNAPSEQ=0
# dut_snap IMPL LOG -> "rx tx busy_ns" from the DUT's own counters (SIGUSR1), or "- - -"
dut_snap() {
    local impl=$1 logf=$2 i l pat
    case $impl in c) pat="fwd: snap seq=$SNAPSEQ " ;; nve-bench) pat="dut: snap seq=$SNAPSEQ " ;; *) echo "- - -"; return ;; esac
    kill -USR1 "$DUT_PID" 2>/dev/null
    for i in $(seq 1 100); do
        l=$(grep "$pat" "$logf") && break
        sleep 0.02
    done
    sed -n 's/.* rx=\([0-9]*\) tx=\([0-9]*\) .*busy_ns=\([0-9.]*\).*/\1 \2 \3/p' <<< "$l" | head -1
}

# one DUT measurement: IMPL XDP MODE RUN
dut_run() {
    local impl=$1 xdp=$2 mode=$3 run=$4 try=0
    local logf=$RAW/dut-$impl-$xdp-$mode-$run.log
    while :; do
        quiet_wait; local busy=$?
        SNAPSEQ=0
        dut_start "$impl" "$xdp" "$mode" "$logf" || { rec "test=dut impl=$impl xdp=$xdp mode=$mode run=$run error=start_failed"; return 1; }
        "$HERE/foreign.py" snap "$F1" $$
        # shellcheck disable=SC2046
        ip netns exec "${P}gen" "$CGEN" -t "$(gen_type "$mode")" -d $((WARM + DUR + 1)) -c "$GEN_CPU" $(gen_mac "$mode") \
            >"$RAW/gen-$impl-$xdp-$mode-$run.log" 2>&1 &
        GEN_PID=$!
        sleep "$WARM"
        SNAPSEQ=1; local s1; s1=($(dut_snap "$impl" "$logf"))
        local t1 k1 a1 r1
        t1=$(now); k1=$(ticks "$DUT_PID"); a1=$(ctr "${P}sink" s0 rx_packets); r1=$(ctr "${P}dut" d0 rx_packets)
        if [ "$PROFILE" = 1 ]; then
            # cpu-clock samples of the DUT process only (no hardware counters in this VM); the
            # sampling costs a little, so profiled runs are for "where", not for the figures
            perf record -e cpu-clock -F 997 -g -p "$DUT_PID" -o "$RAW/perf-$impl-$xdp-$mode-$run.data" -- sleep "$DUR" >/dev/null 2>&1
        else
            sleep "$DUR"
        fi
        SNAPSEQ=2; local s2; s2=($(dut_snap "$impl" "$logf"))
        local t2 k2 a2 r2
        t2=$(now); k2=$(ticks "$DUT_PID"); a2=$(ctr "${P}sink" s0 rx_packets); r2=$(ctr "${P}dut" d0 rx_packets)
        local rss; rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DUT_PID/status" 2>/dev/null)
        wait "$GEN_PID" 2>/dev/null; GEN_PID=
        "$HERE/foreign.py" snap "$F2" $$
        dut_stop
        if [ "$PROFILE" = 1 ] && [ -f "$RAW/perf-$impl-$xdp-$mode-$run.data" ]; then
            # after the DUT exited: the JVM wrote /tmp/perf-PID.map for its JIT frames then
            perf report -i "$RAW/perf-$impl-$xdp-$mode-$run.data" --no-children --sort dso,sym --stdio 2>/dev/null \
                | grep -v '^#' | grep -v '^$' | head -80 >"$RAW/perf-$impl-$xdp-$mode-$run.txt"
        fi
        local f fms clean=1
        f=$("$HERE/foreign.py" diff "$F1" "$F2" $$)
        fms=$(sed -n 's/foreign_ms=\([0-9]*\).*/\1/p' <<< "$f")
        [ "${fms:-0}" -gt $(((WARM + DUR + 2) * 1000 * NCPU * FOREIGN_PCT / 100)) ] && clean=0
        local line
        line=$(awk -v t1="$t1" -v t2="$t2" -v a1="$a1" -v a2="$a2" -v r1="$r1" -v r2="$r2" -v k1="$k1" -v k2="$k2" -v tick="$TICK_NS" \
            -v x1="${s1[0]:--}" -v x2="${s2[0]:--}" -v b1="${s1[2]:--}" -v b2="${s2[2]:--}" -v mode="$mode" 'BEGIN {
            dt = t2 - t1; sink = (a2 - a1) / dt; d0 = (r2 - r1) / dt
            dutrx = (x1 != "-" && x2 != "-") ? (x2 - x1) / dt : -1
            pkts = (dutrx >= 0) ? (x2 - x1) : (mode == "drop" ? (r2 - r1) : (a2 - a1))
            cpu = (k2 - k1) * tick
            printf "secs=%.3f sink_pps=%.0f d0_rx_pps=%.0f dut_rx_pps=%.0f dut_cpu_pct=%.1f cpu_ns_pkt=%.1f", dt, sink, d0, dutrx,
                100 * cpu / (dt * 1e9), (pkts > 0 ? cpu / pkts : 0)
            if (b1 != "-" && b2 != "-" && x2 > x1) printf " busy_ns_pkt=%.1f busy_pct=%.1f", (b2 - b1) / (x2 - x1), 100 * (b2 - b1) / (dt * 1e9)
        }')
        local genl; genl=$(grep '^gen:' "$RAW/gen-$impl-$xdp-$mode-$run.log" | tail -1 | sed -n 's/.* pps=\([0-9]*\).*/gen_pps=\1/p')
        rec "test=dut impl=$impl xdp=$xdp mode=$mode run=$run $line ${genl:-gen_pps=0} rss_kb=${rss:-0} quiet_before=$((1 - busy)) clean=$clean try=$try $f"
        [ $clean = 1 ] && return 0
        try=$((try + 1))
        [ $try -gt "$RETRY" ] && return 0
        log "run disturbed ($f), retry $try/$RETRY"
    done
}

kernel_run() { # RUN: kernel vxlan decap bridged with d1
    local run=$1 try=0
    while :; do
        quiet_wait; local busy=$?
        ip -n "${P}dut" link add vx100 type vxlan id 100 dstport 4789 local 198.18.0.2 dev d0 nolearning
        ip -n "${P}dut" link add br0 type bridge
        ip -n "${P}dut" link set vx100 master br0
        ip -n "${P}dut" link set d1 master br0
        ip -n "${P}dut" link set vx100 up
        ip -n "${P}dut" link set br0 up
        bridge -n "${P}dut" fdb replace $MAC_NONE dev d1 master static
        "$HERE/foreign.py" snap "$F1" $$
        ip netns exec "${P}gen" "$CGEN" -t vxlan -d $((WARM + DUR + 1)) -c "$GEN_CPU" >"$RAW/gen-kernel-$run.log" 2>&1 &
        GEN_PID=$!
        sleep "$WARM"
        local t1 a1 t2 a2
        t1=$(now); a1=$(ctr "${P}sink" s0 rx_packets)
        sleep "$DUR"
        t2=$(now); a2=$(ctr "${P}sink" s0 rx_packets)
        wait "$GEN_PID" 2>/dev/null; GEN_PID=
        "$HERE/foreign.py" snap "$F2" $$
        ip -n "${P}dut" link set d1 nomaster
        ip -n "${P}dut" link del br0
        ip -n "${P}dut" link del vx100
        local f fms clean=1
        f=$("$HERE/foreign.py" diff "$F1" "$F2" $$)
        fms=$(sed -n 's/foreign_ms=\([0-9]*\).*/\1/p' <<< "$f")
        [ "${fms:-0}" -gt $(((WARM + DUR + 2) * 1000 * NCPU * FOREIGN_PCT / 100)) ] && clean=0
        rec "test=kernel kind=vxlan-decap-bridge run=$run $(awk -v t1="$t1" -v t2="$t2" -v a1="$a1" -v a2="$a2" \
            'BEGIN { printf "secs=%.3f sink_pps=%.0f", t2 - t1, (a2 - a1) / (t2 - t1) }') quiet_before=$((1 - busy)) clean=$clean try=$try $f"
        [ $clean = 1 ] && return 0
        try=$((try + 1))
        [ $try -gt "$RETRY" ] && return 0
    done
}

genalone_run() { # IMPL RUN: generator alone, the kernel drops the frames at d0 (no XDP)
    local impl=$1 run=$2 logf=$RAW/genalone-$1-$2.log
    quiet_wait; local busy=$?
    "$HERE/foreign.py" snap "$F1" $$
    case $impl in
        c) ip netns exec "${P}gen" "$CGEN" -t udp4 -d $((WARM + DUR + 1)) -c "$GEN_CPU" -D $MAC_NONE >"$logf" 2>&1 & ;;
        nve) ip netns exec "${P}gen" "${NVE_JVM[@]}" -cp "$CONTROL_CP" dev.nve.control.Main gen -i g0 -t udp4 --duration $((WARM + DUR + 1)) \
                --cpu "$GEN_CPU" --dst-mac $MAC_NONE >"$logf" 2>&1 & ;;
    esac
    GEN_PID=$!
    sleep "$WARM"
    local t1 a1 t2 a2 k1 k2
    t1=$(now); a1=$(ctr "${P}dut" d0 rx_packets); k1=$(ticks "$GEN_PID")
    sleep "$DUR"
    t2=$(now); a2=$(ctr "${P}dut" d0 rx_packets); k2=$(ticks "$GEN_PID")
    wait "$GEN_PID" 2>/dev/null; GEN_PID=
    "$HERE/foreign.py" snap "$F2" $$
    local f; f=$("$HERE/foreign.py" diff "$F1" "$F2" $$)
    rec "test=genalone impl=$impl run=$run $(awk -v t1="$t1" -v t2="$t2" -v a1="$a1" -v a2="$a2" -v k1="$k1" -v k2="$k2" -v tick="$TICK_NS" \
        'BEGIN { printf "secs=%.3f peer_rx_pps=%.0f gen_cpu_ns_pkt=%.1f", t2 - t1, (a2 - a1) / (t2 - t1), (a2 > a1 ? (k2 - k1) * tick / (a2 - a1) : 0) }') quiet_before=$((1 - busy)) $f"
}

# ------------------------------------------------------------------------------ main
"$HERE/topo.sh" up "$P" 1500 || { log "topology failed"; exit 1; }
rec "test=meta dur=$DUR warm=$WARM runs=$RUNS impls=$(tr ' ' ',' <<< "$IMPLS") kernel=$(uname -r) cpus=$NCPU prefix=$P"
read -r -a IMPL_LIST <<< "$IMPLS"
for run in $(seq 1 "$RUNS"); do
    # rotate the order of the DUTs from round to round
    impls=()
    for i in "${!IMPL_LIST[@]}"; do impls+=("${IMPL_LIST[$(((i + run - 1) % ${#IMPL_LIST[@]}))]}"); done
    for xdp in $XDPS; do
        for mode in $MODES; do
            for impl in "${impls[@]}"; do
                [[ "$impl" = nve-run* ]] && [ "$mode" = fwd ] && continue
                log "round $run/$RUNS: $impl xdp=$xdp mode=$mode"
                dut_run "$impl" "$xdp" "$mode" "$run"
            done
        done
    done
    if [ "$KERNEL" = 1 ]; then
        log "round $run/$RUNS: kernel vxlan+bridge decap"
        kernel_run "$run"
    fi
    if [ "$GENALONE" = 1 ]; then
        for impl in c nve; do
            log "round $run/$RUNS: generator alone: $impl"
            genalone_run "$impl" "$run"
        done
    fi
done
log "done; raw logs in $RAW"
"$HERE/report.py" "$DATA" --stamp "$STAMP"
