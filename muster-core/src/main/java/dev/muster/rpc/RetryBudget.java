package dev.muster.rpc;

/**
 * Bounds retries to a share of calls, as gRPC's retry throttling and Finagle's retry budget do:
 * each call deposits {@code percent}/100 of a token, time adds {@link #PER_SECOND} tokens a
 * second, a retry takes one, and the balance is capped. When a service is down, callers then make
 * about {@code 1 + percent/100} attempts per call instead of {@code maxAttempts}. Thread-safe.
 */
final class RetryBudget {

    static final double PER_SECOND = 10;
    static final double CAP = 100;

    private final double perCall;
    private double tokens = PER_SECOND;
    private long lastNanos = System.nanoTime();

    RetryBudget(int percent) {
        this.perCall = percent / 100.0;
    }

    synchronized void called() {
        tokens = Math.min(CAP, tokens + perCall);
    }

    synchronized boolean tryRetry() {
        long now = System.nanoTime();
        tokens = Math.min(CAP, tokens + (now - lastNanos) / 1e9 * PER_SECOND);
        lastNanos = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
