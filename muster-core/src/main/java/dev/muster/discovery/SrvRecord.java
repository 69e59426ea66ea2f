package dev.muster.discovery;

import java.util.Comparator;

/**
 * One DNS SRV record (RFC 2782) as JNDI prints it: {@code "priority weight port target"}.
 *
 * @param priority lower is preferred
 * @param weight among equal priorities, higher is preferred
 * @param port where the service listens on the target
 * @param target host name, without a trailing dot; "." (no service here) becomes ""
 */
record SrvRecord(int priority, int weight, int port, String target) {

    /** Most preferred first: priority ascending, weight descending, then by target and port. */
    static final Comparator<SrvRecord> PREFERENCE = Comparator.comparingInt(SrvRecord::priority)
            .thenComparing(Comparator.comparingInt(SrvRecord::weight).reversed())
            .thenComparing(SrvRecord::target)
            .thenComparingInt(SrvRecord::port);

    /**
     * Parses JNDI's text of one record.
     *
     * @throws IllegalArgumentException naming the text when it is not four fields with numbers
     *     in range
     */
    static SrvRecord parse(String text) {
        String[] f = text.strip().split("\\s+");
        if (f.length != 4) {
            throw bad(text);
        }
        try {
            int priority = Integer.parseInt(f[0]);
            int weight = Integer.parseInt(f[1]);
            int port = Integer.parseInt(f[2]);
            if (!u16(priority) || !u16(weight) || !u16(port)) {
                throw bad(text);
            }
            String target = f[3].endsWith(".") ? f[3].substring(0, f[3].length() - 1) : f[3];
            return new SrvRecord(priority, weight, port, target);
        } catch (NumberFormatException e) {
            throw bad(text);
        }
    }

    /** False for the "." target and port 0, which RFC 2782 uses to say "no service here". */
    boolean offersService() {
        return !target.isEmpty() && port > 0;
    }

    private static boolean u16(int v) {
        return v >= 0 && v <= 65_535;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException(
                "SRV record '" + text + "' must be 'priority weight port target' with numbers in 0..65535");
    }
}
