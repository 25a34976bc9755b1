package dev.nve.control.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nve.control.config.HostConfig;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the operations work on: the tables (through their one writer), the config they started
 * from, the identities, the counters, the flow monitor, and a view of the running dataplane.
 *
 * @param status the dataplane's state for {@code health} (worker running, ports, ...)
 * @param ports  opens interfaces while running ({@code port.add}), or null where that is not possible
 */
public record OpsContext(Tables tables, TableWriter writer, HostConfig config, IdentityRegistry identities, Counters counters,
                         FlowMonitor monitor, Supplier<Map<String, Object>> status, PortControl ports)
{
    static final ObjectMapper JSON = new ObjectMapper();

    public OpsContext
    {
        Objects.requireNonNull(tables, "tables");
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(identities, "identities");
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(status, "status");
    }
}
