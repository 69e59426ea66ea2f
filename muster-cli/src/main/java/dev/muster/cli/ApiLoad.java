package dev.muster.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop HTTP load: request {@code i} is due at {@code start + i / rate}, whatever the
 * answers before it did, and is sent on a virtual thread of its own at that time; its latency is
 * counted from when it was due, not from when it went out, so a stalled server shows in the
 * latencies instead of slowing the load down (no coordinated omission). Warm-up requests go first
 * and are not counted. One JDK {@link HttpClient} (HTTP/1.1, keep-alive) sends them all; it opens
 * as many connections as requests overlap.
 *
 * <p>Each {@link #run} is bounded: {@code rate * duration} requests, each with a timeout, at most
 * {@link #MAX_IN_FLIGHT} at once (a request due while that many are out is counted as an error,
 * not sent). Confined to the caller's thread; the requests' threads only record into arrays slot
 * by slot.
 */
final class ApiLoad {

    /** Requests out at once at most: at 200/s and 5 s timeouts, 1000 would be in flight; more is a dead server. */
    static final int MAX_IN_FLIGHT = 2_000;
    /** Most requests in one measured run: the latencies are kept, 8 bytes each. */
    static final int MAX_REQUESTS = 1_000_000;
    /** Per request. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /**
     * What a run measured.
     *
     * @param requests requests due in the measured part
     * @param errors those that failed: not 200, a timeout, a refused connection, or not sent ({@link #MAX_IN_FLIGHT})
     * @param latencyNanos the latencies of the successful ones, from their due time, sorted
     * @param bodyBytes the body size of the last successful answer
     * @param elapsedNanos from the first measured request's due time to the last answer
     */
    record Result(int requests, int errors, long[] latencyNanos, long bodyBytes, long elapsedNanos) {

        /** From one latency slot per request, -1 where it failed. */
        static Result of(long[] slots, long bodyBytes, long elapsedNanos) {
            long[] ok = Arrays.stream(slots).filter(l -> l >= 0).sorted().toArray();
            return new Result(slots.length, slots.length - ok.length, ok, bodyBytes, elapsedNanos);
        }

        /** The latency at quantile {@code q} (0..1), nearest rank, in microseconds; -1 when none succeeded. */
        long quantileMicros(double q) {
            if (latencyNanos.length == 0) {
                return -1;
            }
            int rank = (int) Math.ceil(q * latencyNanos.length);
            return latencyNanos[Math.max(0, Math.min(latencyNanos.length - 1, rank - 1))] / 1_000;
        }

        long maxMicros() {
            return latencyNanos.length == 0 ? -1 : latencyNanos[latencyNanos.length - 1] / 1_000;
        }
    }

    private final HttpClient http;
    private final HttpRequest request;

    /** GET {@code url}, with {@code token} as a bearer token when not null. */
    ApiLoad(URI url, String token) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(REQUEST_TIMEOUT).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        this.request = b.build();
    }

    /**
     * Sends {@code rate * warmup} unmeasured requests, then {@code rate * duration} measured ones,
     * open loop, and waits for the last answer (or its timeout).
     *
     * @throws IllegalArgumentException when the rate or the durations are out of range
     */
    Result run(int rate, Duration warmup, Duration duration) throws InterruptedException {
        int[] counts = counts(rate, warmup, duration);
        if (counts[0] > 0) {
            phase(rate, counts[0]);
        }
        return phase(rate, counts[1]);
    }

    /**
     * The warm-up and measured request counts of a load at {@code rate} for {@code warmup} then
     * {@code duration}; shared with {@link ConnectionLoad}.
     *
     * @throws IllegalArgumentException when the rate or the durations are out of range
     */
    static int[] counts(int rate, Duration warmup, Duration duration) {
        if (rate < 1 || rate > 10_000) {
            throw new IllegalArgumentException("--rate (" + rate + ") must be between 1 and 10000 requests/s");
        }
        long measured = rate * duration.toNanos() / 1_000_000_000L;
        if (measured < 1 || measured > MAX_REQUESTS || warmup.isNegative()) {
            throw new IllegalArgumentException("--rate x --duration is " + measured + " requests; it must be 1 to "
                    + MAX_REQUESTS + " (and --warmup not negative)");
        }
        int warm = (int) Math.min(MAX_REQUESTS, rate * warmup.toNanos() / 1_000_000_000L);
        return new int[] {warm, (int) measured};
    }

    private Result phase(int rate, int count) throws InterruptedException {
        long[] latency = new long[count];
        Arrays.fill(latency, -1);
        AtomicLong bodyBytes = new AtomicLong(-1);
        AtomicLong lastDone = new AtomicLong();
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime() + 1_000_000; // a millisecond to get going
        Thread[] threads = new Thread[count];
        for (int i = 0; i < count; i++) {
            long due = start + i * intervalNanos;
            for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            if (!inFlight.tryAcquire()) {
                continue; // not sent: its latency stays -1, an error
            }
            int slot = i;
            threads[i] = Thread.ofVirtual().start(() -> {
                try {
                    HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    long done = System.nanoTime();
                    if (r.statusCode() == 200) {
                        latency[slot] = done - due;
                        bodyBytes.set(r.body().length);
                    }
                    lastDone.accumulateAndGet(done, Math::max);
                } catch (java.io.IOException e) {
                    lastDone.accumulateAndGet(System.nanoTime(), Math::max); // counted as an error: latency stays -1
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inFlight.release();
                }
            });
        }
        for (Thread t : threads) {
            if (t != null) {
                t.join();
            }
        }
        return Result.of(latency, bodyBytes.get(), Math.max(0, lastDone.get() - start));
    }
}
