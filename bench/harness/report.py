#!/usr/bin/env python3
"""Tables from the harness data file (bench/harness/run.sh appends one line per run).

  report.py DATA [--stamp STAMP] [--all]

Without --stamp the newest run (stamp) is reported; --all pools every run in the file.
Clean runs are used when a configuration has any, otherwise all runs (marked *).
Prints Markdown: DUT table (nve vs C per XDP mode and forwarding mode, medians with min/max,
ratios nve/C; Mpps = sink rate, in drop mode the DUT's receive rate; busy ns/pkt = the DUT
loop's time in iterations that did work per received packet, the forwarder's own CPU per
packet; process CPU = utime+stime per packet, ~1e9/pps for a busy-polling DUT), kernel
vxlan+bridge decap, generator alone."""
import statistics
import sys


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            fields = {}
            for token in line.split():
                if "=" in token:
                    k, v = token.split("=", 1)
                    fields[k] = v
            if fields:
                rows.append(fields)
    return rows


def num(row, key):
    try:
        v = float(row.get(key, "nan"))
        return v if v >= 0 else float("nan")
    except ValueError:
        return float("nan")


def pick(rows):
    clean = [r for r in rows if r.get("clean", "1") == "1"]
    return (clean, "") if clean else (rows, "*")


def stats(values):
    values = [v for v in values if v == v]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def fmt(s, scale=1.0, digits=3):
    if s is None:
        return "-", "-"
    med, lo, hi = s
    return f"**{med * scale:.{digits}f}**", f"{lo * scale:.{digits}f}–{hi * scale:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b[0] == 0:
        return "-"
    return f"{a[0] / b[0]:.2f}"


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    rows = parse(args[0])
    stamp = None
    if "--stamp" in args:
        stamp = args[args.index("--stamp") + 1]
    elif "--all" not in args:
        stamps = [r["stamp"] for r in rows if "stamp" in r]
        stamp = stamps[-1] if stamps else None
    if stamp:
        rows = [r for r in rows if r.get("stamp") == stamp]
    meta = [r for r in rows if r.get("test") == "meta"]
    if meta:
        m = meta[-1]
        print(f"Run {m.get('stamp')}: {m.get('runs')} rounds x {m.get('dur')} s measured after {m.get('warm')} s of load; "
              f"DUTs {m.get('impls')}; kernel {m.get('kernel')}, {m.get('cpus')} CPUs.\n")

    dut = [r for r in rows if r.get("test") == "dut" and "error" not in r]
    nve_impls = sorted({r["impl"] for r in dut if r["impl"] != "c"})
    configs = []
    for r in dut:
        key = (r["xdp"], r["mode"])
        if key not in configs:
            configs.append(key)
    print("| XDP | mode | impl | Mpps median | min–max | busy ns/pkt median | min–max | process CPU ns/pkt | runs | nve/C Mpps | nve/C busy ns/pkt |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for xdp, mode in configs:
        per = {}
        for impl in ["c"] + nve_impls:
            sel, mark = pick([r for r in dut if r["xdp"] == xdp and r["mode"] == mode and r["impl"] == impl])
            if not sel:
                continue
            metric = "dut_rx_pps" if mode == "drop" else "sink_pps"
            rate = stats([num(r, metric) for r in sel])
            if mode == "drop" and rate is None:
                rate = stats([num(r, "d0_rx_pps") for r in sel])
            per[impl] = {
                "rate": rate,
                "rx": stats([num(r, "dut_rx_pps") for r in sel]),
                "cpu": stats([num(r, "cpu_ns_pkt") for r in sel]),
                "busy": stats([num(r, "busy_ns_pkt") for r in sel]),
                "n": f"{len(sel)}{mark}",
            }
        for impl, p in per.items():
            rmed, rrange = fmt(p["rate"], 1e-6)
            bmed, brange = fmt(p["busy"], 1.0, 0)
            cpu = "-" if p["cpu"] is None else f"{p['cpu'][0]:.0f}"
            r1 = r2 = ""
            if impl != "c" and "c" in per:
                r1 = ratio(p["rate"], per["c"]["rate"])
                r2 = ratio(p["busy"], per["c"]["busy"])
            label = "drop (DUT rx)" if mode == "drop" else mode
            print(f"| {xdp} | {label} | {impl} | {rmed} | {rrange} | {bmed} | {brange} | {cpu} | {p['n']} | {r1} | {r2} |")

    rss = {}
    for r in dut:
        if num(r, "rss_kb") > 0:
            rss.setdefault(r["impl"], []).append(num(r, "rss_kb"))
    if rss:
        print("\nResident memory of the DUT process during the runs (VmRSS, median): "
              + ", ".join(f"{impl} {statistics.median(v) / 1024:.0f} MiB" for impl, v in sorted(rss.items())) + ".")

    kern, kmark = pick([r for r in rows if r.get("test") == "kernel"])
    if kern:
        k = stats([num(r, "sink_pps") for r in kern])
        print("\n| kernel path | sink Mpps median | min–max | runs |")
        print("|---|---|---|---|")
        med, rng = fmt(k, 1e-6)
        print(f"| vxlan (VNI 100) + bridge to d1, decap | {med} | {rng} | {len(kern)}{kmark} |")
        print("\n| VXLAN decap vs kernel vxlan+bridge | XDP | Mpps median | ratio to kernel (target ≥ 2) |")
        print("|---|---|---|---|")
        for xdp, mode in configs:
            if mode != "decap":
                continue
            for impl in ["c"] + nve_impls:
                sel, mark = pick([r for r in dut if r["xdp"] == xdp and r["mode"] == mode and r["impl"] == impl])
                s = stats([num(r, "sink_pps") for r in sel])
                if s:
                    print(f"| {impl} | {xdp} | {s[0] * 1e-6:.3f} | {ratio(s, k)} |")

    gen = [r for r in rows if r.get("test") == "genalone"]
    if gen:
        print("\n| generator alone (udp4, kernel drops at d0) | peer rx Mpps median | min–max | gen CPU ns/pkt | runs |")
        print("|---|---|---|---|---|")
        for impl in ("c", "nve"):
            sel = [r for r in gen if r["impl"] == impl]
            if sel:
                med, rng = fmt(stats([num(r, "peer_rx_pps") for r in sel]), 1e-6)
                g = stats([num(r, "gen_cpu_ns_pkt") for r in sel])
                print(f"| {'refbench gen (C)' if impl == 'c' else 'nve gen'} | {med} | {rng} | {'-' if g is None else f'{g[0]:.0f}'} | {len(sel)} |")

    foreign = [num(r, "foreign_ms") for r in rows if "foreign_ms" in r]
    if foreign:
        print(f"\nForeign CPU (processes outside the harness) per run: median {statistics.median(foreign):.0f} ms, "
              f"max {max(foreign):.0f} ms; unclean runs: {sum(1 for r in rows if r.get('clean') == '0')} of {len(foreign)}.")


if __name__ == "__main__":
    main()
