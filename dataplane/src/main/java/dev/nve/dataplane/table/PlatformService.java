package dev.nve.dataplane.table;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * A service that xdp-loader's native code may put on the class path (dataplane has none of its
 * own), looked up once with {@code ServiceLoader} through the service type's class loader (set-up
 * path): the service, or null and why not.
 */
record PlatformService<T>(T service, String absence)
{
    static <T> PlatformService<T> load(final Class<T> type)
    {
        try
        {
            final T found = ServiceLoader.load(type, type.getClassLoader()).findFirst().orElse(null);
            return new PlatformService<>(found, found == null ? "no " + type.getSimpleName() + " on the class path (xdp-loader provides the native one)" : null);
        }
        catch (final ServiceConfigurationError e)
        {
            return new PlatformService<>(null,
                "the " + type.getSimpleName() + " on the class path failed to start: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        }
    }
}
