package dev.nve.dataplane.conntrack;

import dev.nve.dataplane.wire.TcpHeader;

import static dev.nve.dataplane.conntrack.ConntrackTable.CLOSING;
import static dev.nve.dataplane.conntrack.ConntrackTable.ESTABLISHED;
import static dev.nve.dataplane.conntrack.ConntrackTable.NON_TCP;
import static dev.nve.dataplane.conntrack.ConntrackTable.ORIGINAL;
import static dev.nve.dataplane.conntrack.ConntrackTable.REPLY;
import static dev.nve.dataplane.conntrack.ConntrackTable.SYN_SENT;

/** The TCP state machine of {@link ConntrackTable} (see its class comment). */
final class TcpStates
{
    /**
     * {@link #compute} for every (state, direction, FIN/SYN/RST/ACK combination), so that the
     * packet path looks the answer up instead of branching on random flags; the NON_TCP rows
     * keep NON_TCP.
     */
    private static final byte[] TRANSITIONS = transitions();

    private TcpStates()
    {
    }

    /** The state after a packet in {@code direction} with TCP flags {@code tcpFlags}, or -1 when the packet is impossible in {@code state}. */
    static int next(final int state, final int direction, final int tcpFlags)
    {
        return TRANSITIONS[transitionIndex(state, direction, tcpFlags)];
    }

    /** The state of a connection a packet with TCP flags {@code tcpFlags} opens. */
    static int initial(final int tcpFlags)
    {
        if ((tcpFlags & (TcpHeader.FIN | TcpHeader.RST)) != 0)
        {
            return CLOSING;
        }
        return (tcpFlags & (TcpHeader.SYN | TcpHeader.ACK)) == TcpHeader.SYN ? SYN_SENT : ESTABLISHED;
    }

    /** The state after a TCP packet, or -1 when the packet is impossible in {@code state}. */
    private static int compute(final int state, final int direction, final int tcpFlags)
    {
        final boolean closing = (tcpFlags & (TcpHeader.FIN | TcpHeader.RST)) != 0;
        final boolean synAck = (tcpFlags & (TcpHeader.SYN | TcpHeader.ACK)) == (TcpHeader.SYN | TcpHeader.ACK);
        final boolean bareSyn = (tcpFlags & (TcpHeader.SYN | TcpHeader.ACK)) == TcpHeader.SYN;
        return switch (state)
        {
            case SYN_SENT ->
            {
                if (direction == REPLY)
                {
                    if ((tcpFlags & TcpHeader.RST) != 0)
                    {
                        yield CLOSING;
                    }
                    yield synAck && (tcpFlags & TcpHeader.FIN) == 0 ? ESTABLISHED : -1;
                }
                yield closing ? CLOSING : SYN_SENT;
            }
            case ESTABLISHED -> closing ? CLOSING : ESTABLISHED;
            default -> direction == ORIGINAL && bareSyn && !closing ? SYN_SENT : CLOSING;
        };
    }

    /** state (2 bits) | direction (1 bit) | ACK, RST, SYN, FIN (4 bits). */
    private static int transitionIndex(final int state, final int direction, final int tcpFlags)
    {
        final int finSynRst = tcpFlags & (TcpHeader.FIN | TcpHeader.SYN | TcpHeader.RST);
        final int ack = (tcpFlags & TcpHeader.ACK) >>> 1;
        return (state << 5) | (direction << 4) | ack | finSynRst;
    }

    private static byte[] transitions()
    {
        final byte[] table = new byte[4 << 5];
        for (int state = NON_TCP; state <= CLOSING; state++)
        {
            for (int direction = ORIGINAL; direction <= REPLY; direction++)
            {
                for (int bits = 0; bits < 16; bits++)
                {
                    final int tcpFlags = (bits & 0x07) | ((bits & 0x08) << 1);
                    table[transitionIndex(state, direction, tcpFlags)] =
                        (byte)(state == NON_TCP ? NON_TCP : compute(state, direction, tcpFlags));
                }
            }
        }
        return table;
    }
}
