package dev.nve.control.bgp;

import java.util.List;

import static dev.nve.control.bgp.BgpDecodeException.BAD_BGP_IDENTIFIER;
import static dev.nve.control.bgp.BgpDecodeException.BAD_PEER_AS;
import static dev.nve.control.bgp.BgpDecodeException.OPEN_MESSAGE_ERROR;
import static dev.nve.control.bgp.BgpDecodeException.UNACCEPTABLE_HOLD_TIME;
import static dev.nve.control.bgp.BgpDecodeException.UNSUPPORTED_CAPABILITY;
import static dev.nve.control.bgp.BgpDecodeException.UNSUPPORTED_VERSION_NUMBER;

/**
 * What nve offers in its OPEN and what it accepts in the peer's (RFC 4271 §6.2, RFC 5492,
 * RFC 6793). nve speaks only EVPN, so a peer that does not offer multiprotocol AFI 25 / SAFI 70
 * is refused with "unsupported capability" (2/7) instead of being kept as a session that could
 * never carry a route.
 */
final class BgpOpenNegotiation
{
    private BgpOpenNegotiation()
    {
    }

    /** Our OPEN: version 4, our AS (AS_TRANS in the 2-byte field above 65535), EVPN and 4-octet AS. */
    static BgpMessage.Open ours(final BgpSessionConfig config)
    {
        return new BgpMessage.Open(BgpMessage.Open.VERSION, config.localAs(), config.holdTimeSeconds(), config.localBgpId(),
            List.of(Capability.Multiprotocol.evpn(), new Capability.FourOctetAs(config.localAs())));
    }

    /**
     * The negotiated session for the peer's {@code open}, or the OPEN error to answer. The codec
     * already refuses a bad version, hold time and BGP id 0; they are checked again here so that
     * this does not depend on how the OPEN was made.
     */
    static BgpPeerInfo accept(final BgpSessionConfig config, final BgpMessage.Open open) throws BgpDecodeException
    {
        if (open.version() != BgpMessage.Open.VERSION)
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, UNSUPPORTED_VERSION_NUMBER, "version " + open.version());
        }
        if (open.myAs() != config.remoteAs())
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, BAD_PEER_AS, "peer AS " + open.myAs() + ", expected " + config.remoteAs());
        }
        if (open.bgpId() == 0 || open.bgpId() == config.localBgpId())
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, BAD_BGP_IDENTIFIER, "peer BGP identifier " + open.bgpId());
        }
        if (open.holdTime() == 1 || open.holdTime() == 2)
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, UNACCEPTABLE_HOLD_TIME, "hold time " + open.holdTime());
        }
        if (!open.capabilities().contains(Capability.Multiprotocol.evpn()))
        {
            throw new BgpDecodeException(OPEN_MESSAGE_ERROR, UNSUPPORTED_CAPABILITY, "peer does not offer L2VPN EVPN");
        }
        return new BgpPeerInfo(open.myAs(), open.bgpId(), Math.min(config.holdTimeSeconds(), open.holdTime()),
            open.supportsFourOctetAs(), true);
    }

    /**
     * The NOTIFICATION for {@code e}, with the data RFC 4271 §6.2 and RFC 5492 §5 ask for: the
     * version we support, or the capability we require.
     */
    static BgpMessage.Notification notification(final BgpDecodeException e)
    {
        if (e.notificationCode() == OPEN_MESSAGE_ERROR && e.subcode() == UNSUPPORTED_VERSION_NUMBER)
        {
            return new BgpMessage.Notification(OPEN_MESSAGE_ERROR, UNSUPPORTED_VERSION_NUMBER, new byte[] {0, BgpMessage.Open.VERSION});
        }
        if (e.notificationCode() == OPEN_MESSAGE_ERROR && e.subcode() == UNSUPPORTED_CAPABILITY)
        {
            final byte[] evpn = {Capability.MULTIPROTOCOL, 4, 0, EvpnCodec.AFI_L2VPN, 0, EvpnCodec.SAFI_EVPN};
            return new BgpMessage.Notification(OPEN_MESSAGE_ERROR, UNSUPPORTED_CAPABILITY, evpn);
        }
        return BgpMessage.Notification.of(e);
    }
}
