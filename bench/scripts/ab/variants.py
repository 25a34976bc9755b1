"""Makes a variant of the dataplane + bench sources with some patches, for Ab.java.
usage: variants.py SRC_DIR OUT_DIR [plainget] [caches] [unsafe] [fences] [nobarrier] [huge] [filterphases]
SRC_DIR holds dataplane/src/main/java and bench/src/main/java merged (see build.sh).
filterphases: FilterStage reads the clock around its passes and FilterBenchmark prints ns/packet
per pass at the end of a trial (run it with JMH: java -cp $(cat OUT_DIR/cp) org.openjdk.jmh.Main)."""
import sys, shutil, os, re
HERE = os.path.dirname(os.path.abspath(__file__))
srcdir = sys.argv[1]; dst = sys.argv[2]; patches = sys.argv[3:]
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(srcdir, dst + "/src")
R = dst + "/src/dev/nve/dataplane/"
def sub(path, old, new, count=1):
    p = R + path
    s = open(p).read()
    if old not in s:
        raise SystemExit(f"{path}: pattern not found: {old[:60]}")
    s = s.replace(old, new) if count == 0 else s.replace(old, new, count)
    open(p, "w").write(s)
def filter_phases():
    """Clock reads around FilterStage's passes (about 1 ns/packet on top); the numbers to compare
    with ctfloor's CTFLOOR_PHASES=1 and CtFloor's -Dphases=true. "parse" is routeAll + parseAll,
    "decide" resolveAll + decideAll."""
    lap = "t1 = System.nanoTime(); PHASES[%d] += t1 - t0; t0 = t1;"
    sub("stage/FilterStage.java", "    @Override\n    public void process(final PacketBatch batch)\n    {\n",
        "    /** ns per pass: parse, lookups, decide, counters; [4] packets. */\n    public static final long[] PHASES = new long[5];\n\n"
        "    @Override\n    public void process(final PacketBatch batch)\n    {\n        long t0 = System.nanoTime(), t1;\n")
    sub("stage/FilterStage.java", "        final int tracked = parseAll(batch, count);\n",
        "        final int tracked = parseAll(batch, count);\n        " + lap % 0 + "\n")
    sub("stage/FilterStage.java", "            ipCacheVersion = tables.ipCache().version();\n",
        "            " + lap % 1 + "\n            ipCacheVersion = tables.ipCache().version();\n")
    sub("stage/FilterStage.java", "            decideAll(batch, tracked);\n", "            decideAll(batch, tracked);\n            " + lap % 2 + "\n")
    sub("stage/FilterStage.java", "        counters.flush();\n    }\n", "        counters.flush();\n        " + lap % 3 + "\n        PHASES[4] += count;\n    }\n")
    bench = dst + "/src/dev/nve/bench/policy/FilterBenchmark.java"
    s = open(bench).read()
    for old, new in [("        verifyWholeStream();\n", "        verifyWholeStream();\n        java.util.Arrays.fill(FilterStage.PHASES, 0);\n"),
                     ("    public void tearDown()\n    {\n", "    public void tearDown()\n    {\n        final long[] p = FilterStage.PHASES;\n"
                      "        System.out.printf(\"%nFilterStage passes (ns/packet): parse %.1f, lookups %.1f, decide %.1f, counters %.1f%n\",\n"
                      "            p[0] / (double)p[4], p[1] / (double)p[4], p[2] / (double)p[4], p[3] / (double)p[4]);\n")]:
        if old not in s:
            raise SystemExit("FilterBenchmark.java: pattern not found: " + old[:60])
        s = s.replace(old, new, 1)
    open(bench, "w").write(s)

for patch in patches:
    if patch == "plainget":
        sub("table/LongIntHashTable.java",
            """            final int before = SlotSeqlock.readBegin(slots, base + SEQUENCE_OFFSET);
            final long slotKey = slots.get(U64_BE, base + KEY_OFFSET);
            final int value = slots.get(ValueLayout.JAVA_INT, base + VALUE_OFFSET);
            if (!SlotSeqlock.readValid(slots, base + SEQUENCE_OFFSET, before))
            {
                probes--;
                Thread.onSpinWait();
                continue;
            }
""", """            final long slotKey = slots.get(U64_BE, base + KEY_OFFSET);
            final int value = slots.get(ValueLayout.JAVA_INT, base + VALUE_OFFSET);
""")
    elif patch == "nobarrier":
        for f in ["wire/Ipv4Header.java", "wire/UdpHeader.java", "wire/VxlanHeader.java", "wire/Ipv6Header.java", "wire/EthernetHeader.java"]:
            sub(f, "        this.segment = segment;\n", "        if (this.segment != segment)\n        {\n            this.segment = segment;\n        }\n")
    elif patch == "filterphases":
        filter_phases()
    elif patch not in ("unsafe", "huge", "caches", "fences"):
        raise SystemExit("unknown patch " + patch)

def unsafe():
    import glob
    shutil.copy(os.path.join(HERE, "Mem.java.txt"), R + "wire/Mem.java")
    files = glob.glob(R + "wire/*.java") + glob.glob(R + "stage/*.java") + glob.glob(R + "table/*.java")
    pat = re.compile(r'\b(\w+)\.(get|set)\((?:Bytes\.|java\.lang\.foreign\.ValueLayout\.|ValueLayout\.)?(U8|U16_BE|U32_BE|U64_BE|JAVA_INT|JAVA_LONG|JAVA_SHORT), ')
    for f in files:
        if f.endswith("FrameBuilder.java") or f.endswith("Mem.java"):
            continue
        s = open(f).read()
        n = pat.sub(lambda m: f"dev.nve.dataplane.wire.Mem.{m.group(2)}{m.group(3)}({m.group(1)}, ", s)
        n = n.replace("(int)SEQUENCE.getAcquire(segment, ", "dev.nve.dataplane.wire.Mem.getIntVolatile(segment, ")
        if n != s:
            open(f, "w").write(n)
if "unsafe" in patches:
    unsafe()
if "huge" in patches:
    shutil.copy(os.path.join(HERE, "HugePages.java.txt"), R + "table/HugePages.java")
    sub("table/LongIntHashTable.java", "this.slots = arena.allocate((long)slotCount * SLOT_SIZE, 64);", "this.slots = HugePages.allocate(arena, (long)slotCount * SLOT_SIZE);")
if "caches" in patches:
    sub("stage/VxlanDecapStage.java", "        final int count = batch.count();\n", "        final int count = batch.count();\n        int lastVni = -1;\n        int lastNetwork = NetworkTable.MISSING;\n")
    sub("stage/VxlanDecapStage.java", "            final int network = networks.find(vxlan.vni());\n",
        "            final int vni = vxlan.vni();\n            final int network;\n            if (vni == lastVni)\n            {\n                network = lastNetwork;\n            }\n            else\n            {\n                network = networks.find(vni);\n                lastVni = vni;\n                lastNetwork = network;\n            }\n")
    sub("stage/VxlanEncapStage.java", "        final int count = batch.count();\n",
        "        final int count = batch.count();\n        int cachedTemplate = -1;\n        int cHeaderLength = 0;\n        int cFlags = 0;\n        int cMtu = 0;\n        int cPort = 0;\n        long cPartialSum = 0;\n")
    sub("stage/VxlanEncapStage.java", "            final int template = batch.encapTemplate[i];\n",
        "            final int template = batch.encapTemplate[i];\n            if (template != cachedTemplate)\n            {\n                cachedTemplate = template;\n                cHeaderLength = templates.headerLength(cachedTemplate);\n                cFlags = templates.flags(cachedTemplate);\n                cMtu = templates.mtu(cachedTemplate);\n                cPort = templates.underlayPort(cachedTemplate);\n                cPartialSum = templates.partialSum(cachedTemplate);\n            }\n")
    sub("stage/VxlanEncapStage.java", "final int headerLength = templates.headerLength(template);", "final int headerLength = cHeaderLength;")
    sub("stage/VxlanEncapStage.java", "final int flags = templates.flags(template);", "final int flags = cFlags;")
    sub("stage/VxlanEncapStage.java", "if (ipLength > templates.mtu(template))", "if (ipLength > cMtu)")
    sub("stage/VxlanEncapStage.java", "templates.partialSum(template)", "cPartialSum", 0)
    sub("stage/VxlanEncapStage.java", "batch.transmit(i, templates.underlayPort(template));", "batch.transmit(i, cPort);")
if "fences" in patches:
    sub("table/LongIntHashTable.java", "            final int before = (int)SEQUENCE.getAcquire(slots, base + SEQUENCE_OFFSET);\n",
        "            final int before = slots.get(ValueLayout.JAVA_INT, base + SEQUENCE_OFFSET);\n            VarHandle.acquireFence();\n")
    sub("table/LongIntHashTable.java", "            final int after = (int)SEQUENCE.getAcquire(slots, base + SEQUENCE_OFFSET);\n",
        "            final int after = slots.get(ValueLayout.JAVA_INT, base + SEQUENCE_OFFSET);\n")
