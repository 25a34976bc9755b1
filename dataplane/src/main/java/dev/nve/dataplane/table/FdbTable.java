package dev.nve.dataplane.table;

/**
 * The forwarding database: {@code (network, MAC) -> local port | encapsulation template}.
 * <pre>
 *  key (u64, network byte order): | network index: 16 | MAC address: 48 |
 *  value (i32):  bit 31 = 1: remote, bits 0-30 = encap template index ({@link EncapTemplates})
 *                bit 31 = 0: local,  bits 0-15 = output port id
 * Template indexes start at 1: remote(0) would equal {@link #MISSING}.
 * </pre>
 * Network indexes start at 1, so no key is 0 or all ones. Results are precomputed at insert:
 * a hit gives the output port or the whole outer header template, nothing else to look up.
 */
public final class FdbTable implements AutoCloseable
{
    public static final int MISSING = LongIntHashTable.MISSING;
    private static final int REMOTE_BIT = 0x8000_0000;

    private final LongIntHashTable table;

    public FdbTable(final int maxEntries)
    {
        this.table = new LongIntHashTable(maxEntries);
    }

    public static long key(final int network, final long mac)
    {
        return ((long)network << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    public static int networkOf(final long key)
    {
        return (int)(key >>> 48);
    }

    public static long macOf(final long key)
    {
        return key & 0xFFFF_FFFF_FFFFL;
    }

    public static int local(final int port)
    {
        return port & 0xFFFF;
    }

    public static int remote(final int template)
    {
        return REMOTE_BIT | template;
    }

    /** False for {@link #MISSING}, which has bit 31 set too: test {@code != MISSING} first. */
    public static boolean isRemote(final int value)
    {
        return (value & REMOTE_BIT) != 0;
    }

    public static int templateOf(final int value)
    {
        return value & ~REMOTE_BIT;
    }

    public static int portOf(final int value)
    {
        return value & 0xFFFF;
    }

    public int get(final long key)
    {
        return table.get(key);
    }

    public int getHashed(final long key, final long hash)
    {
        return table.getHashed(key, hash);
    }

    /** {@link LongIntHashTable#getBatch}. */
    public void getBatch(final byte[] next, final byte selected, final long[] keys, final long[] hashes, final int[] values, final int count)
    {
        table.getBatch(next, selected, keys, hashes, values, count);
    }

    public long touch(final long hash)
    {
        return table.touch(hash);
    }

    public boolean put(final long key, final int value)
    {
        return table.put(key, value);
    }

    public int remove(final long key)
    {
        return table.remove(key);
    }

    public void forEach(final LongIntHashTable.EntryVisitor visitor)
    {
        table.forEach(visitor);
    }

    public int size()
    {
        return table.size();
    }

    public int maxEntries()
    {
        return table.maxEntries();
    }

    public long offHeapBytes()
    {
        return table.offHeapBytes();
    }

    @Override
    public void close()
    {
        table.close();
    }
}
