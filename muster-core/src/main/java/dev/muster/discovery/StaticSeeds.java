package dev.muster.discovery;

import dev.muster.Address;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * A fixed list of seeds, duplicates removed, order kept. Immutable and thread-safe.
 *
 * @param addresses the seeds in order of preference
 */
public record StaticSeeds(List<Address> addresses) implements SeedProvider {

    public StaticSeeds {
        Objects.requireNonNull(addresses, "addresses");
        addresses = List.copyOf(new LinkedHashSet<>(addresses));
    }

    public static StaticSeeds of(Address... addresses) {
        return new StaticSeeds(List.of(addresses));
    }

    /**
     * Parses a comma-separated list such as {@code 10.0.0.1:7946, [fd00::2]:7946} (the form of
     * {@code CLUSTER_SEEDS}); blank text gives no seeds. The error names the bad entry.
     */
    public static StaticSeeds parse(String text) {
        Objects.requireNonNull(text, "text");
        List<Address> parsed = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                parsed.add(Address.parse(part));
            }
        }
        return new StaticSeeds(parsed);
    }

    @Override
    public List<Address> seeds() {
        return addresses;
    }

    @Override
    public String describe() {
        return "static seeds " + addresses;
    }
}
