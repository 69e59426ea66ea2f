package dev.muster.discovery;

import dev.muster.Address;
import dev.muster.Durations;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Seeds from DNS, typically a Kubernetes headless service: every ready pod is a record.
 *
 * <ul>
 *   <li>{@link #hostRecords(String, int)}: the A and AAAA records of a name, each address with a
 *       port the caller gives ({@code muster.default.svc.cluster.local} and 7946).
 *   <li>{@link #srvRecords(String)}: the SRV records of a name, exactly as given (write the
 *       {@code _muster._tcp.} prefix yourself), each target resolved to its addresses with the
 *       record's port. Targets are taken most preferred first (priority, then weight) and at most
 *       {@link #MAX_SRV_TARGETS} of them.
 * </ul>
 *
 * <p>Who answers: by default, host records (and SRV targets) come from the system resolver
 * ({@link InetAddress#getAllByName}: hosts file, search domains, the JDK's cache) and SRV records
 * from JNDI's DNS provider asking the name servers of /etc/resolv.conf. With
 * {@link #withServer(String)} every query goes to that one server through JNDI. SRV names are
 * asked as given, without search domains, so give them fully qualified.
 *
 * <p>Results: IP addresses as {@link Address} hosts ({@code 10.1.2.3:7946}, {@code [fd00::2]:7946}),
 * duplicates removed, order kept. A name that does not exist or has no records gives an empty
 * list; so does, for host records through the system resolver, a name that does not resolve for
 * any reason, since the JDK cannot tell why. A failed query through JNDI (SERVFAIL, no answer
 * within about three timeouts) throws an IOException naming the name and the record type.
 *
 * <p>Immutable and thread-safe; {@link #seeds()} blocks while DNS answers (see
 * {@link SeedProvider}).
 */
public final class DnsSeeds implements SeedProvider {

    /**
     * Most SRV targets resolved per call. Each costs one or two blocking queries; a joining node
     * needs a few live seeds, not every pod of a large service.
     */
    public static final int MAX_SRV_TARGETS = 32;

    /** Timeout of one JNDI query attempt; a silent server costs about three of these. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);
    private static final int DEFAULT_DNS_PORT = 53;

    private enum Kind { HOST, SRV }

    private final Kind kind;
    private final String name;
    private final int port; // HOST only
    private final DnsQueries dns;
    private final String serverUrl; // null: system resolvers
    private final Duration timeout;

    private DnsSeeds(Kind kind, String name, int port, String serverUrl, Duration timeout) {
        this.kind = kind;
        this.name = name;
        this.port = port;
        this.serverUrl = serverUrl;
        this.timeout = timeout;
        this.dns = new DnsQueries(serverUrl, timeout);
    }

    /** The A and AAAA records of {@code name}, each with {@code port}. */
    public static DnsSeeds hostRecords(String name, int port) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("seed port " + port + " for DNS name '" + name
                    + "' must be between 1 and 65535");
        }
        return new DnsSeeds(Kind.HOST, checkName(name), port, null, DEFAULT_TIMEOUT);
    }

    /** The SRV records of {@code name} (for example {@code _muster._tcp.muster.default.svc.cluster.local}). */
    public static DnsSeeds srvRecords(String name) {
        return new DnsSeeds(Kind.SRV, checkName(name), 0, null, DEFAULT_TIMEOUT);
    }

    /**
     * The same look-up, asking only the server at {@code url}, {@code dns://host[:port]} (port 53
     * by default; IPv6 as {@code dns://[fd00::10]:53}).
     */
    public DnsSeeds withServer(String url) {
        return new DnsSeeds(kind, name, port, checkServer(url), timeout);
    }

    /** The same look-up with {@code timeout} per JNDI query attempt (10ms..30s; default 1s). */
    public DnsSeeds withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 10 || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("DNS timeout (" + Durations.format(timeout)
                    + ") must be between 10ms and " + Durations.format(MAX_TIMEOUT));
        }
        return new DnsSeeds(kind, name, port, serverUrl, timeout);
    }

    @Override
    public List<Address> seeds() throws IOException {
        Set<Address> seeds = new LinkedHashSet<>();
        if (kind == Kind.HOST) {
            addAll(seeds, dns.addresses(name), port);
        } else {
            List<SrvRecord> targets = dns.srv(name).stream()
                    .filter(SrvRecord::offersService)
                    .sorted(SrvRecord.PREFERENCE)
                    .limit(MAX_SRV_TARGETS)
                    .toList();
            for (SrvRecord target : targets) {
                addAll(seeds, dns.addresses(target.target()), target.port());
            }
        }
        return List.copyOf(seeds);
    }

    private static void addAll(Set<Address> seeds, List<InetAddress> ips, int port) {
        for (InetAddress ip : ips) {
            seeds.add(IpLiterals.toAddress(ip, port));
        }
    }

    @Override
    public String describe() {
        return kind == Kind.HOST
                ? "DNS A/AAAA records of '" + name + "' (port " + port + ") via " + dns.via()
                : "DNS SRV records of '" + name + "' via " + dns.via();
    }

    @Override
    public String toString() {
        return describe();
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (bare.isEmpty() || bare.length() > Address.MAX_HOST_LENGTH || bare.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("DNS name '" + name + "' must be 1 to " + Address.MAX_HOST_LENGTH
                    + " characters without spaces");
        }
        return name;
    }

    private static String checkServer(String url) {
        Objects.requireNonNull(url, "url");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw badServer(url);
        }
        boolean ok = "dns".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null
                && uri.getUserInfo() == null && uri.getQuery() == null && uri.getFragment() == null
                && (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"));
        if (!ok) {
            throw badServer(url);
        }
        int serverPort = uri.getPort() == -1 ? DEFAULT_DNS_PORT : uri.getPort();
        return "dns://" + uri.getHost() + ":" + serverPort;
    }

    private static IllegalArgumentException badServer(String url) {
        return new IllegalArgumentException("DNS server '" + url
                + "' must look like dns://host:port, for example dns://10.96.0.10:53 or dns://[fd00::10]:53");
    }
}
