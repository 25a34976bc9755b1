package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.port.InMemoryPort;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Base of the end-to-end tests: every host a test creates is checked after the test for
 * frame accounting (the pool has every frame back once the ports transmitted everything, no
 * input left behind) and counter consistency (every drop counted once on a stage and once on
 * the input port, except NO_FREE_FRAME which is a replica that never existed), then closed.
 */
public abstract class HostTestSupport
{
    private final List<TestHost> hosts = new ArrayList<>();

    protected TestHost host(final TestHost host)
    {
        hosts.add(host);
        return host;
    }

    protected TestHost standard(final TestHost.Addressing addressing, final boolean gbp)
    {
        return host(TestHost.standard(addressing, gbp));
    }

    @AfterEach
    void frameAccountingAndCounterConsistency()
    {
        try
        {
            for (final TestHost host : hosts)
            {
                host.run();
                assertEquals(0, host.pool.inUse(), "frames not returned to the pool");
                for (final Map.Entry<String, InMemoryPort> e : host.ports().entrySet())
                {
                    assertFalse(e.getValue().hasPendingInput(), "input left on " + e.getKey());
                    assertEquals(e.getValue().rxFrames(), host.counter("port/" + e.getKey() + "/rx_packets"), "rx counter of " + e.getKey());
                    assertEquals(e.getValue().txFrames(), host.counter("port/" + e.getKey() + "/tx_packets"), "tx counter of " + e.getKey());
                }
                assertEquals(host.totalStageDrops() - host.totalStageDrops(DropReason.NO_FREE_FRAME), host.totalPortDrops(),
                    "every drop counted on one stage and on its input port");
            }
        }
        finally
        {
            hosts.forEach(TestHost::close);
            hosts.clear();
        }
    }
}
