package dev.muster.discovery;

import dev.muster.Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * IP addresses as text: the canonical form a resolved address takes inside an {@link Address},
 * and parsing of literals without ever asking DNS. Stateless.
 *
 * <p>IPv6 is written as RFC 5952 says ({@code ::1}, {@code fd00::2}, lower case, the longest run
 * of zero groups compressed), not as the JDK prints it ({@code 0:0:0:0:0:0:0:1}), so an address
 * from DNS equals the same address written by hand in a seed list.
 */
final class IpLiterals {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[0-9A-Za-z_.\\-]+)?");

    private IpLiterals() {}

    /** {@code ip} with {@code port}, the host in canonical text. */
    static Address toAddress(InetAddress ip, int port) {
        return new Address(text(ip), port);
    }

    /** Dotted quad for IPv4; RFC 5952 for IPv6, with {@code %scope} when the address has one. */
    static String text(InetAddress ip) {
        if (!(ip instanceof Inet6Address v6)) {
            return ip.getHostAddress();
        }
        byte[] b = v6.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int end = i;
            while (end < 8 && groups[end] == 0) {
                end++;
            }
            if (end - i > bestLength) {
                bestStart = i;
                bestLength = end - i;
            }
            i = end;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; ) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength;
                continue;
            }
            if (i > 0 && i != bestStart + bestLength) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
            i++;
        }
        if (v6.getScopedInterface() != null) {
            sb.append('%').append(v6.getScopedInterface().getName());
        } else if (v6.getScopeId() != 0) {
            sb.append('%').append(v6.getScopeId());
        }
        return sb.toString();
    }

    /** The address written in {@code text}, or null when it is not an IP literal. Never asks DNS. */
    static InetAddress parse(String text) {
        boolean literal = IPV4.matcher(text).matches() || (text.indexOf(':') >= 0 && IPV6.matcher(text).matches());
        if (!literal) {
            return null;
        }
        try {
            return InetAddress.getByName(text); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return null; // shaped like a literal but not a valid one (300.1.1.1, 1:::2)
        }
    }
}
