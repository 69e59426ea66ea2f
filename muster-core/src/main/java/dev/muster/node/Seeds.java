package dev.muster.node;

import dev.muster.Address;
import dev.muster.ClusterConfig;
import dev.muster.discovery.SeedProvider;
import java.io.IOException;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns configured addresses into the IP-literal form every node compares addresses in (RFC 5952
 * for IPv6, so {@code ::1} and {@code 0:0:0:0:0:0:0:1} are one address). Host names are looked
 * up here, on the caller's thread, never on an event loop.
 */
final class Seeds {

    private static final Logger log = LoggerFactory.getLogger(Seeds.class);

    private Seeds() {}

    /** The address with its host as an IP literal; a name is looked up (first answer). */
    static Address literal(Address a) {
        try {
            return new Address(NetUtil.toAddressString(InetAddress.getByName(a.host())), a.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host '" + a.host() + "' of " + a + " does not resolve", e);
        }
    }

    /**
     * The seeds of the config as IP literals: each static seed's every address. A seed whose
     * name does not resolve is skipped with a warning (it may come up later, as in Kubernetes).
     */
    static List<Address> resolve(ClusterConfig config, Address self) {
        List<Address> out = new ArrayList<>();
        for (Address seed : config.seeds()) {
            try {
                for (InetAddress ip : InetAddress.getAllByName(seed.host())) {
                    add(out, new Address(NetUtil.toAddressString(ip), seed.port()), self);
                }
            } catch (UnknownHostException e) {
                log.warn("seed {} does not resolve; skipping it", seed);
            }
        }
        return out;
    }

    /** True when at least one of {@code seeds} resolves, this node itself included. */
    static boolean anyResolves(List<Address> seeds) {
        for (Address seed : seeds) {
            try {
                InetAddress.getAllByName(seed.host());
                return true;
            } catch (UnknownHostException e) {
                // try the next
            }
        }
        return false;
    }

    /** What a discovery source finds now, as IP literals; empty (with a warning) when it fails. */
    static List<Address> lookUp(SeedProvider provider) {
        List<Address> out = new ArrayList<>();
        try {
            for (Address a : provider.seeds()) {
                out.add(literal(a));
            }
        } catch (IOException | IllegalArgumentException e) {
            log.warn("seed lookup {} failed: {}", provider.describe(), e.getMessage());
        }
        return out;
    }

    static void add(List<Address> out, Address a, Address self) {
        if (!a.equals(self) && !out.contains(a)) {
            out.add(a);
        }
    }
}
