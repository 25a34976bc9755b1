#!/usr/bin/env bash
# ./nve demo: the study's testbed on one machine (issue 7, docs/DEMO.md).
# Two container hosts (network namespaces) joined by a veth underlay (198.18.1.0/24), two
# containers on host 1 and one on host 2 (tenant addresses in 198.19.10.0/24 and fd00:5::/64),
# one `nve run` per host configured through its control socket; then the kernel's VXLAN bridge
# with and without the study's iptables rules as the baseline. Everything is torn down at the
# end, on Ctrl-C and on failure. Results: demo-results/results.json and figure10.svg.
#
#   demo/demo.sh [--quick] [--out DIR]     (root; run through ./nve demo)
#   NVE_DEMO_IDLE=busy-spin ...            the workers' idle strategy (default poll:10)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
QUICK=0
OUT=$ROOT/demo-results
while (($#)); do
  case $1 in
    --quick) QUICK=1 ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n 2,10p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "nve demo: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $EUID -eq 0 ]] || { echo "nve demo: needs root (network namespaces, XDP, AF_XDP); run: sudo ./nve demo" >&2; exit 1; }

P=nvd$$
WORK=$(mktemp -d /tmp/nve-demo-XXXXXX)
IPERF_SECS=$((QUICK ? 1 : 3))
PINGS=$((QUICK ? 3 : 5))
NVE_PIDS=()
STEP=0
START=$(date +%s)
RESULTS=$WORK/results.tsv
: > "$RESULTS"

H1=$P-h1 H2=$P-h2 C1A=$P-c1a C1B=$P-c1b C2A=$P-c2a
U1_MAC=02:00:c6:12:01:01 U2_MAC=02:00:c6:12:01:02
C1A_MAC=02:00:c6:13:0a:01 C1B_MAC=02:00:c6:13:0b:01 C2A_MAC=02:00:c6:13:0a:02
ROUTER_MAC=02:00:c6:13:00:ee
export NVE_NO_BUILD=1 NVE_SKIP_PACKAGES=1

step() { STEP=$((STEP + 1)); printf '[%3ds] step %d: %s\n' $(($(date +%s) - START)) "$STEP" "$*"; }
say() { printf '         %s\n' "$*"; }
record() { printf '%s\t%s\n' "$1" "$2" >> "$RESULTS"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
nvectl() { local host=$1; shift; "$ROOT/nve" ctl --socket "$WORK/$host.sock" "$@"; }

cleanup() {
  local pid
  for pid in "${NVE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${NVE_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  local ns
  for ns in "$C1A" "$C1B" "$C2A" "$H1" "$H2"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo; echo "nve demo: interrupted; tearing down"; exit 130' INT TERM

fail() { echo "nve demo: FAILED at step $STEP: $*" >&2; record failed "$*"; exit 1; }

# ------------------------------------------------------------------------------ topology
topology() {
  local ns
  for ns in "$H1" "$H2" "$C1A" "$C1B" "$C2A"; do ip netns add "$ns" || fail "ip netns add $ns"; done
  for ns in "$H1" "$H2" "$C1A" "$C1B" "$C2A"; do in_ns "$ns" ip link set lo up; done
  ip link add u1 netns "$H1" address $U1_MAC type veth peer name u2 netns "$H2" address $U2_MAC || fail "underlay veth"
  in_ns "$H1" ip addr add 198.18.1.1/24 dev u1
  in_ns "$H2" ip addr add 198.18.1.2/24 dev u2
  in_ns "$H1" ip link set u1 up
  in_ns "$H2" ip link set u2 up
  in_ns "$H1" ip neigh replace 198.18.1.2 lladdr $U2_MAC dev u1 nud permanent
  in_ns "$H2" ip neigh replace 198.18.1.1 lladdr $U1_MAC dev u2 nud permanent
  container "$H1" c1a "$C1A" $C1A_MAC 198.19.10.1 fd00:5::1
  container "$H1" c1b "$C1B" $C1B_MAC 198.19.10.1 fd00:5::b1
  container "$H2" c2a "$C2A" $C2A_MAC 198.19.10.2 fd00:5::2
}

# container HOSTNS PORT NS MAC IPV4 IPV6: a veth PORT in the host, eth0 in the container
container() {
  local host=$1 port=$2 ns=$3 mac=$4 ip4=$5 ip6=$6
  ip link add "$port" netns "$host" type veth peer name eth0 netns "$ns" address "$mac" || fail "veth $port"
  in_ns "$host" ip link set "$port" up
  in_ns "$ns" sysctl -q -w net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.all.accept_dad=0
  # frames cross AF_XDP: no checksum offload (veth would leave TCP checksums partial)
  in_ns "$ns" ethtool -K eth0 tx off >/dev/null
  in_ns "$ns" ip link set eth0 mtu 1450
  in_ns "$ns" ip addr add "$ip4/24" dev eth0
  in_ns "$ns" ip -6 addr add "$ip6/128" dev eth0 nodad
  in_ns "$ns" ip link set eth0 up
  # ILA: other SIR addresses are routed through nve's router MAC (no neighbour discovery)
  in_ns "$ns" ip -6 route replace fd00:5::/64 via fe80::ee dev eth0
  in_ns "$ns" ip -6 neigh replace fe80::ee lladdr $ROUTER_MAC dev eth0 nud permanent
}

# ------------------------------------------------------------------------------ nve
# host_config N: the start-only part (underlay, the other host as remote VTEP, ILA domain,
# container ports as spare ports); everything else goes through the control socket.
host_config() {
  local n=$1 other=$((3 - $1)) mac other_mac ports
  mac=$([[ $n == 1 ]] && echo $U1_MAC || echo $U2_MAC)
  other_mac=$([[ $n == 1 ]] && echo $U2_MAC || echo $U1_MAC)
  ports=$([[ $n == 1 ]] && echo '"c1a", "c1b"' || echo '"c2a"')
  cat > "$WORK/h$n.json" <<JSON
{
  "underlay": {"port": "u$n", "mac": "$mac", "vteps": ["198.18.1.$n"]},
  "remoteVteps": [{"address": "198.18.1.$other", "mac": "$other_mac"}],
  "ports": [$ports],
  "ila": {"routerMac": "$ROUTER_MAC", "locators": ["2001:db8:$n::/64"], "sirPrefixes": ["fd00:5::/64"]}
}
JSON
}

start_nve() {
  local n=$1 ns log=$WORK/nve-h$1.log
  ns=$([[ $n == 1 ]] && echo "$H1" || echo "$H2")
  host_config "$n"
  ip netns exec "$ns" "$ROOT/nve" run --config "$WORK/h$n.json" --control-socket "$WORK/h$n.sock" --idle "${NVE_DEMO_IDLE:-poll:10}" --duration 600 >"$log" 2>&1 &
  NVE_PIDS+=($!)
  for _ in $(seq 1 300); do
    grep -q "nve run: control socket" "$log" 2>/dev/null && return 0
    kill -0 "${NVE_PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2
  fail "nve run on host $n did not start"
}

# configure_hosts: networks, endpoints (labels), flood lists, remote MACs, ILA mappings, the
# peer identities for ILA, all as one all-or-nothing `nve ctl apply` per host
configure_hosts() {
  cat > "$WORK/ops-h1.json" <<JSON
[
 {"op": "network.add", "params": {"vni": 100, "gbp": true}},
 {"op": "network.add", "params": {"vni": 200, "gbp": true}},
 {"op": "endpoint.add", "params": {"port": "c1a", "vni": 100, "mac": "$C1A_MAC", "ips": ["198.19.10.1", "fd00:5::1"], "labels": {"id": "service1"}}},
 {"op": "endpoint.add", "params": {"port": "c1b", "vni": 200, "mac": "$C1B_MAC", "ips": ["198.19.10.1"], "labels": {"id": "service2"}}},
 {"op": "flood.add", "params": {"vni": 100, "vtep": "198.18.1.2"}},
 {"op": "flood.add", "params": {"vni": 200, "vtep": "198.18.1.2"}},
 {"op": "fdb.add", "params": {"vni": 100, "mac": "$C2A_MAC", "vtep": "198.18.1.2"}},
 {"op": "ila.add", "params": {"type": "iid", "sir": "fd00:5::1", "locator": "2001:db8:1::/64", "endpoint": "c1a"}},
 {"op": "ila.add", "params": {"type": "iid", "sir": "fd00:5::2", "locator": "2001:db8:2::/64", "nextHopMac": "$U2_MAC"}},
 {"op": "ipcache.set", "params": {"ila": true, "ip": "fd00:5::2", "labels": {"id": "service1"}}}
]
JSON
  cat > "$WORK/ops-h2.json" <<JSON
[
 {"op": "network.add", "params": {"vni": 100, "gbp": true}},
 {"op": "network.add", "params": {"vni": 200, "gbp": true}},
 {"op": "endpoint.add", "params": {"port": "c2a", "vni": 100, "mac": "$C2A_MAC", "ips": ["198.19.10.2", "fd00:5::2"], "labels": {"id": "service1"}}},
 {"op": "flood.add", "params": {"vni": 100, "vtep": "198.18.1.1"}},
 {"op": "flood.add", "params": {"vni": 200, "vtep": "198.18.1.1"}},
 {"op": "fdb.add", "params": {"vni": 100, "mac": "$C1A_MAC", "vtep": "198.18.1.1"}},
 {"op": "ila.add", "params": {"type": "iid", "sir": "fd00:5::2", "locator": "2001:db8:2::/64", "endpoint": "c2a"}},
 {"op": "ila.add", "params": {"type": "iid", "sir": "fd00:5::1", "locator": "2001:db8:1::/64", "nextHopMac": "$U1_MAC"}},
 {"op": "ipcache.set", "params": {"ila": true, "ip": "fd00:5::1", "labels": {"id": "service1"}}}
]
JSON
  nvectl h1 apply "$WORK/ops-h1.json" >/dev/null || fail "nve ctl apply on host 1"
  nvectl h2 apply "$WORK/ops-h2.json" >/dev/null || fail "nve ctl apply on host 2"
}

# ------------------------------------------------------------------------------ measurements
# ping_ms NS DST [-6]: average RTT in ms, or "lost"
ping_ms() {
  local ns=$1 dst=$2 out
  out=$(in_ns "$ns" ping ${3:-} -c "$PINGS" -i 0.2 -W 1 "$dst" 2>&1)
  if grep -q ' 0% packet loss' <<< "$out"; then
    sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' <<< "$out"
  else
    echo lost
  fi
}

# iperf_gbps PORT [SECS]: TCP throughput c1a -> c2a:PORT in Gbit/s, or "failed"
iperf_gbps() {
  local port=$1 secs=${2:-$IPERF_SECS} server json
  in_ns "$C2A" timeout $((secs + 15)) iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
  server=$!
  sleep 0.5
  json=$(in_ns "$C1A" timeout $((secs + 10)) iperf3 -c 198.19.10.2 -p "$port" -t "$secs" --connect-timeout 2000 -J 2>/dev/null)
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
  python3 -c 'import json,sys
try:
    d = json.loads(sys.stdin.read())
    bps = d["end"]["sum_received"]["bits_per_second"]
    print("%.3f" % (bps / 1e9) if bps > 0 else "failed")
except Exception:
    print("failed")' <<< "$json"
}

counter() { nvectl "$1" --json stats --prefix "$2" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))'; }

# ------------------------------------------------------------------------------ steps
vxlan_step() {
  step "VXLAN tenant traffic between hosts (VNI 100), and two tenants with the same IPv4 addresses"
  local rtt gbps isolated
  rtt=$(ping_ms "$C1A" 198.19.10.2)
  [[ $rtt != lost ]] || fail "c1a (tenant A, host 1) cannot ping c2a (tenant A, host 2)"
  say "ping c1a -> c2a 198.19.10.2 across the underlay: $PINGS/$PINGS replies, avg $rtt ms"
  gbps=$(iperf_gbps 5201 1)
  [[ $gbps != failed ]] || fail "TCP c1a -> c2a failed"
  say "TCP c1a -> c2a (iperf3, 1 s): $gbps Gbit/s"
  isolated=$(ping_ms "$C1B" 198.19.10.2)
  [[ $isolated == lost ]] || fail "c1b (tenant B, same address 198.19.10.1) reached tenant A's c2a"
  say "ping c1b (tenant B, also 198.19.10.1) -> 198.19.10.2: no reply: tenant B has no such host, tenant A's c2a stays unreachable"
  record vxlan_ping_ms "$rtt"; record vxlan_tcp_gbps "$gbps"; record tenant_isolation ok
}

ila_step() {
  step "ILA: IPv6 between c1a and c2a, addresses rewritten to locators on the underlay"
  local rtt before egress ingress mapping
  before=$(counter h1 stage/ila-egress/packets)
  rtt=$(ping_ms "$C1A" fd00:5::2 -6)
  [[ $rtt != lost ]] || fail "ILA: c1a cannot ping fd00:5::2"
  egress=$(($(counter h1 stage/ila-egress/packets) - before))
  ingress=$(counter h2 stage/ila-ingress/packets)
  mapping=$(nvectl h1 --json dump ila | python3 -c 'import json,sys
print("; ".join("%s -> %s" % (m["sir"], m["locator"]) for m in json.load(sys.stdin)))')
  say "ping -6 c1a fd00:5::1 -> c2a fd00:5::2: $PINGS/$PINGS replies, avg $rtt ms (checksums on)"
  say "host 1's mappings: $mapping"
  say "host 1 rewrote $egress packets to c2a's locator (2001:db8:2::), host 2 rewrote $ingress back to fd00:5::2"
  say "(nve's frames bypass the kernel's packet taps on XDP ports, so the counters are the witness)"
  ((egress >= PINGS && ingress >= PINGS)) || fail "ILA rewrites counted: egress $egress, ingress $ingress"
  record ila_ping_ms "$rtt"; record ila_egress_packets "$egress"; record ila_mappings "$mapping"
}

policy_step() {
  step "Identity filtering: the study's policy (only TCP 5201 from id=service1 to id=service1)"
  cat > "$WORK/study.json" <<'JSON'
{"endpointSelector": {"matchLabels": {"id": "service1"}}, "ingress": [{"fromEndpoints": [{"matchLabels": {"id": "service1"}}], "toPorts": [{"ports": [{"protocol": "tcp", "port": "5201"}]}]}]}
JSON
  nvectl h1 policy import study "$WORK/study.json" >/dev/null || fail "policy import on host 1"
  nvectl h2 policy import study "$WORK/study.json" >/dev/null || fail "policy import on host 2"
  local allowed denied monitor reason
  allowed=$(iperf_gbps 5201 1)
  [[ $allowed != failed ]] || fail "TCP 5201 c1a -> c2a was not let through"
  say "iperf3 c1a -> c2a:5201: $allowed Gbit/s (allowed)"
  nvectl h2 monitor --dropped --count 1 --duration 12 > "$WORK/monitor.txt" 2>/dev/null &
  monitor=$!
  sleep 2
  denied=$(iperf_gbps 5202 1)
  wait "$monitor" 2>/dev/null
  [[ $denied == failed ]] || fail "TCP 5202 c1a -> c2a got through the policy ($denied Gbit/s)"
  reason=$(python3 -c 'import json,sys
line = sys.stdin.readline()
e = json.loads(line) if line.strip() else {}
print(e.get("drop_reason_desc", "none"), e.get("l4", {}).get("destination_port", ""), e.get("traffic_direction", ""))' < "$WORK/monitor.txt")
  say "iperf3 c1a -> c2a:5202: refused; nve ctl monitor on host 2: $reason"
  [[ $reason == POLICY_DENIED* ]] || fail "the monitor did not show a POLICY_DENIED drop (got: $reason)"
  record policy_allowed_gbps "$allowed"; record policy_denied "$reason"
}

# figure10_nve CASE: throughput and ping with nve as it is configured now
measure() {
  local name=$1 gbps rtt
  gbps=$(iperf_gbps 5201)
  rtt=$(ping_ms "$C1A" 198.19.10.2)
  say "$(printf '%-30s %8s Gbit/s   ping %s' "$name" "$gbps" "$([[ $rtt == lost ]] && echo 'dropped (ICMP is not allowed)' || echo "$rtt ms")")"
  [[ $gbps != failed ]] || fail "$name: iperf3 failed"
  record "fig10:$name" "$gbps $rtt"
}

kernel_vxlan() {
  local n=$1 ns port
  ns=$([[ $n == 1 ]] && echo "$H1" || echo "$H2")
  port=$([[ $n == 1 ]] && echo c1a || echo c2a)
  in_ns "$ns" ip link add vx100 type vxlan id 100 local "198.18.1.$n" remote "198.18.1.$((3 - n))" dstport 4789 || fail "kernel vxlan on host $n"
  in_ns "$ns" ip link add br100 type bridge
  in_ns "$ns" ip link set "$port" master br100
  in_ns "$ns" ip link set vx100 master br100
  in_ns "$ns" ip link set vx100 up
  in_ns "$ns" ip link set br100 up
}

iptables_rules() {
  local ns=$1
  in_ns "$ns" sysctl -q -w net.bridge.bridge-nf-call-iptables=1 || fail "br_netfilter is not available"
  in_ns "$ns" iptables -P FORWARD DROP
  in_ns "$ns" iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  in_ns "$ns" iptables -A FORWARD -p tcp --dport 5201 -j ACCEPT
}

figure10_step() {
  step "The study's measurement (Figure 10): iperf3 TCP c1a -> c2a, ${IPERF_SECS} s per case, and ping"
  nvectl h1 policy delete study >/dev/null; nvectl h2 policy delete study >/dev/null
  measure "nve, no policy"
  nvectl h1 policy import study "$WORK/study.json" >/dev/null; nvectl h2 policy import study "$WORK/study.json" >/dev/null
  measure "nve, the study's policy"
  local pid
  for pid in "${NVE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${NVE_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  NVE_PIDS=()
  kernel_vxlan 1; kernel_vxlan 2
  measure "kernel VXLAN bridge, no rules"
  iptables_rules "$H1"; iptables_rules "$H2"
  measure "kernel VXLAN bridge, iptables"
}

# ------------------------------------------------------------------------------ main
echo "nve demo: two container hosts, three containers, nve against the kernel's VXLAN + iptables ($([[ $QUICK == 1 ]] && echo quick || echo full) run)"
for tool in ip ethtool iperf3 tshark iptables python3 ping; do
  command -v "$tool" >/dev/null || fail "$tool is missing (./nve demo installs it when run as root)"
done
[[ -f $ROOT/control/target/nve-control.jar ]] || fail "nve is not built (./nve demo builds it first)"
step "topology: hosts $H1 and $H2 (underlay 198.18.1.0/24), containers c1a, c1b on host 1 and c2a on host 2"
topology
step "nve run on each host (AF_XDP on the underlay and every container port), configured through the control sockets"
start_nve 1
start_nve 2
configure_hosts
say "host 1: $(grep -c '^nve run: port' "$WORK/nve-h1.log") ports, host 2: $(grep -c '^nve run: port' "$WORK/nve-h2.log") ports; $(grep -m1 'port u1' "$WORK/nve-h1.log" | sed 's/^nve run: //' | cut -c1-110)"
vxlan_step
ila_step
policy_step
figure10_step
record elapsed_seconds $(($(date +%s) - START))
record result ok
mkdir -p "$OUT"
python3 "$HERE/report.py" "$RESULTS" "$OUT" "$QUICK" || fail "writing the results"
echo "nve demo: done in $(($(date +%s) - START)) s; results in $OUT/results.json and $OUT/figure10.svg"
