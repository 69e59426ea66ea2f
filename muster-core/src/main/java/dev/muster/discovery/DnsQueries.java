package dev.muster.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.naming.CommunicationException;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.ServiceUnavailableException;
import javax.naming.directory.Attribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * DNS look-ups for {@link DnsSeeds}, through the system resolver or JNDI's DNS provider
 * ({@code com.sun.jndi.dns.DnsContextFactory}, module jdk.naming.dns). Blocking; immutable and
 * thread-safe (each query opens its own JNDI context).
 *
 * <p>Which resolver answers: without a server URL, addresses come from
 * {@link InetAddress#getAllByName} (hosts file, search domains, the JDK's cache) and SRV records
 * from JNDI asking the name servers of /etc/resolv.conf. With a server URL
 * ({@code dns://host:port}), every query goes to that server through JNDI, so a test's fake
 * server or a cluster's own DNS answers for SRV targets too.
 *
 * <p>A name that does not exist (NXDOMAIN) or has no record of the type gives an empty list.
 * JNDI tells those apart from failures (SERVFAIL, no answer), which become an IOException naming
 * the name and the record type. The system resolver does not: the JDK reports every failure as
 * {@link UnknownHostException}, which therefore also gives an empty list.
 */
final class DnsQueries {

    /**
     * JNDI tries each server {@code 1 + RETRIES} times, doubling the timeout each time: with one
     * retry a silent server costs {@code 3 * timeout} per query, not JNDI's default 15 s.
     */
    static final int RETRIES = 1;

    private final String serverUrl; // null: the system resolvers
    private final Duration timeout;

    DnsQueries(String serverUrl, Duration timeout) {
        this.serverUrl = serverUrl;
        this.timeout = timeout;
    }

    /** The A then AAAA addresses of {@code name}; empty when it has none or does not exist. */
    List<InetAddress> addresses(String name) throws IOException {
        if (serverUrl == null) {
            try {
                return List.of(InetAddress.getAllByName(name));
            } catch (UnknownHostException e) {
                return List.of(); // NXDOMAIN, no records and resolver failures look alike here
            }
        }
        List<InetAddress> found = new ArrayList<>();
        for (String type : List.of("A", "AAAA")) {
            for (String value : query(name, type)) {
                InetAddress ip = IpLiterals.parse(value);
                if (ip == null) {
                    throw new IOException("DNS " + type + " lookup of '" + name + "' via " + via()
                            + " returned '" + value + "', which is not an IP address");
                }
                found.add(ip);
            }
        }
        return found;
    }

    /** The SRV records of {@code name} in answer order; empty when it has none or does not exist. */
    List<SrvRecord> srv(String name) throws IOException {
        List<SrvRecord> records = new ArrayList<>();
        for (String value : query(name, "SRV")) {
            try {
                records.add(SrvRecord.parse(value));
            } catch (IllegalArgumentException e) {
                throw new IOException("DNS SRV lookup of '" + name + "' via " + via() + " returned a bad record: "
                        + e.getMessage(), e);
            }
        }
        return records;
    }

    /** Where queries go, for messages: {@code dns://10.96.0.10:53} or {@code system resolvers}. */
    String via() {
        return serverUrl == null ? "system resolvers" : serverUrl;
    }

    private List<String> query(String name, String type) throws IOException {
        Hashtable<String, String> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        env.put(Context.PROVIDER_URL, serverUrl == null ? "dns:" : serverUrl);
        env.put("com.sun.jndi.dns.timeout.initial", Long.toString(timeout.toMillis()));
        env.put("com.sun.jndi.dns.timeout.retries", Integer.toString(RETRIES));
        try {
            DirContext context = new InitialDirContext(env);
            try {
                Attribute records = context.getAttributes(name, new String[] {type}).get(type);
                List<String> values = new ArrayList<>();
                if (records != null) {
                    NamingEnumeration<?> all = records.getAll();
                    while (all.hasMore()) {
                        values.add(String.valueOf(all.next()));
                    }
                }
                return values;
            } finally {
                context.close();
            }
        } catch (NameNotFoundException e) {
            return List.of(); // NXDOMAIN
        } catch (NamingException e) {
            throw new IOException("DNS " + type + " lookup of '" + name + "' via " + via() + " failed: "
                    + explain(e), e);
        }
    }

    private static String explain(NamingException e) {
        String detail = e.getExplanation() == null ? e.getClass().getSimpleName() : e.getExplanation();
        if (e instanceof CommunicationException) {
            return detail + " (no answer in time: is the DNS server reachable?)";
        }
        if (e instanceof ServiceUnavailableException) {
            return detail + " (the server answered SERVFAIL)";
        }
        return detail;
    }
}
