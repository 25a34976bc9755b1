#!/usr/bin/env python3
"""CPU time used by processes outside one process tree, between two snapshots.

  foreign.py snap FILE ROOT_PID   write {pid: (start_time, ticks, comm)} of every process to FILE
  foreign.py diff FILE1 FILE2 ROOT_PID
                                  print "foreign_ms=N top=comm:ms,..." for processes that are not
                                  ROOT_PID or its descendants (as of the second snapshot)

Ticks are utime+stime of the whole process (all threads) from /proc/PID/stat; processes that
started between the snapshots count from 0, processes that ended are lost (short-lived
compilers may be missed: this is a lower bound)."""
import json
import os
import sys

TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def read_all():
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # comm may contain spaces and parentheses: split at the last ')'
        close = stat.rfind(")")
        comm = stat[stat.find("(") + 1:close]
        fields = stat[close + 2:].split()
        ppid = int(fields[1])
        ticks = int(fields[11]) + int(fields[12])
        start = int(fields[19])
        procs[name] = {"ppid": ppid, "ticks": ticks, "start": start, "comm": comm}
    return procs


def tree(procs, root):
    children = {}
    for pid, p in procs.items():
        children.setdefault(str(p["ppid"]), []).append(pid)
    seen = set()
    stack = [str(root)]
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return seen


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "snap":
        with open(sys.argv[2], "w") as f:
            json.dump(read_all(), f)
    elif len(sys.argv) == 5 and sys.argv[1] == "diff":
        with open(sys.argv[2]) as f:
            a = json.load(f)
        with open(sys.argv[3]) as f:
            b = json.load(f)
        ours = tree(b, sys.argv[4]) | {str(os.getpid())}
        total = 0.0
        top = {}
        for pid, p in b.items():
            if pid in ours:
                continue
            before = a.get(pid)
            base = before["ticks"] if before and before["start"] == p["start"] else 0
            ms = (p["ticks"] - base) * TICK_MS
            if ms > 0:
                total += ms
                top[p["comm"]] = top.get(p["comm"], 0) + ms
        worst = ",".join(f"{c.replace(' ', '_')}:{int(ms)}" for c, ms in sorted(top.items(), key=lambda x: -x[1])[:3])
        print(f"foreign_ms={int(total)} top={worst or '-'}")
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
