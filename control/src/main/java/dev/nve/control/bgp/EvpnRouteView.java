package dev.nve.control.bgp;

/**
 * One EVPN route as {@code nve ctl bgp --routes} lists it.
 *
 * @param from     the peer that sent it, or {@code local} for ours
 * @param type     {@code mac-ip} (type 2) or {@code multicast} (type 3), else {@code type N}
 * @param vni      the label (type 2) or the PMSI tunnel label (type 3); 0 when unknown
 * @param mac      type 2 only, else ""
 * @param ip       type 2 with an address only, else ""
 * @param sequence the MAC mobility sequence (0 without the community)
 * @param state    received: {@code installed}, {@code standby} (another route for the MAC wins),
 *                 {@code local here} (the MAC is a local endpoint) or {@code ignored} (another
 *                 VNI, route target or encapsulation: see the speaker's counters); ours:
 *                 {@code advertised} or {@code withheld} (a peer's route for the MAC wins)
 */
public record EvpnRouteView(String from, String type, String rd, int vni, String mac, String ip, String nextHop, long sequence, String state)
{
}
