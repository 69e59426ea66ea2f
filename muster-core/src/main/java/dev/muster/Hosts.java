package dev.muster;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host text as written in a config: IP literals, wildcards and host names, told apart without
 * ever asking DNS (validation must not block or depend on the network), and this machine's
 * addresses for deriving an advertise address. Stateless and thread-safe.
 */
final class Hosts {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    /** Hex digits, colons, an embedded IPv4 tail and an optional zone; the JDK parses these as literals. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");

    /** RFC 1123 labels; underscores allowed for SRV names such as {@code _gossip._tcp.muster}. */
    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");

    private Hosts() {}

    /** The address an IP literal stands for, or null if the text is not one. Never looks up DNS. */
    static InetAddress literal(String text) {
        Matcher v4 = IPV4.matcher(text);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) {
                    return null;
                }
                bytes[i] = (byte) octet;
            }
            return byAddress(bytes);
        }
        if (text.indexOf(':') >= 0 && IPV6.matcher(text).matches()) {
            try {
                // starts with a hex digit or ':' and holds a ':', so the JDK parses it as a literal
                // and throws rather than falling back to a DNS lookup
                return InetAddress.getByName(text);
            } catch (UnknownHostException notALiteral) {
                return null;
            }
        }
        return null;
    }

    /** True for an IP literal or a syntactically valid host name (an all-digit last label is not one). */
    static boolean isHost(String text) {
        if (literal(text) != null) {
            return true;
        }
        if (text.length() > Address.MAX_HOST_LENGTH || !HOST_NAME.matcher(text).matches()) {
            return false;
        }
        String name = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        String last = name.substring(name.lastIndexOf('.') + 1);
        return !last.chars().allMatch(Character::isDigit);
    }

    /** True for 0.0.0.0, :: and their other spellings: listen on every interface. */
    static boolean isWildcard(String text) {
        InetAddress a = literal(text);
        return a != null && a.isAnyLocalAddress();
    }

    /**
     * The address other nodes should use for a node bound to a wildcard: the first private
     * (site-local) address, else the first other routable one, else loopback. An IPv4 wildcard
     * only considers IPv4 addresses, since it does not listen on IPv6.
     *
     * @param machine this machine's addresses in interface order, as {@link #machineAddresses()}
     */
    static String advertiseHostFor(String wildcard, List<InetAddress> machine) {
        boolean ipv4Only = literal(wildcard) instanceof Inet4Address;
        List<InetAddress> candidates = new ArrayList<>();
        for (InetAddress a : machine) {
            if ((!ipv4Only || a instanceof Inet4Address) && !a.isLoopbackAddress() && !a.isLinkLocalAddress()
                    && !a.isAnyLocalAddress() && !a.isMulticastAddress()) {
                candidates.add(a);
            }
        }
        candidates.sort(Comparator.comparingInt(Hosts::rank)); // stable: interface order within a rank
        if (candidates.isEmpty()) {
            return ipv4Only ? "127.0.0.1" : InetAddress.getLoopbackAddress().getHostAddress();
        }
        String text = candidates.get(0).getHostAddress();
        int zone = text.indexOf('%');
        return zone < 0 ? text : text.substring(0, zone);
    }

    /**
     * The addresses of this machine's interfaces that are up, in interface order. Empty when the
     * interfaces cannot be listed; the caller then falls back to loopback, which is what a node
     * on a machine without a network can use anyway.
     */
    static List<InetAddress> machineAddresses() {
        List<InetAddress> all = new ArrayList<>();
        try {
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                if (ni.isUp()) {
                    all.addAll(ni.inetAddresses().toList());
                }
            }
        } catch (SocketException cannotList) {
            return List.of();
        }
        return all;
    }

    /** 0: private IPv4, 1: private IPv6 (ULA fc00::/7 or old site-local), 2: any other. */
    private static int rank(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.isSiteLocalAddress() ? 0 : 2;
        }
        boolean ula = a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc;
        return ula || a.isSiteLocalAddress() ? 1 : 2;
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            throw new AssertionError("4 bytes are always an IPv4 address", impossible);
        }
    }
}
