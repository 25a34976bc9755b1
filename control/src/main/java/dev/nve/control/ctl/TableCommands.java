package dev.nve.control.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The table-changing subcommands of {@code nve ctl}. */
final class TableCommands
{
    private TableCommands()
    {
    }

    @Command(name = "endpoint", description = "Local endpoints (containers) on the ports nve serves.", subcommands = {Endpoint.Add.class, Endpoint.Del.class})
    static final class Endpoint extends CtlCommand.Sub
    {
        @Command(name = "add", description = {"Put an endpoint on a port that has none (a spare port of the config, or one whose endpoint was removed).",
            "  nve ctl endpoint add c3 --vni 100 --mac 02:00:00:00:03:03 --ip 198.19.1.3 --label id=service1"})
        static final class Add extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "PORT") String port;
            @Option(names = "--vni", description = "its network (omit for an endpoint reached only through ILA)") Integer vni;
            @Option(names = "--mac", required = true) String mac;
            @Option(names = "--ip", paramLabel = "ADDR", description = "an address of the endpoint (repeat for more)") java.util.List<String> ips;
            @Option(names = "--label", paramLabel = "KEY=VALUE", description = "a label (repeat for more); the identity is derived from them")
            java.util.Map<String, String> labels;
            @Option(names = "--identity", description = "an explicit identity instead of (or with) the labels") Integer identity;
            @Option(names = "--ila-tenant", paramLabel = "VNID") Integer ilaTenant;

            @Override
            public Integer call()
            {
                final ObjectNode p = CtlCommand.params().put("port", port).put("mac", mac);
                if (vni != null)
                {
                    p.put("vni", vni);
                }
                if (ips != null)
                {
                    ips.forEach(p.putArray("ips")::add);
                }
                if (labels != null)
                {
                    final ObjectNode l = p.putObject("labels");
                    labels.forEach(l::put);
                }
                if (identity != null)
                {
                    p.put("identity", identity);
                }
                if (ilaTenant != null)
                {
                    p.put("ilaTenant", ilaTenant);
                }
                return ctl().call("endpoint.add", p);
            }
        }

        @Command(name = "del", description = {"Take the endpoint off a port (the port stays; its frames are dropped until an endpoint comes).",
            "  nve ctl endpoint del c3"})
        static final class Del extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "PORT") String port;

            @Override
            public Integer call()
            {
                return ctl().call("endpoint.del", CtlCommand.params().put("port", port));
            }
        }
    }

    @Command(name = "port", description = "Interfaces nve serves.", subcommands = {PortCmd.Add.class})
    static final class PortCmd extends CtlCommand.Sub
    {
        @Command(name = "add", description = {"Open an interface (in nve's network namespace) as a new port, for an endpoint to go on.",
            "  nve ctl port add c2 && nve ctl endpoint add c2 --vni 100 --mac 02:00:00:00:02:02 --ip 198.19.1.2"})
        static final class Add extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "NAME") String name;

            @Override
            public Integer call()
            {
                return ctl().call("port.add", CtlCommand.params().put("name", name));
            }
        }
    }

    @Command(name = "network", description = "Tenant networks (VNIs).", subcommands = {Network.Add.class, Network.Del.class})
    static final class Network extends CtlCommand.Sub
    {
        @Command(name = "add", description = {"Add a network.", "  nve ctl network add 300 --gbp"})
        static final class Add extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "VNI") int vni;
            @Option(names = "--gbp", description = "carry the sender's identity in VXLAN-GBP") boolean gbp;
            @Option(names = "--identity-in-vni", description = "the Cilium-compatible single-tenant mode") boolean identityInVni;

            @Override
            public Integer call()
            {
                return ctl().call("network.add", CtlCommand.params().put("vni", vni).put("gbp", gbp).put("identityInVni", identityInVni));
            }
        }

        @Command(name = "del", description = {"Remove a network nothing uses any more.", "  nve ctl network del 300"})
        static final class Del extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "VNI") int vni;

            @Override
            public Integer call()
            {
                return ctl().call("network.del", CtlCommand.params().put("vni", vni));
            }
        }
    }

    @Command(name = "fdb", description = "Remote MACs: which VTEP a MAC of a VNI lives behind.", subcommands = {Fdb.Add.class, Fdb.Del.class})
    static final class Fdb extends CtlCommand.Sub
    {
        @Command(name = "add", description = {"Point a MAC at a remote VTEP (replaces: an endpoint move).", "  nve ctl fdb add 100 02:00:00:00:0a:02 198.18.0.2"})
        static final class Add extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "VNI")
            int vni;
            @Parameters(index = "1", paramLabel = "MAC")
            String mac;
            @Parameters(index = "2", paramLabel = "VTEP")
            String vtep;

            @Override
            public Integer call()
            {
                return ctl().call("fdb.add", CtlCommand.params().put("vni", vni).put("mac", mac).put("vtep", vtep));
            }
        }

        @Command(name = "del", description = {"Forget a remote MAC.", "  nve ctl fdb del 100 02:00:00:00:0a:02"})
        static final class Del extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "VNI")
            int vni;
            @Parameters(index = "1", paramLabel = "MAC")
            String mac;

            @Override
            public Integer call()
            {
                return ctl().call("fdb.del", CtlCommand.params().put("vni", vni).put("mac", mac));
            }
        }
    }

    @Command(name = "neigh", description = "ARP/ND proxy entries: the MAC nve answers for an address of a VNI (ARP and neighbour-discovery suppression).",
        subcommands = {Neigh.Add.class, Neigh.Del.class})
    static final class Neigh extends CtlCommand.Sub
    {
        @Command(name = "add", description = {"Answer ARP requests / neighbour solicitations for IP in VNI with MAC (replaces an existing entry).",
            "  nve ctl neigh add 100 198.19.0.50 02:00:c6:13:00:50"})
        static final class Add extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "VNI")
            int vni;
            @Parameters(index = "1", paramLabel = "IP")
            String ip;
            @Parameters(index = "2", paramLabel = "MAC")
            String mac;

            @Override
            public Integer call()
            {
                return ctl().call("neigh.add", CtlCommand.params().put("vni", vni).put("ip", ip).put("mac", mac));
            }
        }

        @Command(name = "del", description = {"Stop answering for IP in VNI (requests are flooded again).", "  nve ctl neigh del 100 198.19.0.50"})
        static final class Del extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "VNI")
            int vni;
            @Parameters(index = "1", paramLabel = "IP")
            String ip;

            @Override
            public Integer call()
            {
                return ctl().call("neigh.del", CtlCommand.params().put("vni", vni).put("ip", ip));
            }
        }
    }

    @Command(name = "flood", description = "Flood lists (head-end replication) of a VNI.", subcommands = {Flood.Add.class, Flood.Del.class})
    static final class Flood extends CtlCommand.Sub
    {
        @Command(name = "add", description = {"Add a VTEP to a VNI's flood list.", "  nve ctl flood add 100 198.18.0.2"})
        static final class Add extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "VNI")
            int vni;
            @Parameters(index = "1", paramLabel = "VTEP")
            String vtep;

            @Override
            public Integer call()
            {
                return ctl().call("flood.add", CtlCommand.params().put("vni", vni).put("vtep", vtep));
            }
        }

        @Command(name = "del", description = {"Remove a VTEP from a VNI's flood list.", "  nve ctl flood del 100 198.18.0.2"})
        static final class Del extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "VNI")
            int vni;
            @Parameters(index = "1", paramLabel = "VTEP")
            String vtep;

            @Override
            public Integer call()
            {
                return ctl().call("flood.del", CtlCommand.params().put("vni", vni).put("vtep", vtep));
            }
        }
    }

    @Command(name = "ipcache", description = "Identities of peer addresses.", subcommands = {IpCacheCmd.Set.class, IpCacheCmd.Del.class})
    static final class IpCacheCmd extends CtlCommand.Sub
    {
        static ObjectNode zone(final Integer vni, final boolean ila, final Integer tenant)
        {
            final ObjectNode p = CtlCommand.params();
            if (vni != null)
            {
                p.put("vni", vni);
            }
            if (ila)
            {
                p.put("ila", true);
            }
            if (tenant != null)
            {
                p.put("ilaTenant", tenant);
            }
            return p;
        }

        @Command(name = "set", description = {"Give an address an identity (a number, or the peer's labels), in a VNI or the ILA zone.",
            "  nve ctl ipcache set --vni 100 198.19.1.7 4242", "  nve ctl ipcache set --vni 100 198.19.1.8 --label id=service1"})
        static final class Set extends CtlCommand.Sub implements Callable<Integer>
        {
            @Option(names = "--vni") Integer vni;
            @Option(names = "--ila") boolean ila;
            @Option(names = "--ila-tenant") Integer tenant;
            @Option(names = "--label", paramLabel = "KEY=VALUE", description = "a label of the peer (repeat for more)") java.util.Map<String, String> labels;
            @Parameters(index = "0", paramLabel = "IP") String ip;
            @Parameters(index = "1", arity = "0..1", paramLabel = "IDENTITY") Integer identity;

            @Override
            public Integer call()
            {
                final ObjectNode p = zone(vni, ila, tenant).put("ip", ip);
                if (identity != null)
                {
                    p.put("identity", identity);
                }
                if (labels != null)
                {
                    final ObjectNode l = p.putObject("labels");
                    labels.forEach(l::put);
                }
                return ctl().call("ipcache.set", p);
            }
        }

        @Command(name = "del", description = {"Forget an address's identity.", "  nve ctl ipcache del --vni 100 198.19.1.7"})
        static final class Del extends CtlCommand.Sub implements Callable<Integer>
        {
            @Option(names = "--vni") Integer vni;
            @Option(names = "--ila") boolean ila;
            @Option(names = "--ila-tenant") Integer tenant;
            @Parameters(index = "0", paramLabel = "IP") String ip;

            @Override
            public Integer call()
            {
                return ctl().call("ipcache.del", zone(vni, ila, tenant).put("ip", ip));
            }
        }
    }

    @Command(name = "ila", description = "ILA mappings (identifier -> locator).", subcommands = {Ila.Add.class, Ila.Del.class})
    static final class Ila extends CtlCommand.Sub
    {
        @Command(name = "add", description = {"Add or replace a mapping (a locator change is a replace).",
            "  nve ctl ila add --type iid --sir 2001:db8:5::a --locator 2001:db8:ff02::/64"})
        static final class Add extends CtlCommand.Sub implements Callable<Integer>
        {
            @Option(names = "--type", required = true, description = "iid, luid or virt-uni-v6") String type;
            @Option(names = "--sir", required = true) String sir;
            @Option(names = "--vnid") Integer vnid;
            @Option(names = "--locator", required = true) String locator;
            @Option(names = "--checksum", description = "adjust-transport (default), neutral-map, neutral-map-auto, no-action") String checksum;
            @Option(names = "--endpoint", description = "the local endpoint port (local locators)") String endpoint;
            @Option(names = "--next-hop-mac") String nextHopMac;

            @Override
            public Integer call()
            {
                final ObjectNode p = CtlCommand.params().put("type", type).put("sir", sir).put("locator", locator);
                if (vnid != null)
                {
                    p.put("vnid", vnid);
                }
                if (checksum != null)
                {
                    p.put("checksum", checksum);
                }
                if (endpoint != null)
                {
                    p.put("endpoint", endpoint);
                }
                if (nextHopMac != null)
                {
                    p.put("nextHopMac", nextHopMac);
                }
                return ctl().call("ila.add", p);
            }
        }

        @Command(name = "del", description = {"Remove a mapping.", "  nve ctl ila del --type iid --sir 2001:db8:5::a"})
        static final class Del extends CtlCommand.Sub implements Callable<Integer>
        {
            @Option(names = "--type", required = true) String type;
            @Option(names = "--sir", required = true) String sir;
            @Option(names = "--vnid") Integer vnid;

            @Override
            public Integer call()
            {
                final ObjectNode p = CtlCommand.params().put("type", type).put("sir", sir);
                if (vnid != null)
                {
                    p.put("vnid", vnid);
                }
                return ctl().call("ila.del", p);
            }
        }
    }

    @Command(name = "policy", description = "Cilium network policies.", subcommands = {Policy.Import.class, Policy.Delete.class, Policy.List.class})
    static final class Policy extends CtlCommand.Sub
    {
        @Command(name = "import", description = {"Import (or replace) a named set of Cilium policies from a JSON file.", "  nve ctl policy import study policy.json"})
        static final class Import extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "NAME") String name;
            @Parameters(index = "1", paramLabel = "FILE") Path file;

            @Override
            public Integer call()
            {
                final JsonNode policy;
                try
                {
                    policy = CtlCommand.JSON.readTree(Files.readString(file));
                }
                catch (final IOException e)
                {
                    ctl().err.println("nve ctl policy import: " + file + ": " + e.getMessage());
                    return CtlCommand.EXIT_USAGE;
                }
                final ObjectNode p = CtlCommand.params().put("name", name);
                p.set("policy", policy);
                return ctl().call("policy.import", p);
            }
        }

        @Command(name = "delete", description = {"Delete an imported set.", "  nve ctl policy delete study"})
        static final class Delete extends CtlCommand.Sub implements Callable<Integer>
        {
            @Parameters(index = "0", paramLabel = "NAME") String name;

            @Override
            public Integer call()
            {
                return ctl().call("policy.delete", CtlCommand.params().put("name", name));
            }
        }

        @Command(name = "list", description = {"The policy sets and their rules.", "  nve ctl policy list"})
        static final class List extends CtlCommand.Sub implements Callable<Integer>
        {
            @Override
            public Integer call()
            {
                return ctl().call("dump", CtlCommand.params().put("table", "policies"));
            }
        }
    }
}
