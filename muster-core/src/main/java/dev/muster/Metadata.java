package dev.muster;

import dev.muster.membership.WireSize;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A member's metadata: a small sorted map of string keys to string values (roles, tags, ports,
 * load figures) carried with every alive message. Immutable and thread-safe.
 *
 * <p>Its size on the wire is {@link #encodedSize()}; the membership config caps it
 * ({@code maxMetadataBytes}, 512 B by default) because it rides in UDP packets.
 */
public final class Metadata {

    public static final Metadata EMPTY = new Metadata(new TreeMap<>());

    private final SortedMap<String, String> entries;
    private final int encodedSize;

    private Metadata(TreeMap<String, String> entries) {
        this.entries = Collections.unmodifiableSortedMap(entries);
        int size = 0;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            int k = WireSize.utf8Length(e.getKey());
            int v = WireSize.utf8Length(e.getValue());
            // one length-delimited entry holding two length-delimited strings
            size += WireSize.field(WireSize.string(k) + WireSize.string(v));
        }
        this.encodedSize = size;
    }

    public static Metadata of(Map<String, String> map) {
        Objects.requireNonNull(map, "map");
        if (map.isEmpty()) {
            return EMPTY;
        }
        TreeMap<String, String> copy = new TreeMap<>();
        map.forEach((k, v) -> {
            if (k == null || k.isEmpty()) {
                throw new IllegalArgumentException("metadata keys must be non-empty, got '" + k + "'");
            }
            copy.put(k, Objects.requireNonNull(v, () -> "metadata value of '" + k + "' is null"));
        });
        return new Metadata(copy);
    }

    /** A copy with one entry set. */
    public Metadata with(String key, String value) {
        TreeMap<String, String> copy = new TreeMap<>(entries);
        copy.put(key, value);
        return of(copy);
    }

    public String get(String key) {
        return entries.get(key);
    }

    public SortedMap<String, String> asMap() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Bytes this metadata takes on the wire. */
    public int encodedSize() {
        return encodedSize;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Metadata m && m.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return entries.toString();
    }

}
