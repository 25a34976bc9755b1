package dev.nve.control.bgp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.nve.control.bgp.BgpDecodeException.BAD_BGP_IDENTIFIER;
import static dev.nve.control.bgp.BgpDecodeException.BAD_MESSAGE_LENGTH;
import static dev.nve.control.bgp.BgpDecodeException.BAD_MESSAGE_TYPE;
import static dev.nve.control.bgp.BgpDecodeException.BAD_PEER_AS;
import static dev.nve.control.bgp.BgpDecodeException.INVALID_NETWORK_FIELD;
import static dev.nve.control.bgp.BgpDecodeException.MALFORMED_ATTRIBUTE_LIST;
import static dev.nve.control.bgp.BgpDecodeException.MESSAGE_HEADER_ERROR;
import static dev.nve.control.bgp.BgpDecodeException.MISSING_WELL_KNOWN_ATTRIBUTE;
import static dev.nve.control.bgp.BgpDecodeException.OPEN_MESSAGE_ERROR;
import static dev.nve.control.bgp.BgpDecodeException.OPEN_UNSPECIFIC;
import static dev.nve.control.bgp.BgpDecodeException.UNACCEPTABLE_HOLD_TIME;
import static dev.nve.control.bgp.BgpDecodeException.UNSUPPORTED_OPTIONAL_PARAMETER;
import static dev.nve.control.bgp.BgpDecodeException.UNSUPPORTED_VERSION_NUMBER;
import static dev.nve.control.bgp.BgpDecodeException.UPDATE_MESSAGE_ERROR;

/**
 * BGP-4 messages to and from bytes (RFC 4271 §4; all fields big-endian). Decoding checks what
 * RFC 4271 §6 asks of a receiver and reports the first fault as a {@link BgpDecodeException}
 * with its NOTIFICATION code. Encoding trusts the records' own validation, and refuses only a
 * message over {@link #MAX_LENGTH}, which is the caller's to split. {@link BgpFraming} cuts a
 * TCP stream into the messages this decodes.
 * <p>
 * {@code fourOctetAs} says whether AS_PATH carries 4-byte AS numbers: true once both ends sent
 * the 4-octet AS capability (RFC 6793), which nve always sends, so it is the default.
 */
public final class BgpCodec
{
    public static final int HEADER_LENGTH = 19;
    public static final int MAX_LENGTH = 4096;
    static final int MARKER_LENGTH = 16;
    private static final int OPEN_MIN_LENGTH = 29;
    private static final int UPDATE_MIN_LENGTH = 23;
    private static final int NOTIFICATION_MIN_LENGTH = 21;
    private static final int PARAMETER_CAPABILITIES = 2;

    private BgpCodec()
    {
    }

    /** {@link #decode(ByteBuffer, boolean)} on a session with 4-octet AS numbers. */
    public static BgpMessage decode(final ByteBuffer buffer) throws BgpDecodeException
    {
        return decode(buffer, true);
    }

    /**
     * Decodes the message at {@code buffer}'s position, which must hold it whole, and moves the
     * position past it (only on success).
     */
    public static BgpMessage decode(final ByteBuffer buffer, final boolean fourOctetAs) throws BgpDecodeException
    {
        final int length = BgpFraming.frameLength(buffer);
        if (length == 0)
        {
            throw new BgpDecodeException(MESSAGE_HEADER_ERROR, BAD_MESSAGE_LENGTH, "message truncated: " + buffer.remaining() + " bytes");
        }
        final BgpReader in = new BgpReader(buffer.slice(buffer.position(), length), MESSAGE_HEADER_ERROR, BAD_MESSAGE_LENGTH, "message");
        in.bytes(MARKER_LENGTH + 2);
        final int type = in.u8();
        final BgpMessage message = switch (type)
        {
            case BgpMessage.OPEN -> open(atLeast(in, length, OPEN_MIN_LENGTH));
            case BgpMessage.UPDATE -> update(atLeast(in, length, UPDATE_MIN_LENGTH), fourOctetAs);
            case BgpMessage.NOTIFICATION -> notification(atLeast(in, length, NOTIFICATION_MIN_LENGTH));
            case BgpMessage.KEEPALIVE ->
            {
                if (length != HEADER_LENGTH)
                {
                    throw in.error("KEEPALIVE of " + length + " bytes");
                }
                yield new BgpMessage.Keepalive();
            }
            default -> throw new BgpDecodeException(MESSAGE_HEADER_ERROR, BAD_MESSAGE_TYPE, "message type " + type);
        };
        buffer.position(buffer.position() + length);
        return message;
    }

    private static BgpReader atLeast(final BgpReader in, final int length, final int minimum) throws BgpDecodeException
    {
        if (length < minimum)
        {
            throw in.error("message of " + length + " bytes, this type needs " + minimum);
        }
        return in;
    }

    private static BgpMessage open(final BgpReader in) throws BgpDecodeException
    {
        final int version = in.u8();
        if (version != BgpMessage.Open.VERSION)
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, UNSUPPORTED_VERSION_NUMBER, "version " + version);
        }
        final int as2 = in.u16();
        final int holdTime = in.u16();
        if (holdTime == 1 || holdTime == 2)
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, UNACCEPTABLE_HOLD_TIME, "hold time " + holdTime);
        }
        final long bgpId = in.u32();
        if (bgpId == 0)
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, BAD_BGP_IDENTIFIER, "BGP identifier 0");
        }
        final BgpReader parameters = in.field(in.u8(), OPEN_MESSAGE_ERROR, OPEN_UNSPECIFIC, "optional parameters");
        if (in.hasRemaining())
        {
            throw in.error(in.remaining() + " bytes after the optional parameters");
        }
        final List<Capability> capabilities = new ArrayList<>();
        while (parameters.hasRemaining())
        {
            final int type = parameters.u8();
            final BgpReader parameter = parameters.field(parameters.u8(), OPEN_MESSAGE_ERROR, OPEN_UNSPECIFIC, "parameter " + type);
            if (type != PARAMETER_CAPABILITIES)
            {
                throw new BgpDecodeException(OPEN_MESSAGE_ERROR, UNSUPPORTED_OPTIONAL_PARAMETER, "optional parameter type " + type);
            }
            while (parameter.hasRemaining())
            {
                capabilities.add(capability(parameter));
            }
        }
        final Long as4 = BgpMessage.Open.fourOctetAs(capabilities);
        final long myAs = as4 != null ? as4 : as2;
        if (myAs == 0)
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, BAD_PEER_AS, "AS 0");
        }
        return new BgpMessage.Open(version, myAs, holdTime, bgpId, capabilities);
    }

    private static Capability capability(final BgpReader parameter) throws BgpDecodeException
    {
        final int code = parameter.u8();
        final BgpReader value = parameter.field(parameter.u8(), OPEN_MESSAGE_ERROR, OPEN_UNSPECIFIC, "capability " + code);
        if (code == Capability.MULTIPROTOCOL && value.remaining() == 4)
        {
            final int afi = value.u16();
            value.u8();
            return new Capability.Multiprotocol(afi, value.u8());
        }
        if (code == Capability.FOUR_OCTET_AS && value.remaining() == 4)
        {
            return new Capability.FourOctetAs(value.u32());
        }
        return new Capability.Unknown(code, value.rest());
    }

    private static BgpMessage update(final BgpReader in, final boolean fourOctetAs) throws BgpDecodeException
    {
        final BgpReader list = in.field(in.remaining(), UPDATE_MESSAGE_ERROR, MALFORMED_ATTRIBUTE_LIST, "UPDATE");
        final List<BgpMessage.Ipv4Prefix> withdrawn = prefixes(list.field(list.u16(), UPDATE_MESSAGE_ERROR, MALFORMED_ATTRIBUTE_LIST, "withdrawn routes"));
        final BgpReader attributeBytes = list.field(list.u16(), UPDATE_MESSAGE_ERROR, MALFORMED_ATTRIBUTE_LIST, "path attributes");
        final List<PathAttribute> attributes = PathAttributeCodec.decode(attributeBytes, fourOctetAs);
        final List<BgpMessage.Ipv4Prefix> nlri = prefixes(list);
        final BgpMessage.Update update = new BgpMessage.Update(withdrawn, attributes, nlri);
        final boolean reach = !nlri.isEmpty() || update.attribute(PathAttribute.MP_REACH_NLRI) != null;
        requirePresent(update, reach, PathAttribute.ORIGIN);
        requirePresent(update, reach, PathAttribute.AS_PATH);
        requirePresent(update, !nlri.isEmpty(), PathAttribute.NEXT_HOP);
        return update;
    }

    /** RFC 4271 §6.3: a route being advertised needs its well-known mandatory attributes. */
    private static void requirePresent(final BgpMessage.Update update, final boolean required, final int typeCode) throws BgpDecodeException
    {
        if (required && update.attribute(typeCode) == null)
        {
            throw new BgpDecodeException(UPDATE_MESSAGE_ERROR, MISSING_WELL_KNOWN_ATTRIBUTE, "missing well-known attribute " + typeCode);
        }
    }

    private static List<BgpMessage.Ipv4Prefix> prefixes(final BgpReader raw) throws BgpDecodeException
    {
        final BgpReader in = raw.field(raw.remaining(), UPDATE_MESSAGE_ERROR, INVALID_NETWORK_FIELD, "IPv4 prefixes");
        final List<BgpMessage.Ipv4Prefix> prefixes = new ArrayList<>();
        while (in.hasRemaining())
        {
            final int length = in.u8();
            if (length > 32)
            {
                throw in.error("prefix length " + length);
            }
            prefixes.add(new BgpMessage.Ipv4Prefix(in.bytes((length + 7) / 8), length));
        }
        return prefixes;
    }

    private static BgpMessage notification(final BgpReader in) throws BgpDecodeException
    {
        return new BgpMessage.Notification(in.u8(), in.u8(), in.rest());
    }

    /** {@link #encode(BgpMessage, boolean)} on a session with 4-octet AS numbers. */
    public static byte[] encode(final BgpMessage message)
    {
        return encode(message, true);
    }

    /** The message's wire bytes, header included. */
    public static byte[] encode(final BgpMessage message, final boolean fourOctetAs)
    {
        final BgpWriter body = new BgpWriter();
        switch (message)
        {
            case BgpMessage.Open open -> encodeOpen(open, body);
            case BgpMessage.Update update -> encodeUpdate(update, fourOctetAs, body);
            case BgpMessage.Notification n -> body.u8(n.code()).u8(n.subcode()).bytes(n.data());
            case BgpMessage.Keepalive k ->
            {
            }
        }
        final int length = HEADER_LENGTH + body.size();
        if (length > MAX_LENGTH)
        {
            throw new IllegalArgumentException("message of " + length + " bytes exceeds " + MAX_LENGTH);
        }
        final BgpWriter out = new BgpWriter();
        for (int i = 0; i < MARKER_LENGTH; i++)
        {
            out.u8(0xFF);
        }
        return out.u16(length).u8(message.type()).bytes(body.toByteArray()).toByteArray();
    }

    private static void encodeOpen(final BgpMessage.Open open, final BgpWriter out)
    {
        final int as2 = open.myAs() > 0xFFFF ? PathAttributeCodec.AS_TRANS : (int) open.myAs();
        out.u8(open.version()).u16(as2).u16(open.holdTime()).u32(open.bgpId());
        final BgpWriter capabilities = new BgpWriter();
        for (final Capability capability : open.capabilities())
        {
            final byte[] value = switch (capability)
            {
                case Capability.Multiprotocol mp -> new BgpWriter().u16(mp.afi()).u8(0).u8(mp.safi()).toByteArray();
                case Capability.FourOctetAs four -> new BgpWriter().u32(four.as()).toByteArray();
                case Capability.Unknown u -> u.value();
            };
            capabilities.u8(capability.code()).u8(value.length).bytes(value);
        }
        if (capabilities.size() == 0)
        {
            out.u8(0);
            return;
        }
        if (capabilities.size() > 0xFF - 2)
        {
            throw new IllegalArgumentException("capabilities of " + capabilities.size() + " bytes do not fit one optional parameter");
        }
        out.u8(capabilities.size() + 2).u8(PARAMETER_CAPABILITIES).u8(capabilities.size()).bytes(capabilities.toByteArray());
    }

    private static void encodeUpdate(final BgpMessage.Update update, final boolean fourOctetAs, final BgpWriter out)
    {
        final BgpWriter withdrawn = new BgpWriter();
        update.withdrawn().forEach(p -> withdrawn.u8(p.length()).bytes(p.address()));
        final BgpWriter attributes = new BgpWriter();
        PathAttributeCodec.encode(update.attributes(), fourOctetAs, attributes);
        out.u16(withdrawn.size()).bytes(withdrawn.toByteArray()).u16(attributes.size()).bytes(attributes.toByteArray());
        update.nlri().forEach(p -> out.u8(p.length()).bytes(p.address()));
    }
}
