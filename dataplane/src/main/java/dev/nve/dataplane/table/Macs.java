package dev.nve.dataplane.table;

/** MAC addresses as the low 48 bits of a long (first wire byte most significant). */
public final class Macs
{
    private Macs()
    {
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with dashes); throws with the text on error. */
    public static long parse(final String text)
    {
        final String[] parts = text.split("[:-]");
        if (parts.length != 6)
        {
            throw new IllegalArgumentException("invalid MAC address: \"" + text + "\"");
        }
        long mac = 0;
        for (final String part : parts)
        {
            if (part.length() != 2)
            {
                throw new IllegalArgumentException("invalid MAC address: \"" + text + "\"");
            }
            try
            {
                mac = (mac << 8) | Integer.parseInt(part, 16);
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("invalid MAC address: \"" + text + "\"");
            }
        }
        return mac;
    }

    public static String format(final long mac)
    {
        final StringBuilder s = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            if (shift != 40)
            {
                s.append(':');
            }
            s.append(Character.forDigit((int)(mac >>> (shift + 4)) & 0xF, 16)).append(Character.forDigit((int)(mac >>> shift) & 0xF, 16));
        }
        return s.toString();
    }
}
