package dev.nve.control.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.replay.FlowJson;
import dev.nve.control.socket.Subscription;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.table.Tables;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The reader of a worker's flow-event ring, fanned out to the {@code monitor} subscribers.
 * The ring has one reader: whichever subscriber drains first pumps the ring (under this
 * object's lock) into every subscriber's bounded queue. A subscriber that does not keep up
 * loses the events its queue has no room for, counted in its next {@code lost} event; the
 * worker never waits. With no subscriber the events are read and dropped, so a monitor that
 * starts later sees fresh events.
 */
public final class FlowMonitor
{
    static final int QUEUE_EVENTS = 16_384;
    private static final int PUMP_LIMIT = 4096;

    private final FlowEvents events;
    private final Tables tables;
    private final IdentityRegistry identities;
    private final List<Sub> subscribers = new CopyOnWriteArrayList<>();

    public FlowMonitor(final FlowEvents events, final Tables tables, final IdentityRegistry identities)
    {
        this.events = events;
        this.tables = tables;
        this.identities = identities;
    }

    public FlowEvents events()
    {
        return events;
    }

    /** A new subscriber; {@code droppedOnly} keeps only the events of dropped packets. */
    public Subscription subscribe(final boolean droppedOnly)
    {
        final Sub sub = new Sub(droppedOnly);
        subscribers.add(sub);
        return sub;
    }

    public int subscribers()
    {
        return subscribers.size();
    }

    /** Moves pending events from the ring into the subscribers' queues; returns how many were read. */
    public synchronized int pump()
    {
        return events.drain(event ->
        {
            ObjectNode json = null;
            for (final Sub sub : subscribers)
            {
                if (sub.droppedOnly && event.verdict() != FlowEvents.VERDICT_DROPPED)
                {
                    continue;
                }
                if (json == null)
                {
                    json = FlowJson.toJson(event, tables, identities, tables.policy());
                }
                if (!sub.queue.offer(json))
                {
                    sub.lost++;
                }
            }
        }, PUMP_LIMIT);
    }

    private final class Sub implements Subscription
    {
        private final boolean droppedOnly;
        private final ArrayBlockingQueue<JsonNode> queue = new ArrayBlockingQueue<>(QUEUE_EVENTS);
        private volatile long lost;
        private long reported;

        Sub(final boolean droppedOnly)
        {
            this.droppedOnly = droppedOnly;
        }

        @Override
        public int drain(final Consumer<JsonNode> sink)
        {
            pump();
            int n = 0;
            final long lostNow = lost;
            if (lostNow != reported)
            {
                sink.accept(OpsContext.JSON.createObjectNode().put("lost", lostNow - reported));
                reported = lostNow;
                n++;
            }
            for (JsonNode e = queue.poll(); e != null; e = queue.poll())
            {
                sink.accept(e);
                n++;
            }
            return n;
        }

        @Override
        public void close()
        {
            subscribers.remove(this);
        }
    }
}
