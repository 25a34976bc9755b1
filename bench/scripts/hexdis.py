#!/usr/bin/env python3
"""Disassembles one method of a HotSpot -XX:+PrintAssembly log whose machine code is printed as
hex (hsdis missing or not decoding, as Debian's libhsdis0-fcml with JDK 25), with objdump.

usage: hexdis.py LOG 'Compiled method (c2)' 'FilterStage::parseAll' [N]
  picks the N-th (default: the last) compilation whose header line contains both strings and
  prints objdump's Intel-syntax listing, with HotSpot's own comments (implicit exceptions,
  runtime calls, metadata) above the instruction they belong to.
Get the log with: -jvmArgsAppend "-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,CLASS::METHOD"
"""
import re
import subprocess
import sys
import tempfile

if len(sys.argv) < 4:
    sys.exit(__doc__)
lines = open(sys.argv[1], errors="replace").read().split("\n")
kind, name = sys.argv[2], sys.argv[3]
nth = int(sys.argv[4]) if len(sys.argv) > 4 else -1
starts = [i for i, line in enumerate(lines) if kind in line and name in line]
if not starts:
    sys.exit("no compilation of %s (%s) in %s" % (name, kind, sys.argv[1]))
comments = {}
first = None
code = bytearray()
for line in lines[starts[nth] + 1:]:
    if line.startswith("Compiled method") or line.startswith("====="):
        break
    m = re.match(r"\s*0x([0-9a-f]+): (.*)", line)
    if not m:
        continue
    address, rest = int(m.group(1), 16), m.group(2)
    if rest.startswith(";"):
        comments.setdefault(address, []).append(rest.strip())
        continue
    if first is None:
        first = address
    if address > first + len(code):
        code += b"\x90" * (address - first - len(code))  # a gap: nops keep the addresses right
    code += bytes.fromhex(re.sub(r"[^0-9a-f]", "", rest.split(";")[0]))
with tempfile.NamedTemporaryFile(suffix=".bin") as f:
    f.write(code)
    f.flush()
    listing = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "-M", "intel", "--adjust-vma=%#x" % first, f.name],
                             capture_output=True, text=True, check=True).stdout
for line in listing.split("\n"):
    m = re.match(r"\s*([0-9a-f]+):", line)
    if m:
        for comment in comments.get(int(m.group(1), 16), []):
            print("        " + comment)
    print(line)
