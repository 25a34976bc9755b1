#!/usr/bin/env python3
"""Summarises JMH JSON result files (java -jar benchmarks.jar ... -rf json -rff FILE).

For every benchmark and parameter set: median, min and max of the measurement iterations,
JMH's mean with its 99.9% error, Mpps from the median (the stage benchmarks count one
operation per packet, so Mpps = 1000 / (ns/op)) and the gc profiler's results.
  jmh_medians.py FILE...             one line per result
  jmh_medians.py --markdown FILE...  a Markdown table
"""
import json
import statistics
import sys


def rows(paths):
    for path in paths:
        for run in json.load(open(path)):
            name = run["benchmark"].rsplit(".", 2)
            name = name[-2] + "." + name[-1]
            params = ",".join(f"{k}={v}" for k, v in (run.get("params") or {}).items())
            metric = run["primaryMetric"]
            raw = [x for fork in metric["rawData"] for x in fork]
            secondary = run.get("secondaryMetrics", {})
            def sec(key):
                m = secondary.get(key)
                return None if m is None else m["score"]
            yield dict(name=name, params=params, unit=metric["scoreUnit"], median=statistics.median(raw),
                       min=min(raw), max=max(raw), mean=metric["score"], error=metric["scoreError"], n=len(raw),
                       norm=sec("gc.alloc.rate.norm"), gccount=sec("gc.count"))


def main(argv):
    markdown = "--markdown" in argv
    paths = [a for a in argv if a != "--markdown"]
    if markdown:
        print("| benchmark | params | ns/packet median | Mpps (median) | min–max ns | mean ± error (99.9%) | B/op | GCs |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows(paths):
        mpps = 1000.0 / r["median"] if r["unit"] == "ns/op" else float("nan")
        norm = "n/a" if r["norm"] is None else f"{r['norm']:.3f}"
        gcs = "n/a" if r["gccount"] is None else f"{r['gccount']:.0f}"
        if markdown:
            print(f"| {r['name']} | {r['params']} | {r['median']:.1f} | {mpps:.1f} | {r['min']:.1f}–{r['max']:.1f} | "
                  f"{r['mean']:.1f} ± {r['error']:.1f} | {norm} | {gcs} |")
        else:
            print(f"{r['name']:34} {r['params']:20} median {r['median']:8.2f} {r['unit']} ({mpps:6.2f} Mpps)  "
                  f"min {r['min']:8.2f}  max {r['max']:8.2f}  mean {r['mean']:8.2f} ± {r['error']:.2f}  "
                  f"B/op {norm}  gc.count {gcs}")


if __name__ == "__main__":
    main(sys.argv[1:])
