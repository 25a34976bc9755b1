/*
 * ctfloor: what this machine allows for the work of FilterBenchmark (filter + conntrack, one
 * core, batches of 64, 1 or 1,000,000 tracked flows), written as plain C with no safety checks.
 * A yardstick for docs/BENCHMARKS.md, not dataplane code: it answers "is 20 Mpps per core
 * (50 ns per packet) reachable here at all?".
 *
 * Same data and passes as FilterStage + ConntrackTable (IPv4 only):
 *   - conntrack: 32-byte slots, two per 64-byte line, 3 slots per entry (load 1/3), linear
 *     probing from the first slot of the home line, the same key words, hash and home mapping;
 *   - refill: as FilterBenchmark.refill (addresses and ports from a 2^20-entry stream of
 *     random flows, batch metadata);
 *   - pass 1, parse: route check, Ethernet/IPv4/TCP checks (IHL, total length, fragment,
 *     protocol), ports, flags, ordered key and hash, per-frame fields stored;
 *   - pass 2, touch every home line; pass 3, look up in the home line, list the keys that go
 *     further; pass 4, touch their next line and finish them;
 *   - pass 5, decide: replies update the entry; the opening direction reads the peer identity
 *     cached in the entry, looks the verdict up in a 4,096-entry direct-mapped cache, counts
 *     the rule in the batch's list, and updates the entry (TCP state table, expiry tick).
 *
 * usage: ctfloor FLOWS MODE ROUNDS, MODE one of original, reply, mixed (alternating frame by
 * frame, as FilterBenchmark.mixed) or harness (the refill alone, original direction);
 * prints the median, min and max ns/packet over ROUNDS rounds of 2^16 batches each. With
 * CTFLOOR_PHASES=1 in the environment it also prints ns/packet per pass (clock reads around
 * each pass, about 1-2 ns/packet on top). With CTFLOOR_PREFETCH=1 the home lines are
 * prefetched (__builtin_prefetch) instead of touched with loads, as ConntrackBatchLookup does
 * with a LinePrefetcher; CTFLOOR_LOCALITY=0..3 picks the prefetch's locality (default 2,
 * prefetcht1, as nve_prefetch.c; 3 is prefetcht0, what nve used before). With CTFLOOR_HUGE=1
 * the slots are 2 MiB aligned and madvise(MADV_HUGEPAGE)d (transparent huge pages), as
 * ConntrackTable's with xdp-loader's TableMemory. CtFloor.java is the same program in Java
 * (touches only: Java has no prefetch instruction).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define BATCH 64
#define STREAM_LENGTH (1 << 20)
#define PEERS 60000
#define FRAME_LENGTH 64
#define ENDPOINT_ADDRESS 0xC6130001u /* 198.19.0.1 */
#define FIRST_PEER_ADDRESS 0xC6130100u
#define HTTPS 443
#define ZONE 1
#define TICK_SHIFT 24
#define USED 1u
#define OPENED_BY_B 4u
#define STATE_SHIFT 3
#define STATE_MASK (3u << STATE_SHIFT)
#define PEER_VALID (1u << 6)
#define PEER_IDENTITY_SHIFT 8
#define FURTHER (-4LL)
#define MISS (-1LL)
#define VERDICT_CACHE 4096

typedef struct { uint64_t addresses, ports_zone_protocol, state, peer_version; } slot_t;

static slot_t *slots;
static uint64_t capacity, lines;
static uint64_t timeout_ns[4] = {60000000000ull, 60000000000ull, 21600000000000ull, 10000000000ull};
static int8_t transitions[4 * 2 * 32];

static uint8_t frames[BATCH][FRAME_LENGTH] __attribute__((aligned(64)));
static uint32_t stream_peer[STREAM_LENGTH];
static uint16_t stream_sport[STREAM_LENGTH], stream_dport[STREAM_LENGTH];
static uint32_t stream_mask;

/* Batch metadata, as PacketBatch. */
static uint8_t *b_frame[BATCH];
static int b_length[BATCH], b_in_port[BATCH], b_out_port[BATCH], b_next[BATCH], b_network[BATCH];
static int64_t b_time[BATCH];

/* Per-frame state of the passes, as FilterStage. */
static uint64_t k_addresses[BATCH], k_pzp[BATCH], k_hash[BATCH];
static uint32_t k_flags[BATCH];
static int f_tcp_flags[BATCH], f_dport[BATCH], f_protocol[BATCH], f_zone[BATCH];
static int64_t found[BATCH];
static uint64_t line_offsets[BATCH];
static int further[BATCH];

static uint64_t vc_key[VERDICT_CACHE];
static uint32_t vc_protocol_port[VERDICT_CACHE];
static int32_t vc_verdict[VERDICT_CACHE];
static int batch_rules[2 * BATCH];
static int64_t batch_rule_packets[2 * BATCH], batch_rule_bytes[2 * BATCH];
static int batch_rule_count;
static int64_t rule_counts[2 * 16];
static uint64_t packets_counted, sink;

/* ns per pass (parse, touch, home, further, decide) when phases is set (CTFLOOR_PHASES=1). */
static int phases;
/* Prefetch the home lines instead of touching them (CTFLOOR_PREFETCH=1). */
static int prefetch;
static int locality = 2;
static int64_t pass_ns[5], lap_clock;

static int64_t clock_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* Adds the time since the previous lap to pass (-1: start). */
static inline void lap(int pass)
{
    if (!phases)
        return;
    int64_t now = clock_ns();
    if (pass >= 0)
        pass_ns[pass] += now - lap_clock;
    lap_clock = now;
}

static uint64_t hash_key(uint64_t addresses, uint64_t pzp, uint32_t flags)
{
    uint64_t h = addresses * 0x9E3779B97F4A7C15ull + pzp * 0xC2B2AE3D27D4EB4Full + (flags & 2);
    h ^= h >> 32;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

static inline uint64_t home(uint64_t hash) { return (((hash >> 32) * lines) >> 32) << 1; }

/* The ordered IPv4 key, branch-free, as ConntrackKey.ofIpv4. */
static inline void key_of(int i, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, int protocol, int zone)
{
    uint64_t source = ((uint64_t)src << 16) | sport, destination = ((uint64_t)dst << 16) | dport;
    uint64_t swap = (uint64_t)((int64_t)(destination - source) >> 63);
    uint64_t difference = (source ^ destination) & swap;
    uint64_t a = source ^ difference, b = destination ^ difference;
    k_addresses[i] = ((a >> 16) << 32) | (b >> 16);
    k_pzp[i] = ((a & 0xFFFF) << 48) | ((b & 0xFFFF) << 32) | ((uint64_t)zone << 8) | (uint64_t)protocol;
    k_flags[i] = USED | ((uint32_t)swap & OPENED_BY_B);
    k_hash[i] = hash_key(k_addresses[i], k_pzp[i], k_flags[i]);
}

static inline int matches(const slot_t *s, int i)
{
    return ((s->addresses ^ k_addresses[i]) | (s->ports_zone_protocol ^ k_pzp[i]) | (((uint32_t)s->state ^ k_flags[i]) & 3)) == 0;
}

static inline int64_t live(uint64_t index, uint64_t state, uint32_t key_flags, int64_t now)
{
    int32_t now_tick = (int32_t)(now >> TICK_SHIFT);
    if (now_tick - (int32_t)(state >> 32) >= 0)
        return MISS;
    return (int64_t)(index << 1) | ((((uint32_t)state ^ key_flags) & OPENED_BY_B) ? 1 : 0);
}

static int64_t lookup_home(int i, int64_t now)
{
    uint64_t index = home(k_hash[i]);
    const slot_t *s = &slots[index];
    uint64_t first = s[0].state, second = s[1].state;
    int in_first = matches(&s[0], i), in_second = matches(&s[1], i);
    if (in_first | in_second)
        return live(index + (in_first ? 0 : 1), in_first ? first : second, k_flags[i], now);
    return ((uint32_t)first & (uint32_t)second & USED) == 0 ? MISS : FURTHER;
}

static int64_t lookup(int i, int64_t now)
{
    uint64_t index = home(k_hash[i]);
    for (uint64_t probes = 0; probes < capacity; probes++)
    {
        const slot_t *s = &slots[index];
        if ((s->state & USED) == 0)
            return MISS;
        if (matches(s, i))
            return live(index, s->state, k_flags[i], now);
        index = index + 1 == capacity ? 0 : index + 1;
    }
    return MISS;
}

static int create(int i, int64_t now, int state, uint32_t peer_identity)
{
    uint64_t index = home(k_hash[i]);
    while (slots[index].state & USED)
    {
        if (matches(&slots[index], i))
            return 0;
        index = index + 1 == capacity ? 0 : index + 1;
    }
    slot_t *s = &slots[index];
    s->addresses = k_addresses[i];
    s->ports_zone_protocol = k_pzp[i];
    uint32_t flags = (k_flags[i] & (USED | OPENED_BY_B)) | ((uint32_t)state << STATE_SHIFT) | PEER_VALID | (peer_identity << PEER_IDENTITY_SHIFT) | (1u << 7);
    uint64_t expiry = (uint64_t)((now + timeout_ns[state] + (1ll << TICK_SHIFT) - 1) >> TICK_SHIFT);
    s->state = (expiry << 32) | flags;
    s->peer_version = 0;
    return 1;
}

static inline void update(int64_t result, int tcp_flags, int64_t now)
{
    slot_t *s = &slots[result >> 1];
    uint32_t flags = (uint32_t)s->state;
    int direction = (int)(result & 1);
    int state = (flags & STATE_MASK) >> STATE_SHIFT;
    int index = (state << 6) | (direction << 5) | (tcp_flags & 7) | ((tcp_flags & 0x10) >> 1);
    int next = transitions[index];
    if (next < 0)
        return;
    uint32_t new_flags = (flags & ~STATE_MASK) | ((uint32_t)direction << 5) | ((uint32_t)next << STATE_SHIFT);
    uint64_t expiry = (uint64_t)((now + timeout_ns[next] + (1ll << TICK_SHIFT) - 1) >> TICK_SHIFT);
    s->state = (expiry << 32) | new_flags;
}

static inline void count_rule(int rule, int bytes)
{
    for (int r = 0; r < batch_rule_count; r++)
        if (batch_rules[r] == rule)
        {
            batch_rule_packets[r]++;
            batch_rule_bytes[r] += bytes;
            return;
        }
    batch_rules[batch_rule_count] = rule;
    batch_rule_packets[batch_rule_count] = 1;
    batch_rule_bytes[batch_rule_count] = bytes;
    batch_rule_count++;
}

static inline uint64_t mix(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xFF51AFD7ED558CCDull;
    return key ^ (key >> 33);
}

static inline int32_t verdict_of(uint32_t endpoint, uint32_t peer, int protocol, int port)
{
    uint64_t key = endpoint | (0ull << 24) | ((uint64_t)peer << 25);
    uint32_t protocol_port = (uint32_t)(protocol == 6 ? 0 : 1) << 16 | (uint32_t)port;
    uint32_t at = (uint32_t)mix(key ^ (uint64_t)protocol_port << 49 ^ protocol_port) & (VERDICT_CACHE - 1);
    if (vc_key[at] == key && vc_protocol_port[at] == protocol_port)
        return vc_verdict[at];
    /* The policy table's answer (the benchmark's traffic always hits in the cache). */
    vc_key[at] = key;
    vc_protocol_port[at] = protocol_port;
    vc_verdict[at] = 1 << 24 | 0; /* allowed, rule 0 */
    return vc_verdict[at];
}

static inline void put_be32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }
static inline void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Pass 1 for one frame: 1 = tracked, 0 = skipped. */
static inline int parse(int i)
{
    if (b_next[i] != 2)
        return 0;
    const uint8_t *f = b_frame[i];
    int length = b_length[i];
    if (length < 14 + 20 + 4 || be16(f + 12) != 0x0800)
        return 0;
    const uint8_t *ip = f + 14;
    int total = be16(ip + 2);
    if ((ip[0] >> 4) != 4 || (ip[0] & 15) != 5 || total < 20 || total > length - 14 || (be16(ip + 6) & 0x1FFF) != 0)
        return 0;
    int protocol = ip[9];
    if ((protocol != 6 && protocol != 17) || total - 20 < (protocol == 6 ? 14 : 4))
        return 0;
    uint32_t ports = be32(ip + 20);
    f_tcp_flags[i] = protocol == 6 ? ip[20 + 13] : 0;
    f_dport[i] = (int)(ports & 0xFFFF);
    f_protocol[i] = protocol;
    f_zone[i] = b_network[i];
    key_of(i, be32(ip + 12), be32(ip + 16), (uint16_t)(ports >> 16), (uint16_t)ports, protocol, b_network[i]);
    return 1;
}

/* __builtin_prefetch wants its locality as a constant. */
static void prefetch_line(const void *line)
{
    switch (locality)
    {
    case 0: __builtin_prefetch(line, 0, 0); break;
    case 1: __builtin_prefetch(line, 0, 1); break;
    case 2: __builtin_prefetch(line, 0, 2); break;
    default: __builtin_prefetch(line, 0, 3); break;
    }
}

static void process(void)
{
    lap(-1);
    int tracked[BATCH], count = 0;
    batch_rule_count = 0;
    for (int i = 0; i < BATCH; i++)
    {
        tracked[count] = i;
        count += parse(i);
    }
    lap(0);
    for (int n = 0; n < count; n++)
        line_offsets[n] = home(k_hash[tracked[n]]);
    uint64_t touched = 0;
    if (prefetch)
        for (int n = 0; n < count; n++)
            prefetch_line(&slots[line_offsets[n]]);
    else
        for (int n = 0; n < count; n++)
            touched += slots[line_offsets[n]].state;
    lap(1);
    int further_count = 0;
    for (int n = 0; n < count; n++)
    {
        int i = tracked[n];
        int64_t result = lookup_home(i, b_time[i]);
        found[i] = result;
        further[further_count] = i;
        further_count += result == FURTHER;
    }
    lap(2);
    if (further_count > 0)
    {
        for (int n = 0; n < further_count; n++)
        {
            uint64_t next = home(k_hash[further[n]]) + 2;
            line_offsets[n] = next == capacity ? 0 : next;
        }
        for (int n = 0; n < further_count; n++)
            touched += slots[line_offsets[n]].state;
        for (int n = 0; n < further_count; n++)
            found[further[n]] = lookup(further[n], b_time[further[n]]);
    }
    lap(3);
    sink += touched;
    for (int n = 0; n < count; n++)
    {
        int i = tracked[n];
        int64_t result = found[i];
        if (result < 0)
        {
            b_next[i] = 0; /* a drop: never happens with this traffic (checked below) */
            continue;
        }
        if ((result & 1) == 0)
        {
            const slot_t *s = &slots[result >> 1];
            uint32_t flags = (uint32_t)s->state;
            /* The peer identity cached for the destination under the current ipcache version (0), else WORLD. */
            int cached = (flags & (PEER_VALID | 1u << 7)) == (PEER_VALID | 1u << 7) && (uint32_t)s->peer_version == 0;
            uint32_t peer = cached ? flags >> PEER_IDENTITY_SHIFT : 2;
            int32_t verdict = verdict_of(1256, peer, f_protocol[i], f_dport[i]);
            if ((verdict >> 24) != 1)
            {
                b_next[i] = 0;
                continue;
            }
            count_rule(verdict & 0xFFFFFF, b_length[i]);
        }
        update(result, f_tcp_flags[i], b_time[i]);
    }
    for (int r = 0; r < batch_rule_count; r++)
    {
        __atomic_fetch_add(&rule_counts[2 * batch_rules[r]], batch_rule_packets[r], __ATOMIC_SEQ_CST);
        __atomic_fetch_add(&rule_counts[2 * batch_rules[r] + 1], batch_rule_bytes[r], __ATOMIC_SEQ_CST);
    }
    __atomic_fetch_add(&packets_counted, (uint64_t)count, __ATOMIC_RELEASE);
    lap(4);
}

static uint32_t cursor;
static int64_t now_ns = 1000000000000ll;

enum { ORIGINALS, REPLIES, ALTERNATING };

static void refill(int directions)
{
    int64_t time = now_ns += 1000;
    for (int i = 0; i < BATCH; i++)
    {
        int replies = directions == REPLIES || (directions == ALTERNATING && (i & 1));
        uint32_t pick = (cursor + i) & stream_mask;
        uint8_t *f = frames[i];
        uint32_t peer = stream_peer[pick];
        uint16_t sport = stream_sport[pick], dport = stream_dport[pick];
        if (replies)
        {
            put_be32(f + 26, peer);
            put_be32(f + 30, ENDPOINT_ADDRESS);
            put_be16(f + 34, dport);
            put_be16(f + 36, sport);
        }
        else
        {
            put_be32(f + 30, peer);
            put_be16(f + 34, sport);
            put_be16(f + 36, dport);
        }
        b_frame[i] = f;
        b_length[i] = FRAME_LENGTH;
        b_in_port[i] = replies ? 1 : 2;
        b_out_port[i] = replies ? 2 : 1;
        b_next[i] = 2;
        b_network[i] = ZONE;
        b_time[i] = time;
    }
    cursor = (cursor + BATCH) & stream_mask;
}

static uint64_t random_state = 42;
static uint64_t next_random(void)
{
    random_state += 0x9E3779B97F4A7C15ull;
    uint64_t z = random_state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void build_transitions(void)
{
    /* index: state (2 bits) << 6 | direction << 5 | FIN/SYN/RST bits (0-2) | ACK << 3 */
    for (int state = 0; state < 4; state++)
        for (int direction = 0; direction < 2; direction++)
            for (int f = 0; f < 16; f++)
            {
                int fin_or_rst = (f & 1) || (f & 4), syn = f & 2, ack = f & 8, rst = f & 4, next;
                if (state == 1)
                    next = direction ? (rst ? 3 : (syn && ack && !(f & 1) ? 2 : -1)) : (fin_or_rst ? 3 : 1);
                else if (state == 2)
                    next = fin_or_rst ? 3 : 2;
                else if (state == 0)
                    next = 0;
                else
                    next = (!direction && syn && !ack && !fin_or_rst) ? 1 : 3;
                transitions[(state << 6) | (direction << 5) | f] = (int8_t)next;
            }
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 4)
    {
        fprintf(stderr, "usage: %s FLOWS original|reply|mixed|harness ROUNDS\n", argv[0]);
        return 2;
    }
    const char *mode = argv[2];
    int flows = atoi(argv[1]), rounds = atoi(argv[3]), harness = strcmp(mode, "harness") == 0;
    int directions = strcmp(mode, "reply") == 0 ? REPLIES : strcmp(mode, "mixed") == 0 ? ALTERNATING : ORIGINALS;
    if (flows < 1 || flows > 4000000 || rounds < 1 || rounds > 1000
        || (directions == ORIGINALS && !harness && strcmp(mode, "original") != 0))
    {
        fprintf(stderr, "FLOWS 1..4000000, MODE original|reply|mixed|harness, ROUNDS 1..1000\n");
        return 2;
    }
    build_transitions();
    capacity = (uint64_t)flows * 3;
    capacity = capacity < 16 ? 16 : capacity + (capacity & 1);
    lines = capacity / 2;
    size_t slot_bytes = capacity * sizeof(slot_t);
    if (getenv("CTFLOOR_HUGE") != NULL && strcmp(getenv("CTFLOOR_HUGE"), "1") == 0)
    {
        const size_t huge = 2u << 20;
        slot_bytes = (slot_bytes + huge - 1) & ~(huge - 1);
        slots = aligned_alloc(huge, slot_bytes);
        if (slots != NULL && madvise(slots, slot_bytes, MADV_HUGEPAGE) != 0)
            perror("madvise(MADV_HUGEPAGE)");
    }
    else
        slots = aligned_alloc(64, slot_bytes);
    if (slots == NULL)
    {
        fprintf(stderr, "out of memory for %zu bytes of slots\n", slot_bytes);
        return 1;
    }
    memset(slots, 0, slot_bytes);
    memset(vc_key, 0xFF, sizeof vc_key);
    static uint32_t flow_peer[4000000];
    static uint16_t flow_sport[4000000], flow_dport[4000000];
    for (int f = 0; f < flows; f++)
    {
        int created;
        do
        {
            uint32_t p = flows == 1 ? 0 : (uint32_t)(next_random() % PEERS);
            flow_peer[f] = FIRST_PEER_ADDRESS + p;
            flow_sport[f] = flows == 1 ? 40000 : (uint16_t)(1024 + next_random() % 64512);
            flow_dport[f] = next_random() % 4 == 0 ? HTTPS : (uint16_t)(10000 + next_random() % 16);
            key_of(0, ENDPOINT_ADDRESS, flow_peer[f], flow_sport[f], flow_dport[f], 6, ZONE);
            created = create(0, now_ns, 2, 256);
        } while (!created);
    }
    stream_mask = flows == 1 ? BATCH - 1 : STREAM_LENGTH - 1;
    for (uint32_t i = 0; i <= stream_mask; i++)
    {
        uint32_t f = (uint32_t)(next_random() % (uint64_t)flows);
        stream_peer[i] = flow_peer[f];
        stream_sport[i] = flow_sport[f];
        stream_dport[i] = flow_dport[f];
    }
    for (int i = 0; i < BATCH; i++)
    {
        uint8_t *f = frames[i];
        memset(f, 0, FRAME_LENGTH);
        f[12] = 0x08; f[14] = 0x45; f[17] = FRAME_LENGTH - 14; f[22] = 64; f[23] = 6;
        put_be32(f + 26, ENDPOINT_ADDRESS);
        f[14 + 20 + 12] = 0x50; f[14 + 20 + 13] = 0x10; /* ACK */
    }
    /* Every packet of the stream must be found (nothing dropped): one pass over it first. */
    for (uint32_t n = 0; n <= stream_mask / BATCH; n++)
    {
        refill(directions);
        process();
        for (int i = 0; i < BATCH; i++)
            if (b_next[i] != 2)
            {
                fprintf(stderr, "frame %d of batch %u was dropped\n", i, n);
                return 1;
            }
    }
    phases = getenv("CTFLOOR_PHASES") != NULL && strcmp(getenv("CTFLOOR_PHASES"), "1") == 0;
    prefetch = getenv("CTFLOOR_PREFETCH") != NULL && strcmp(getenv("CTFLOOR_PREFETCH"), "1") == 0;
    if (getenv("CTFLOOR_LOCALITY") != NULL)
        locality = atoi(getenv("CTFLOOR_LOCALITY"));
    memset(pass_ns, 0, sizeof pass_ns);
    const int batches = 1 << 16;
    double results[1000];
    for (int r = 0; r < rounds; r++)
    {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int n = 0; n < batches; n++)
        {
            refill(directions);
            if (!harness)
                process();
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        results[r] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / ((double)batches * BATCH);
    }
    qsort(results, (size_t)rounds, sizeof(double), compare_double);
    if (phases && !harness)
    {
        double packets = (double)rounds * batches * BATCH;
        printf("flows %d %s passes (ns/packet): parse %.1f, touch %.1f, home %.1f, further %.1f, decide %.1f\n", flows, mode,
            pass_ns[0] / packets, pass_ns[1] / packets, pass_ns[2] / packets, pass_ns[3] / packets, pass_ns[4] / packets);
    }
    printf("flows %d %s: median %.1f ns/packet (min %.1f, max %.1f, %d rounds of %d batches of %d; rule 0 packets %lld)\n", flows,
        mode, results[rounds / 2], results[0], results[rounds - 1], rounds, batches, BATCH,
        (long long)rule_counts[0]);
    return (int)(sink & 0);
}
