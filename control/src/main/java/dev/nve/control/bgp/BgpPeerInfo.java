package dev.nve.control.bgp;

/**
 * What an OPEN exchange negotiated with a peer.
 *
 * @param as              the peer's AS (the 4-octet capability's when offered)
 * @param bgpId           the peer's BGP identifier, unsigned 32-bit
 * @param holdTimeSeconds the smaller of both hold times; 0 means no keepalives and no hold timer
 * @param fourOctetAs     both sides offered 4-octet AS numbers (nve always does)
 * @param evpn            the peer offered L2VPN EVPN (always true: nve refuses peers without it)
 */
public record BgpPeerInfo(long as, long bgpId, int holdTimeSeconds, boolean fourOctetAs, boolean evpn)
{
}
