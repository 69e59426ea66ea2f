package dev.muster.services;

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
     */
    public record Snapshot(long count, double meanMillis, double p50Millis, double p90Millis, double p99Millis,
                           double maxMillis) {
        public static final Snapshot EMPTY = new Snapshot(0, 0, 0, 0, 0, 0);
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
                quantile(c, n, 0.99), upperMicros(max) / 1000.0);
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
