#!/bin/bash
# nve harness topology (same shape as ../shared/refbench, own namespace names):
#
#   ${P}gen [g0] ---veth--- [d0] ${P}dut [d1] ---veth--- [s0] ${P}sink
#   198.18.0.1              198.18.0.2  198.18.1.1           198.18.1.2
#
#   topo.sh up PREFIX [MTU]    create (deletes an old copy with the same prefix first)
#   topo.sh down PREFIX        delete the three namespaces of PREFIX (only those)
#   topo.sh show PREFIX
#
# PREFIX must start with "nveg-" (e.g. nveg-<pid>-), so nothing else is ever touched.
# Fixed MACs 02:72:62:00:00:0N; 02:72:62:00:00:99 is owned by nobody: the sink's kernel
# counts frames sent to it on s0 and drops them as PACKET_OTHERHOST (the cheapest sink).
# IPv6 is disabled in the namespaces (no DAD/MLD/RS noise in the counters); addresses only
# from 198.18.0.0/15.
set -u
MAC_G0=02:72:62:00:00:01
MAC_D0=02:72:62:00:00:02
MAC_D1=02:72:62:00:00:03
MAC_S0=02:72:62:00:00:04

check_prefix() {
    case "${1:-}" in
        nveg-*) ;;
        *) echo "topo.sh: PREFIX must start with nveg- (got '${1:-}')" >&2; exit 2 ;;
    esac
}

down() {
    local p=$1 n
    for n in gen dut sink; do
        ip netns del "${p}$n" 2>/dev/null || true
    done
}

mkns() {
    ip netns add "$1" || return 1
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

up() {
    local p=$1 mtu=${2:-1500} n
    down "$p"
    for n in gen dut sink; do mkns "${p}$n" || { down "$p"; return 1; }; done
    ip link add g0 netns "${p}gen" address $MAC_G0 mtu "$mtu" type veth \
        peer name d0 netns "${p}dut" address $MAC_D0 mtu "$mtu" || { down "$p"; return 1; }
    ip link add d1 netns "${p}dut" address $MAC_D1 mtu "$mtu" type veth \
        peer name s0 netns "${p}sink" address $MAC_S0 mtu "$mtu" || { down "$p"; return 1; }
    ip -n "${p}gen" addr add 198.18.0.1/24 dev g0
    ip -n "${p}dut" addr add 198.18.0.2/24 dev d0
    ip -n "${p}dut" addr add 198.18.1.1/24 dev d1
    ip -n "${p}sink" addr add 198.18.1.2/24 dev s0
    ip -n "${p}gen" link set g0 up
    ip -n "${p}dut" link set d0 up
    ip -n "${p}dut" link set d1 up
    ip -n "${p}sink" link set s0 up
    # static neighbours: no ARP during a run
    ip -n "${p}gen" neigh replace 198.18.0.2 lladdr $MAC_D0 dev g0 nud permanent
    ip -n "${p}dut" neigh replace 198.18.0.1 lladdr $MAC_G0 dev d0 nud permanent
    ip -n "${p}dut" neigh replace 198.18.1.2 lladdr $MAC_S0 dev d1 nud permanent
    ip -n "${p}sink" neigh replace 198.18.1.1 lladdr $MAC_D1 dev s0 nud permanent
    ip netns exec "${p}dut" sysctl -qw net.ipv4.ip_forward=0
}

show() {
    local p=$1 n
    for n in gen dut sink; do
        echo "== ${p}$n"
        ip -n "${p}$n" -d link show 2>/dev/null | grep -E '^[0-9]+:|xdp|prog/' || true
        ip -n "${p}$n" -br addr 2>/dev/null || true
    done
}

cmd=${1:-}
check_prefix "${2:-}"
case "$cmd" in
    up) up "$2" "${3:-1500}" ;;
    down) down "$2" ;;
    show) show "$2" ;;
    *) echo "usage: $0 up PREFIX [MTU] | down PREFIX | show PREFIX" >&2; exit 2 ;;
esac
