package dev.muster.rpc;

import dev.muster.services.LatencyHistogram;
import dev.muster.services.ServiceStats;
import java.util.concurrent.atomic.LongAdder;

/** One service's counters on this node. Thread-safe. */
final class Counters {
    final LongAdder calls = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder inFlight = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder served = new LongAdder();
    final LongAdder serveErrors = new LongAdder();
    final LatencyHistogram latency = new LatencyHistogram();

    ServiceStats snapshot() {
        return new ServiceStats(calls.sum(), errors.sum(), timeouts.sum(), inFlight.sum(), retries.sum(),
                bytesOut.sum(), bytesIn.sum(), served.sum(), serveErrors.sum(), latency.snapshot());
    }
}
