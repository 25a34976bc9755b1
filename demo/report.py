#!/usr/bin/env python3
"""Turns the demo's records (TSV: key, value) into results.json, figure10.svg and a table."""
import json
import sys
from html import escape

records, out, quick = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
values = {}
cases = []
with open(records) as f:
    for line in f:
        key, _, value = line.rstrip("\n").partition("\t")
        if key.startswith("fig10:"):
            gbps, rtt = value.split(" ")
            cases.append({"case": key[6:], "gbps": float(gbps), "ping_ms": None if rtt == "lost" else float(rtt),
                          "ping": "dropped by the rules" if rtt == "lost" else "ok"})
        else:
            values[key] = value

result = {
    "quick": quick,
    "result": values.get("result", "failed"),
    "elapsed_seconds": int(values.get("elapsed_seconds", "0")),
    "vxlan": {"ping_ms": float(values["vxlan_ping_ms"]), "tcp_gbps": float(values["vxlan_tcp_gbps"]),
              "tenant_isolation": values.get("tenant_isolation") == "ok"},
    "ila": {"ping_ms": float(values["ila_ping_ms"]), "egress_rewrites": int(values["ila_egress_packets"]),
            "mappings": values.get("ila_mappings", "")},
    "policy": {"allowed_tcp_5201_gbps": float(values["policy_allowed_gbps"]), "denied_tcp_5202": values["policy_denied"]},
    "figure10": cases,
}
with open(f"{out}/results.json", "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")

# a bar chart of the throughputs, with the ping under each bar
width, height, left, bottom, top = 720, 360, 70, 70, 40
top_gbps = max(c["gbps"] for c in cases) * 1.15 or 1
bar = (width - left - 20) / len(cases)
colors = ["#4c78a8", "#72b7b2", "#f58518", "#e45756"]
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">iperf3 TCP throughput, container to container across hosts (Gbit/s)</text>',
       f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="black"/>']
for i, c in enumerate(cases):
    h = (height - bottom - top) * c["gbps"] / top_gbps
    x = left + i * bar + bar * 0.15
    y = height - bottom - h
    svg.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.7:.1f}" height="{h:.1f}" fill="{colors[i % len(colors)]}"/>')
    svg.append(f'<text x="{x + bar * 0.35:.1f}" y="{y - 5:.1f}" text-anchor="middle">{c["gbps"]:.2f}</text>')
    label = escape(c["case"])
    svg.append(f'<text x="{x + bar * 0.35:.1f}" y="{height - bottom + 18}" text-anchor="middle">{label}</text>')
    ping = "ping dropped" if c["ping_ms"] is None else f'ping {c["ping_ms"]:.3f} ms'
    svg.append(f'<text x="{x + bar * 0.35:.1f}" y="{height - bottom + 36}" text-anchor="middle" fill="#555">{ping}</text>')
svg.append("</svg>")
with open(f"{out}/figure10.svg", "w") as f:
    f.write("\n".join(svg) + "\n")

print()
print(f"{'case':34} {'TCP Gbit/s':>10}   ping")
for c in cases:
    print(f"{c['case']:34} {c['gbps']:10.2f}   {'dropped by the rules' if c['ping_ms'] is None else '%.3f ms' % c['ping_ms']}")
