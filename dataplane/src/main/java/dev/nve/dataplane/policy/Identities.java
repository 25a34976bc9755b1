package dev.nve.dataplane.policy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Numeric security identities. The reserved ones are numbered as Cilium numbers them; user
 * identities start at {@link #FIRST_USER}. {@link #derive} gives every host the same identity
 * for the same label set without any coordination; an operator who hits a collision assigns
 * one label set an explicit identity instead ({@link IdentityRegistry#register(Map, int)}).
 */
public final class Identities
{
    public static final int UNKNOWN = 0;
    public static final int HOST = 1;
    public static final int WORLD = 2;
    public static final int UNMANAGED = 3;
    public static final int HEALTH = 4;
    public static final int INIT = 5;
    public static final int REMOTE_NODE = 6;
    public static final int KUBE_APISERVER = 7;
    public static final int INGRESS = 8;
    public static final int FIRST_USER = 256;
    /** Largest identity at all: 24 bits, what a VNI can carry. */
    public static final int MAX = 0xFF_FFFF;
    /** Largest identity VXLAN-GBP's 16-bit Group Policy ID can carry. */
    public static final int MAX_GBP = 0xFFFF;

    /** The label source Cilium gives its reserved identities ({@code reserved:host}). */
    public static final String RESERVED_SOURCE = "reserved";

    private static final long FNV_OFFSET_BASIS = 0xCBF2_9CE4_8422_2325L;
    private static final long FNV_PRIME = 0x0000_0100_0000_01B3L;
    private static final int DERIVED_RANGE = MAX_GBP + 1 - FIRST_USER;

    private Identities()
    {
    }

    /**
     * The identity of a label set, the same on every host: 256 + (64-bit FNV-1a of the UTF-8
     * canonical form {@code "k1=v1\nk2=v2\n"}, keys sorted) mod (65536 - 256). Always fits
     * VXLAN-GBP. Different label sets may collide; {@link IdentityRegistry} refuses that.
     */
    public static int derive(final Map<String, String> labels)
    {
        validateLabels(labels);
        long hash = FNV_OFFSET_BASIS;
        final byte[] canonical = canonical(labels).getBytes(StandardCharsets.UTF_8);
        for (final byte b : canonical)
        {
            hash ^= b & 0xFF;
            hash *= FNV_PRIME;
        }
        return FIRST_USER + (int)Long.remainderUnsigned(hash, DERIVED_RANGE);
    }

    /** {@code "k1=v1\nk2=v2\n"} with keys in {@link String#compareTo} order. */
    public static String canonical(final Map<String, String> labels)
    {
        final StringBuilder text = new StringBuilder();
        for (final Map.Entry<String, String> label : new TreeMap<>(labels).entrySet())
        {
            text.append(label.getKey()).append('=').append(label.getValue()).append('\n');
        }
        return text.toString();
    }

    public static boolean isReserved(final int identity)
    {
        return identity >= 0 && identity < FIRST_USER;
    }

    /**
     * Refuses label sets whose canonical form would be ambiguous: empty sets, null or empty
     * keys, keys with '=' or a line break, values with a line break.
     */
    static void validateLabels(final Map<String, String> labels)
    {
        if (labels == null || labels.isEmpty())
        {
            throw new IllegalArgumentException("labels: an identity needs at least one label");
        }
        for (final Map.Entry<String, String> label : labels.entrySet())
        {
            final String key = label.getKey();
            final String value = label.getValue();
            if (key == null || key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\n') >= 0)
            {
                throw new IllegalArgumentException("label key \"" + key + "\": must be non-empty, without '=' or line breaks");
            }
            if (value == null || value.indexOf('\n') >= 0)
            {
                throw new IllegalArgumentException("label " + key + ": value must be present and without line breaks");
            }
        }
    }
}
