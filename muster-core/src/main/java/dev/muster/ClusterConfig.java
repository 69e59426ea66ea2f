package dev.muster;

import dev.muster.membership.MembershipConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The configuration of one node: who it is, where it listens and advertises, how it finds the
 * rest of the cluster, how long it waits, and the membership protocol's settings. Immutable and
 * thread-safe; make one with {@link #builder()}.
 *
 * <p><b>Sources</b>, later ones winning: the defaults below; a YAML or JSON file
 * ({@link ClusterConfigLoader#fromFile(Path)}); the environment
 * ({@link Builder#applyEnvironment(Map)}); command-line flags, which the CLI sets on the builder
 * last. {@link Builder#build()} checks every setting at once and throws a {@link ConfigException}
 * listing each problem with the setting's file key, its value and the rule, for example
 * {@code port: 70000 must be between 0 and 65535}.
 *
 * <p>Each component says its file key and environment variable in brackets.
 *
 * @param clusterName [{@code cluster}, CLUSTER_NAME] the cluster this node belongs to. Nodes only
 *     join nodes with the same name, so two clusters sharing a network or a seed list stay apart.
 *     1 to 64 characters of A-Z a-z 0-9 . _ -. Default {@code muster}.
 * @param nodeName [{@code node}, NODE_NAME] this node's name, unique in the cluster; events, logs
 *     and the CLI use it. 1 to 128 characters of A-Z a-z 0-9 . _ -. Default {@code node-<nodeIndex>}
 *     when a node index is set, else {@code node-1}.
 * @param bindHost [{@code bind}, CLUSTER_BIND] the local address the gossip port listens on: an IP
 *     literal (IPv6 without brackets), a host name, or a wildcard ({@code 0.0.0.0}, {@code ::}) for
 *     every interface. Default {@code 127.0.0.1}, which only reaches nodes on this machine.
 * @param port [{@code port}, CLUSTER_PORT] the gossip port; UDP (probes, gossip) and TCP
 *     (push-pull, joins) share it. 0 picks any free port (tests). 0 to 65535. Default 7946.
 * @param advertiseHost [{@code advertise}, CLUSTER_ADVERTISE] the host other nodes should use to
 *     reach this one, for NAT, containers and wildcard binds. Null (the default) derives it: see
 *     {@link #advertiseAddress(int)}. An IP literal or host name, not a wildcard.
 * @param advertisePort [{@code advertise} as host:port] the port other nodes should use; 0 (the
 *     default) means the port actually bound. 0 to 65535.
 * @param seeds [{@code seeds}, CLUSTER_SEEDS] members to contact when joining, as
 *     {@code host:port} or {@code [v6]:port}; a seed written without a port gets 7946. One live
 *     seed is enough; listing this node itself is harmless. At most {@value #MAX_SEEDS}. Default none.
 * @param dnsName [{@code discovery.dns.name}] when set, the addresses this name resolves to are
 *     seeds too, looked up at each join attempt, such as a Kubernetes headless service. A host
 *     name. Default none.
 * @param dnsSrv [{@code discovery.dns.srv}] look up SRV records of {@link #dnsName} (which carry
 *     the ports) instead of A/AAAA records. Needs a dnsName. Default false.
 * @param dnsPort [{@code discovery.dns.port}] the gossip port of the nodes found through A/AAAA
 *     records; 0 (the default) means this node's port. 0 to 65535.
 * @param multicast [{@code discovery.multicast.enabled}] find nodes by announcing on an IP
 *     multicast group, for a LAN without fixed seeds; most clouds drop multicast. Default false.
 * @param multicastGroup [{@code discovery.multicast.group}] the multicast group joined and
 *     announced to. A multicast IP literal (224.0.0.0/4 or ff00::/8). Default {@code 239.255.77.46}
 *     (organisation-local scope, so routers do not forward it off site).
 * @param multicastPort [{@code discovery.multicast.port}] the UDP port of the announcements;
 *     must differ from {@code port} when multicast is on. 1 to 65535. Default 7947.
 * @param joinTimeout [{@code join-timeout}] how long start() keeps retrying the seeds (with backoff,
 *     see the membership join retry interval) before it fails. Positive. Default 60s.
 * @param clusterSize [{@code cluster-size}, CLUSTER_SIZE] the number of nodes expected; info()
 *     reports the cluster formed once this many are alive. 0 (the default) means unknown.
 *     0 or more.
 * @param nodeIndex [{@code node-index}, NODE_INDEX] this node's position, 1 to clusterSize, in a
 *     cluster started by a script or a StatefulSet; it gives the default node name and, through
 *     the environment, the ports. 0 (the default) means unset.
 * @param metadata [{@code metadata}] key/value pairs this node publishes with its alive messages
 *     (zone, rack, roles). At most {@code membership.max-metadata-bytes} on the wire. Default empty.
 * @param membership [{@code membership.*}] the SWIM + Lifeguard settings; the file picks a
 *     {@code profile} (lan, local, wan) and overrides single keys. Default {@link MembershipConfig#lan()}.
 * @param faultInjection [{@code faults.enabled}] lets tests drop, delay or black-hole traffic to
 *     chosen peers through the transport's fault filter (chaos tests). Off in production: it costs
 *     a check per packet and is a way to partition the node. Default false.
 * @param httpPort [{@code http-port}, HTTP_PORT] the port of the HTTP API of {@code muster serve}.
 *     0 picks any free port; -1 runs no HTTP server. Must differ from {@code port}. Default 8151.
 * @param leaveTimeout [{@code leave-timeout}] how long a graceful leave waits for its leave
 *     message to spread before the node shuts down; 0 leaves without waiting. Default 5s.
 * @param rpc [{@code rpc.*}] remote service calls: message size, calls in flight, connections,
 *     compression, default deadline, retry budget, instance strategy. Default {@link RpcConfig#DEFAULTS}.
 * @param content [{@code content.*}] the content store and diffusion: byte budget, largest content,
 *     fanout, energy, directory. Default {@link ContentConfig#DEFAULTS}.
 * @param http [{@code http.*}] the HTTP API's token, read protection and event buffer (used by
 *     {@code muster serve}). Default {@link HttpConfig#DEFAULTS}.
 */
public record ClusterConfig(
        String clusterName,
        String nodeName,
        String bindHost,
        int port,
        String advertiseHost,
        int advertisePort,
        List<Address> seeds,
        String dnsName,
        boolean dnsSrv,
        int dnsPort,
        boolean multicast,
        String multicastGroup,
        int multicastPort,
        Duration joinTimeout,
        int clusterSize,
        int nodeIndex,
        Metadata metadata,
        MembershipConfig membership,
        boolean faultInjection,
        int httpPort,
        Duration leaveTimeout,
        RpcConfig rpc,
        ContentConfig content,
        HttpConfig http) {

    /** The gossip port when none is given, also for seeds written without one. */
    public static final int DEFAULT_PORT = 7946;

    /** The HTTP API port when none is given. */
    public static final int DEFAULT_HTTP_PORT = 8151;

    /** Most seeds accepted: a seed list is a handful of stable nodes; use DNS for more. */
    public static final int MAX_SEEDS = 256;

    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final String NAME_CHARS = "A-Z, a-z, 0-9, '.', '_' and '-'";

    public ClusterConfig {
        seeds = seeds == null ? null : Collections.unmodifiableList(new ArrayList<>(seeds));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.clusterName = clusterName;
        b.nodeName = nodeName;
        b.bindHost = bindHost;
        b.port = port;
        b.advertiseHost = advertiseHost;
        b.advertisePort = advertisePort;
        b.seeds = seeds;
        b.dnsName = dnsName;
        b.dnsSrv = dnsSrv;
        b.dnsPort = dnsPort;
        b.multicast = multicast;
        b.multicastGroup = multicastGroup;
        b.multicastPort = multicastPort;
        b.joinTimeout = joinTimeout;
        b.clusterSize = clusterSize;
        b.nodeIndex = nodeIndex;
        b.metadata = metadata;
        b.membership = membership;
        b.faultInjection = faultInjection;
        b.httpPort = httpPort;
        b.leaveTimeout = leaveTimeout;
        b.rpc = rpc;
        b.content = content;
        b.http = http;
        return b;
    }

    /**
     * Where other nodes should reach this one, once the gossip port is bound. The host is
     * {@link #advertiseHost} if set; else {@link #bindHost} unless that is a wildcard; else the
     * machine's first private (site-local) address, then its first other non-loopback address,
     * then loopback. The port is {@link #advertisePort} if set, else {@code boundPort}.
     *
     * @param boundPort the port the transport actually bound (differs from {@link #port} when that is 0)
     */
    public Address advertiseAddress(int boundPort) {
        return advertiseAddress(boundPort, Hosts::machineAddresses);
    }

    /** As {@link #advertiseAddress(int)}, with the machine's addresses given (tests). */
    Address advertiseAddress(int boundPort, Supplier<List<InetAddress>> machineAddresses) {
        if (boundPort < 1 || boundPort > 65_535) {
            throw new IllegalArgumentException("bound port " + boundPort + " must be the port actually bound, 1 to 65535");
        }
        String host;
        if (advertiseHost != null) {
            host = advertiseHost;
        } else if (Hosts.isWildcard(bindHost)) {
            host = Hosts.advertiseHostFor(bindHost, machineAddresses.get());
        } else {
            host = bindHost;
        }
        return new Address(host, advertisePort != 0 ? advertisePort : boundPort);
    }

    /** Every broken rule, each naming the file key, the value and the rule. */
    private List<String> problems() {
        List<String> p = new ArrayList<>();
        name(p, "cluster", clusterName, CLUSTER_NAME, 64);
        name(p, "node", nodeName, NODE_NAME, 128);
        if (missing(p, "bind", bindHost)) {
            host(p, "bind", bindHost);
        }
        range(p, "port", port, 0, 65_535, "");
        if (advertiseHost != null) {
            host(p, "advertise", advertiseHost);
            if (Hosts.isWildcard(advertiseHost)) {
                p.add("advertise: '" + advertiseHost + "' is a wildcard; give an address other nodes can reach");
            }
        }
        if (advertisePort < 0 || advertisePort > 65_535) {
            p.add("advertise: port " + advertisePort + " must be between 0 and 65535 (0 means the bound port)");
        }
        seedProblems(p);
        if (dnsName != null) {
            if (!Hosts.isHost(dnsName)) {
                p.add("discovery.dns.name: '" + dnsName + "' must be a host name");
            }
        } else if (dnsSrv) {
            p.add("discovery.dns.srv: true needs discovery.dns.name, the name whose SRV records to look up");
        }
        range(p, "discovery.dns.port", dnsPort, 0, 65_535, "0 means this node's port");
        if (missing(p, "discovery.multicast.group", multicastGroup)) {
            InetAddress group = Hosts.literal(multicastGroup);
            if (group == null || !group.isMulticastAddress()) {
                p.add("discovery.multicast.group: '" + multicastGroup
                        + "' must be a multicast IP address (224.0.0.0 to 239.255.255.255, or ff00::/8)");
            }
        }
        range(p, "discovery.multicast.port", multicastPort, 1, 65_535, "");
        positive(p, "join-timeout", joinTimeout);
        if (missing(p, "rpc", rpc)) {
            p.addAll(rpc.problems());
        }
        if (missing(p, "content", content)) {
            p.addAll(content.problems());
        }
        if (missing(p, "http", http)) {
            p.addAll(http.problems());
        }
        if (missing(p, "leave-timeout", leaveTimeout) && leaveTimeout.isNegative()) {
            p.add("leave-timeout: " + Durations.format(leaveTimeout) + " must not be negative");
        }
        if (clusterSize < 0) {
            p.add("cluster-size: " + clusterSize + " must be 0 (unknown) or more");
        }
        if (nodeIndex < 0) {
            p.add("node-index: " + nodeIndex + " must be 0 (unset) or more");
        }
        missing(p, "metadata", metadata);
        if (missing(p, "membership", membership)) {
            try {
                membership.toBuilder().build(); // a record made without its builder is unchecked
            } catch (IllegalArgumentException e) {
                p.addAll(MembershipKeys.problems(e));
            }
        }
        range(p, "http-port", httpPort, -1, 65_535, "-1 turns the HTTP server off, 0 picks a free port");
        crossFieldProblems(p);
        return p;
    }

    private void seedProblems(List<String> p) {
        if (!missing(p, "seeds", seeds)) {
            return;
        }
        if (seeds.size() > MAX_SEEDS) {
            p.add("seeds: " + seeds.size() + " seeds are more than " + MAX_SEEDS
                    + "; list a few stable nodes, or use discovery.dns");
        }
        for (Address seed : seeds) {
            if (seed == null) {
                p.add("seeds: the list holds a null");
            } else if (!Hosts.isHost(seed.host())) {
                p.add("seeds: '" + seed + "' must have an IP address or a host name as its host");
            }
        }
    }

    /** Rules between settings; each side's own rule is checked on its own. */
    private void crossFieldProblems(List<String> p) {
        if (httpPort > 0 && httpPort == port) {
            p.add("http-port (" + httpPort + ") must differ from port (" + port + ")");
        }
        if (multicast && multicastPort == port) {
            p.add("discovery.multicast.port (" + multicastPort + ") must differ from port (" + port + ")");
        }
        if (clusterSize > 0 && nodeIndex > clusterSize) {
            p.add("node-index (" + nodeIndex + ") must be at most cluster-size (" + clusterSize + ")");
        }
        if (metadata != null && membership != null && metadata.encodedSize() > membership.maxMetadataBytes()) {
            p.add("metadata: " + metadata.encodedSize() + " bytes must be at most membership.max-metadata-bytes ("
                    + membership.maxMetadataBytes() + "); it rides in every alive message");
        }
    }

    /** Adds "is missing" for null and returns whether the value is there to check further. */
    private static boolean missing(List<String> p, String key, Object value) {
        if (value == null) {
            p.add(key + ": is missing");
            return false;
        }
        return true;
    }

    private static void name(List<String> p, String key, String value, Pattern rule, int maxLength) {
        if (missing(p, key, value) && !rule.matcher(value).matches()) {
            p.add(key + ": '" + value + "' must be 1 to " + maxLength + " characters of " + NAME_CHARS);
        }
    }

    private static void host(List<String> p, String key, String value) {
        if (!Hosts.isHost(value)) {
            p.add(key + ": '" + value + "' must be an IP address (IPv6 without brackets) or a host name");
        }
    }

    private static void range(List<String> p, String key, int value, int min, int max, String why) {
        if (value < min || value > max) {
            p.add(key + ": " + value + " must be between " + min + " and " + max + (why.isEmpty() ? "" : " (" + why + ")"));
        }
    }

    private static void positive(List<String> p, String key, Duration d) {
        if (missing(p, key, d) && (d.isNegative() || d.isZero())) {
            p.add(key + ": " + Durations.format(d) + " must be positive");
        }
    }

    /**
     * Collects values and checks them all in {@link #build()}. Not thread-safe. A failed
     * {@code build()} or {@code applyEnvironment} leaves the builder as it was.
     */
    public static final class Builder {
        private String clusterName = "muster";
        private String nodeName; // null: derived from nodeIndex in build()
        private String bindHost = "127.0.0.1";
        private Integer port; // null: DEFAULT_PORT; the environment must tell a default from a setting
        private String advertiseHost;
        private int advertisePort;
        private List<Address> seeds = List.of();
        private String dnsName;
        private boolean dnsSrv;
        private int dnsPort;
        private boolean multicast;
        private String multicastGroup = "239.255.77.46";
        private int multicastPort = 7947;
        private Duration joinTimeout = Duration.ofSeconds(60);
        private int clusterSize;
        private int nodeIndex;
        private Metadata metadata = Metadata.EMPTY;
        private MembershipConfig membership = MembershipConfig.lan();
        private boolean faultInjection;
        private Integer httpPort; // null: DEFAULT_HTTP_PORT, as for port
        private Duration leaveTimeout = Duration.ofSeconds(5);
        private RpcConfig rpc = RpcConfig.DEFAULTS;
        private ContentConfig content = ContentConfig.DEFAULTS;
        private HttpConfig http = HttpConfig.DEFAULTS;

        private Builder() {}

        public Builder clusterName(String v) { clusterName = v; return this; }
        /** Null goes back to the default, {@code node-<nodeIndex>} or {@code node-1}. */
        public Builder nodeName(String v) { nodeName = v; return this; }
        public Builder bindHost(String v) { bindHost = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder advertiseHost(String v) { advertiseHost = v; return this; }
        public Builder advertisePort(int v) { advertisePort = v; return this; }
        /** Copies the list; later changes to it do not reach the builder. */
        public Builder seeds(List<Address> v) { seeds = v == null ? null : new ArrayList<>(v); return this; }
        public Builder dnsName(String v) { dnsName = v; return this; }
        public Builder dnsSrv(boolean v) { dnsSrv = v; return this; }
        public Builder dnsPort(int v) { dnsPort = v; return this; }
        public Builder multicast(boolean v) { multicast = v; return this; }
        public Builder multicastGroup(String v) { multicastGroup = v; return this; }
        public Builder multicastPort(int v) { multicastPort = v; return this; }
        public Builder joinTimeout(Duration v) { joinTimeout = v; return this; }
        public Builder clusterSize(int v) { clusterSize = v; return this; }
        public Builder nodeIndex(int v) { nodeIndex = v; return this; }
        public Builder metadata(Metadata v) { metadata = v; return this; }
        public Builder membership(MembershipConfig v) { membership = v; return this; }
        public Builder faultInjection(boolean v) { faultInjection = v; return this; }
        public Builder httpPort(int v) { httpPort = v; return this; }
        public Builder leaveTimeout(Duration v) { leaveTimeout = v; return this; }
        public Builder rpc(RpcConfig v) { rpc = v; return this; }
        public Builder content(ContentConfig v) { content = v; return this; }
        public Builder http(HttpConfig v) { http = v; return this; }

        /**
         * Overrides settings from environment variables; call it after loading the file and before
         * setting flags. Blank variables count as unset. All variables are read and checked before
         * any is applied, so on a {@link ConfigException} (naming the variable) nothing changed.
         *
         * <ul>
         *   <li>CLUSTER_NAME, NODE_NAME, CLUSTER_BIND, CLUSTER_PORT, CLUSTER_SIZE, NODE_INDEX,
         *       HTTP_PORT set the setting of the same meaning. CLUSTER_SEEDS is a comma-separated
         *       seed list and replaces the file's; CLUSTER_ADVERTISE is {@code host} or
         *       {@code host:port} and replaces both advertise host and port.
         *   <li>Node name: NODE_NAME if set, else the file's {@code node}, else {@code node-<i>}
         *       for NODE_INDEX = i (the builder's default, see {@link ClusterConfig#nodeName}).
         *   <li>Ports of node i (NODE_INDEX, else the file's node-index, else 1), with spacing
         *       PORT_SPACING (default 10; 0 gives every node the same ports, one node per host):
         *       {@code port = BASE_PORT + (i - 1) * PORT_SPACING} when BASE_PORT is set, or when
         *       NODE_INDEX is set and no port was set (by the file or the builder); BASE_PORT
         *       defaults to 7946. Likewise {@code httpPort = HTTP_BASE_PORT + (i - 1) * PORT_SPACING}
         *       when BASE_PORT or HTTP_BASE_PORT is set, or NODE_INDEX is set and no http port was
         *       set; HTTP_BASE_PORT defaults to 8151. CLUSTER_PORT and HTTP_PORT win over these.
         * </ul>
         *
         * @param env the variables, usually {@code System.getenv()}; tests pass a map
         */
        public Builder applyEnvironment(Map<String, String> env) {
            ClusterConfigLoader.applyEnvironment(this, env);
            return this;
        }

        boolean portSet() {
            return port != null;
        }

        boolean httpPortSet() {
            return httpPort != null;
        }

        int nodeIndex() {
            return nodeIndex;
        }

        HttpConfig httpConfig() {
            return http;
        }

        /**
         * Checks every setting and the rules between them. The exception lists each problem with
         * the setting's file key, the value and the rule. The builder is not changed either way.
         */
        public ClusterConfig build() {
            String name = nodeName != null ? nodeName : "node-" + Math.max(1, nodeIndex);
            ClusterConfig c = new ClusterConfig(clusterName, name, bindHost, port != null ? port : DEFAULT_PORT,
                    advertiseHost, advertisePort, seeds, dnsName, dnsSrv, dnsPort, multicast, multicastGroup,
                    multicastPort, joinTimeout, clusterSize, nodeIndex, metadata, membership, faultInjection,
                    httpPort != null ? httpPort : DEFAULT_HTTP_PORT, leaveTimeout, rpc, content, http);
            List<String> problems = c.problems();
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return c;
        }
    }
}
