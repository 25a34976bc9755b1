package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ControlHandler;
import dev.nve.control.socket.ErrorCode;
import dev.nve.control.socket.Request;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * Where the speaker meets the control socket's operations: its table changes and reads (always
 * on the control thread, the tables' single writer) and the {@code bgp} operation. Kept apart
 * from {@link BgpSpeaker}, whose thread never calls these, so the thread boundary is visible.
 */
public final class BgpControl
{
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private BgpControl()
    {
    }

    /**
     * {@code ops} plus the {@code bgp} operation ({@code nve ctl bgp}): the sessions of
     * {@code speaker}, or with {@code {"routes": true}} its EVPN routes; the speaker may still be
     * null (not started yet, or no {@code bgp} section).
     */
    public static ControlHandler withBgpOperation(final ControlHandler ops, final Supplier<BgpSpeaker> speaker)
    {
        return request ->
        {
            if (!request.op().equals("bgp"))
            {
                return ops.handle(request);
            }
            final JsonNode routes = request.params().get("routes");
            if (request.params().size() > (routes == null ? 0 : 1) || routes != null && !routes.isBoolean())
            {
                throw new ControlException(ErrorCode.BAD_PARAM, "bgp: params: only {\"routes\": true|false}");
            }
            final BgpSpeaker s = speaker.get();
            if (s == null)
            {
                throw new ControlException(ErrorCode.NOT_FOUND, "bgp: no BGP speaker runs (the config has no bgp section)");
            }
            if (routes == null || !routes.asBoolean())
            {
                return s.status();
            }
            try
            {
                return s.routes();
            }
            catch (final IOException e)
            {
                throw new ControlException(ErrorCode.INTERNAL, "bgp: " + e.getMessage());
            }
        };
    }

    /**
     * One batch; if refused, each operation alone (see {@link BgpSpeaker}), logging each refusal.
     * On the control thread. Returns how many operations were refused.
     */
    static int apply(final ControlHandler ops, final String peer, final List<ObjectNode> items)
    {
        final ObjectNode params = JSON.objectNode();
        params.putArray("ops").addAll(items);
        try
        {
            ops.handle(new Request(IntNode.valueOf(0), "batch", params));
            return 0;
        }
        catch (final ControlException | RuntimeException e)
        {
            System.err.println("nve bgp: routes from " + peer + ": batch of " + items.size() + " refused (" + e.getMessage() + "); applying one by one");
        }
        int refused = 0;
        for (final ObjectNode item : items)
        {
            try
            {
                ops.handle(new Request(IntNode.valueOf(0), item.get("op").asText(), (ObjectNode)item.get("params")));
            }
            catch (final ControlException | RuntimeException e)
            {
                refused++;
                System.err.println("nve bgp: routes from " + peer + ": " + item + " refused: " + e.getMessage());
            }
        }
        return refused;
    }

    static JsonNode dump(final ControlHandler ops, final String table)
    {
        try
        {
            return (JsonNode)ops.handle(new Request(IntNode.valueOf(0), "dump", JSON.objectNode().put("table", table)));
        }
        catch (final ControlException e)
        {
            throw new IllegalStateException("dump " + table + ": " + e.getMessage(), e);
        }
    }
}
