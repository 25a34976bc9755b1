package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The handler of the socket tests: a few ops that exercise every path of the server. */
final class TestHandler implements ControlHandler
{
    /** Names of the threads that closed subscriptions, one entry per close. */
    final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
    final Set<String> drainThreads = ConcurrentHashMap.newKeySet();
    final CountDownLatch gate = new CountDownLatch(1);
    final CountDownLatch atGate = new CountDownLatch(1);
    volatile boolean drainAfterClose;
    private int counter;

    @Override
    public Object handle(final Request request) throws ControlException
    {
        final ObjectNode params = request.params();
        return switch (request.op())
        {
            case "echo" -> params;
            case "fail" -> throw new ControlException(ErrorCode.NOT_FOUND, "no entry named \"" + params.path("name").asText() + "\"");
            case "boom" -> throw new IllegalStateException("handler exploded");
            case "count" ->
            {
                if (!Thread.currentThread().getName().equals("nve-control"))
                {
                    throw new ControlException(ErrorCode.INTERNAL, "ran on " + Thread.currentThread().getName());
                }
                yield ++counter;
            }
            case "big" -> "x".repeat(params.path("bytes").asInt());
            case "gate" -> awaitGate();
            case "ticks" -> new Ticks(params.path("count").asInt(3), params.path("perDrain").asInt(1), params.path("size").asInt(0), false);
            case "badticks" -> new Ticks(-1, 1, 0, true);
            default -> throw new ControlException(ErrorCode.UNKNOWN_OP, "unknown op \"" + request.op() + "\"");
        };
    }

    private String awaitGate() throws ControlException
    {
        atGate.countDown();
        try
        {
            if (!gate.await(10, TimeUnit.SECONDS))
            {
                throw new ControlException(ErrorCode.INTERNAL, "the gate stayed shut");
            }
            return "opened";
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new ControlException(ErrorCode.INTERNAL, "interrupted");
        }
    }

    /** Emits {@code count} events (-1: without end), {@code perDrain} at a time, each padded by {@code size} bytes. */
    private final class Ticks implements Subscription
    {
        private final int count;
        private final int perDrain;
        private final String pad;
        private final boolean explode;
        private volatile boolean closed;
        private int sent;

        Ticks(final int count, final int perDrain, final int size, final boolean explode)
        {
            this.count = count;
            this.perDrain = perDrain;
            this.pad = "p".repeat(size);
            this.explode = explode;
        }

        @Override
        public int drain(final Consumer<JsonNode> sink)
        {
            drainThreads.add(Thread.currentThread().getName());
            if (closed)
            {
                drainAfterClose = true;
            }
            if (explode)
            {
                throw new IllegalStateException("ticks broke");
            }
            int drained = 0;
            while (drained < perDrain && (count < 0 || sent < count))
            {
                sink.accept(Protocol.MAPPER.createObjectNode().put("tick", sent++).put("pad", pad));
                drained++;
            }
            return drained;
        }

        @Override
        public void close()
        {
            closed = true;
            closes.add(Thread.currentThread().getName());
        }
    }
}
