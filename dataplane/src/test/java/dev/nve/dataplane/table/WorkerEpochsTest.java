package dev.nve.dataplane.table;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static dev.nve.dataplane.table.EncapTemplatesTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grace periods: an entry retired while a worker is inside a batch is not reused until that
 * worker has left the batch; a worker outside a batch, or one that has moved on to a later
 * batch, does not hold anything back.
 */
final class WorkerEpochsTest
{
    private static final InetAddress VTEP2 = ip("198.18.0.2");
    private static final InetAddress VTEP3 = ip("198.18.0.3");
    private static final long MAC = 0x02_00_00_00_0A_01L;

    @Test
    void aWorkerInsideABatchHoldsTheGracePeriodUntilItLeaves()
    {
        final WorkerEpochs epochs = new WorkerEpochs();
        final WorkerEpochs.Slot a = epochs.register();
        final WorkerEpochs.Slot b = epochs.register();
        assertTrue(epochs.passed(epochs.snapshot()), "both idle");
        a.enter();
        final long[] during = epochs.snapshot();
        assertFalse(epochs.passed(during));
        b.enter();
        b.exit();
        assertFalse(epochs.passed(during), "b does not matter, a is still in its batch");
        a.exit();
        assertTrue(epochs.passed(during));
        a.enter();
        assertTrue(epochs.passed(during), "a later batch of a started after the snapshot");
        assertFalse(epochs.passed(epochs.snapshot()));
        a.exit();
        assertEquals(2, epochs.workers());
    }

    @Test
    void aReleasedTemplateIsNotReusedWhileAWorkerMayHoldIt()
    {
        try (Tables tables = new Tables(new Tables.Sizes(4, 16, 2)))
        {
            final TableWriter writer = new TableWriter(tables);
            writer.setUnderlay("uplink", 0x02_00_00_00_00_01L, 1500, 4789, List.of(ip("198.18.0.1")), 0x02_00_00_00_00_FEL);
            writer.addNetwork(100, false);
            final WorkerEpochs.Slot worker = tables.epochs().register();
            writer.addRemoteMac(100, MAC, VTEP2);
            final int network = tables.networks().find(100);
            final int first = FdbTable.templateOf(tables.fdb().get(FdbTable.key(network, MAC)));

            worker.enter(); // the worker looked up `first` in this batch
            writer.addRemoteMac(100, MAC, VTEP3); // the MAC moves: VTEP2's template is retired
            assertEquals(1, writer.retiredTemplates());
            final int second = FdbTable.templateOf(tables.fdb().get(FdbTable.key(network, MAC)));
            assertNotEquals(first, second);
            // both slots of the 2-template table are taken (one retired): a third VTEP must wait
            assertThrows(TableException.class, () -> writer.addRemoteMac(100, MAC + 1, ip("198.18.0.4")));
            assertEquals(1, writer.retiredTemplates());
            worker.exit();

            writer.addRemoteMac(100, MAC + 1, ip("198.18.0.4"));
            assertEquals(0, writer.retiredTemplates());
            assertEquals(first, FdbTable.templateOf(tables.fdb().get(FdbTable.key(network, MAC + 1))), "the slot is reused after the grace period");
        }
    }
}
