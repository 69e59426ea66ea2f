package dev.muster.discovery;

import dev.muster.Address;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several seed sources asked in order, their seeds joined without duplicates, order kept: for
 * example a static list and a DNS name. Immutable and thread-safe; blocks as long as its slowest
 * part.
 *
 * <p>A failing part does not hide the others: when some parts fail and at least one answers, the
 * answers are returned and each failure is logged at WARN (an operator should fix the source).
 * Only when every part fails does {@link #seeds()} throw, with each part's failure attached as a
 * suppressed exception. Duplicates are found by {@link Address} equality; resolved IPv6 addresses
 * are in the canonical form ({@code ::1}), so write literals in seed lists the same way.
 */
public final class CompositeSeeds implements SeedProvider {

    private static final Logger LOG = LoggerFactory.getLogger(CompositeSeeds.class);

    private final List<SeedProvider> parts;

    private CompositeSeeds(List<SeedProvider> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a composite seed source needs at least one part");
        }
        this.parts = List.copyOf(parts);
    }

    public static CompositeSeeds of(SeedProvider... parts) {
        return new CompositeSeeds(List.of(parts));
    }

    public static CompositeSeeds of(List<? extends SeedProvider> parts) {
        return new CompositeSeeds(List.copyOf(Objects.requireNonNull(parts, "parts")));
    }

    @Override
    public List<Address> seeds() throws IOException {
        Set<Address> seeds = new LinkedHashSet<>();
        List<IOException> failures = new ArrayList<>();
        for (SeedProvider part : parts) {
            try {
                seeds.addAll(part.seeds());
            } catch (IOException e) {
                failures.add(e);
            }
        }
        if (failures.size() == parts.size()) {
            IOException all = new IOException("every seed source failed: " + failures.stream()
                    .map(Throwable::getMessage).collect(Collectors.joining("; ")));
            failures.forEach(all::addSuppressed);
            throw all;
        }
        for (IOException failure : failures) {
            LOG.warn("seed source failed, using the other sources: {}", failure.getMessage());
        }
        return List.copyOf(seeds);
    }

    @Override
    public String describe() {
        return parts.stream().map(SeedProvider::describe).collect(Collectors.joining(" + "));
    }

    @Override
    public String toString() {
        return describe();
    }
}
