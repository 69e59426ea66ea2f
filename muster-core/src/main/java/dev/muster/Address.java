package dev.muster;

import java.util.Objects;

/**
 * A host and port where a node can be reached: an IP literal or a host name, and a port in
 * 1..65535. Immutable and thread-safe.
 *
 * <p>Printed as {@code host:port}, or {@code [v6]:port} for an IPv6 literal, and parsed from the
 * same forms by {@link #parse(String)}.
 */
public record Address(String host, int port) {

    /** Longest host accepted: a DNS name is at most 253 characters. */
    public static final int MAX_HOST_LENGTH = 253;

    public Address {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
            throw new IllegalArgumentException(
                    "address host '" + host + "' must be 1 to " + MAX_HOST_LENGTH + " characters");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("address port " + port + " must be between 1 and 65535");
        }
    }

    /**
     * Parses {@code host:port}, {@code [v6]:port}. The error names the text and the expected form.
     */
    public static Address parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.strip();
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw badAddress(text);
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) {
                throw badAddress(text);
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw badAddress(text);
        }
        return new Address(host, port);
    }

    private static IllegalArgumentException badAddress(String text) {
        return new IllegalArgumentException(
                "address '" + text + "' must look like host:port or [ipv6]:port, for example 127.0.0.1:7946");
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
