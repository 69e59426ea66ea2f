package dev.muster.services;

/**
 * Counters of one service as seen from this node, calls made (client side) and calls served.
 *
 * @param calls calls made (first attempts; retries are counted in {@code retries})
 * @param errors calls that failed, timeouts included
 * @param timeouts calls that failed at their deadline
 * @param inFlight calls made that wait for a reply now
 * @param retries extra attempts of idempotent calls
 * @param bytesOut request payload bytes sent
 * @param bytesIn reply payload bytes received
 * @param served calls this node's handler ran
 * @param serveErrors calls this node's handler failed
 * @param latency latency of completed calls made, successful or not
 */
public record ServiceStats(long calls, long errors, long timeouts, long inFlight, long retries, long bytesOut,
                           long bytesIn, long served, long serveErrors, LatencyHistogram.Snapshot latency) {}
