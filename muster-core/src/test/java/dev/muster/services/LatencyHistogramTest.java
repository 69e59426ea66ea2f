package dev.muster.services;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import java.util.List;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Property
    void aLatencyFallsInABucketWhoseUpperBoundIsWithinAnEighthAboveIt(@ForAll @LongRange(min = 1, max = (1L << 34) - 1) long micros) {
        int b = LatencyHistogram.bucket(micros);
        long upper = LatencyHistogram.upperMicros(b);
        assertThat(upper).isGreaterThanOrEqualTo(micros);
        assertThat((double) upper).isLessThanOrEqualTo(micros * 1.125 + 1);
        if (b > 0) {
            assertThat(LatencyHistogram.upperMicros(b - 1)).as("buckets do not overlap").isLessThan(micros);
        }
    }

    @Test
    void quantilesComeFromTheRecordedLatencies() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.snapshot()).isEqualTo(LatencyHistogram.Snapshot.EMPTY);
        for (int i = 1; i <= 100; i++) {
            h.recordNanos(i * 1_000_000L); // 1 ms .. 100 ms
        }
        LatencyHistogram.Snapshot s = h.snapshot();
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50Millis()).isBetween(50.0, 50.0 * 1.125);
        assertThat(s.p99Millis()).isBetween(99.0, 99.0 * 1.125);
        assertThat(s.maxMillis()).isBetween(100.0, 100.0 * 1.125);
        assertThat(s.meanMillis()).isBetween(50.0, 51.0);
        assertThat(s.sumMillis()).isBetween(5050.0, 5051.0);
    }

    @Property
    void theCountsUnderPowersOfTwoAreExact(@ForAll @Size(max = 50) List<@LongRange(min = 1, max = 1L << 36) Long> micros) {
        LatencyHistogram h = new LatencyHistogram();
        micros.forEach(m -> h.recordNanos(m * 1000));
        List<Long> under = h.snapshot().countsUnderPowersOfTwo();
        assertThat(under).hasSize(LatencyHistogram.POWERS_OF_TWO);
        for (int k = 0; k < LatencyHistogram.POWERS_OF_TWO - 1; k++) {
            long bound = 1L << k;
            assertThat(under.get(k)).as("latencies under 2^%d µs", k)
                    .isEqualTo(micros.stream().filter(m -> m < bound).count());
        }
        assertThat(under.getLast()).as("the last entry counts every latency, the ones past the last bucket too")
                .isEqualTo(micros.size());
    }
}
