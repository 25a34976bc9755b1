package dev.nve.xdp;

import dev.nve.dataplane.table.LinePrefetcher;
import dev.nve.xdp.ffi.LibNvePrefetch;

/** The tables' {@link LinePrefetcher} (found through ServiceLoader): prefetch instructions in nve's helper library. */
public final class NativeLinePrefetcher implements LinePrefetcher
{
    /** @throws IllegalStateException when the helper library could not be loaded (ServiceLoader reports it) */
    public NativeLinePrefetcher()
    {
        if (!LibNvePrefetch.available())
        {
            throw new IllegalStateException(LibNvePrefetch.absence());
        }
    }

    @Override
    public void prefetch(final long baseAddress, final long offsetsAddress, final int count)
    {
        LibNvePrefetch.prefetchLines(baseAddress, offsetsAddress, count);
    }
}
