package dev.muster.services;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Latencies in log-linear buckets: each power of two of microseconds split in 8, so a quantile
 * is off by at most 12.5%, from 1 µs to about 4.7 hours (longer ones count in the last bucket),
 * in 256 counters. Recording is one
 * atomic add and allocates nothing. Thread-safe.
 */
public final class LatencyHistogram {

    static final int SUB = 8;
    static final int SUB_BITS = 3;
    static final int BUCKETS = 256;
    /**
     * Powers of two the snapshot counts under: 2^0 .. 2^34 µs. Every bucket's bounds lie between
     * two of them (each power of two starts a group of {@link #SUB} buckets), so the counts under
     * them are exact, not interpolated; 2^34 µs is past the last bucket.
     */
    public static final int POWERS_OF_TWO = 35;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final LongAdder totalMicros = new LongAdder();

    /**
     * A histogram's figures at one moment.
     *
     * @param count latencies recorded
     * @param meanMillis their mean
     * @param p50Millis median (bucket's upper bound)
     * @param p90Millis 90th percentile
     * @param p99Millis 99th percentile
     * @param maxMillis the highest bucket's upper bound
     * @param countsUnderPowersOfTwo {@link #POWERS_OF_TWO} cumulative counts: entry {@code k} is
     *     how many latencies were under 2^k microseconds (entry 10: under 1.024 ms), exactly; the
     *     last entry is {@code count} (latencies over 4.7 hours count in the last bucket). What a
     *     Prometheus histogram exposes as its {@code le} buckets.
     */
    public record Snapshot(long count, double meanMillis, double p50Millis, double p90Millis, double p99Millis,
                           double maxMillis, List<Long> countsUnderPowersOfTwo) {
        public static final Snapshot EMPTY = new Snapshot(0, 0, 0, 0, 0, 0,
                Collections.nCopies(POWERS_OF_TWO, 0L));

        public Snapshot {
            countsUnderPowersOfTwo = List.copyOf(countsUnderPowersOfTwo);
            if (countsUnderPowersOfTwo.size() != POWERS_OF_TWO) {
                throw new IllegalArgumentException("a snapshot holds " + POWERS_OF_TWO + " counts under powers of two, not "
                        + countsUnderPowersOfTwo.size());
            }
        }

        /** The sum of the latencies recorded, in milliseconds (the mean times the count). */
        public double sumMillis() {
            return meanMillis * count;
        }
    }

    public void recordNanos(long nanos) {
        long micros = Math.max(1, nanos / 1000);
        counts.incrementAndGet(bucket(micros));
        totalMicros.add(micros);
    }

    static int bucket(long micros) {
        if (micros < SUB) {
            return (int) micros;
        }
        int exp = 63 - Long.numberOfLeadingZeros(micros); // >= 3
        int sub = (int) (micros >>> (exp - SUB_BITS)) & (SUB - 1);
        int b = (exp - SUB_BITS + 1) * SUB + sub;
        return Math.min(b, BUCKETS - 1);
    }

    /** The largest latency, in microseconds, that falls in bucket {@code b}. */
    static long upperMicros(int b) {
        if (b < SUB) {
            return b;
        }
        int exp = b / SUB + SUB_BITS - 1;
        int sub = b % SUB;
        long base = (long) (SUB + sub) << (exp - SUB_BITS);
        return base + (1L << (exp - SUB_BITS)) - 1;
    }

    public Snapshot snapshot() {
        long[] c = new long[BUCKETS];
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts.get(i);
            n += c[i];
        }
        if (n == 0) {
            return Snapshot.EMPTY;
        }
        int max = 0;
        for (int i = BUCKETS - 1; i >= 0; i--) {
            if (c[i] > 0) {
                max = i;
                break;
            }
        }
        return new Snapshot(n, totalMicros.sum() / 1000.0 / n, quantile(c, n, 0.50), quantile(c, n, 0.90),
                quantile(c, n, 0.99), upperMicros(max) / 1000.0, underPowersOfTwo(c));
    }

    /** Cumulative counts under 2^k µs, k = 0 .. {@link #POWERS_OF_TWO} - 1. */
    private static List<Long> underPowersOfTwo(long[] c) {
        Long[] under = new Long[POWERS_OF_TWO];
        long seen = 0;
        int b = 0;
        for (int k = 0; k < POWERS_OF_TWO; k++) {
            long bound = 1L << k;
            // buckets whose largest latency is under the bound; upperMicros grows with b
            while (b < BUCKETS && upperMicros(b) < bound) {
                seen += c[b++];
            }
            under[k] = seen;
        }
        return List.of(under); // the last bucket ends at 2^34 - 1 µs: the last entry counts all
    }

    private static double quantile(long[] c, long n, double q) {
        long rank = (long) Math.ceil(q * n);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += c[i];
            if (seen >= rank) {
                return upperMicros(i) / 1000.0;
            }
        }
        return upperMicros(BUCKETS - 1) / 1000.0;
    }
}
