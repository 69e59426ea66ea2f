package dev.muster.content;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content of one node by digest, within a byte budget.
 *
 * <h2>Eviction</h2>
 * Least recently used first: storing or reading an entry makes it the most recent. When a new
 * entry would take the store over its budget, the least recent entries that are not pinned go
 * until it fits. When the pinned entries alone leave no room, the new entry is refused and
 * nothing is evicted.
 *
 * <h2>Disk</h2>
 * With a directory, each entry is also the file {@code DIGEST} (written to a temporary file and
 * moved, so a crash leaves no half entry), pinned ones with an empty {@code DIGEST.pin} beside
 * it. A new store loads the directory, keeping the files whose content matches their name,
 * within the budget, and deleting the others.
 *
 * <p>Thread-safe: one lock, held for map updates; files are written outside it.
 */
final class Store {

    private static final Logger log = LoggerFactory.getLogger(Store.class);

    /** One entry; mutable counters under the store's lock. */
    static final class Entry {
        final Digest digest;
        final byte[] content;
        final String origin;
        final Instant injectedAt;
        final Instant firstSeenAt;
        final int hops;
        boolean pinned;
        long duplicates;
        long pushesSent;

        Entry(Digest digest, byte[] content, String origin, Instant injectedAt, Instant firstSeenAt, int hops) {
            this.digest = digest;
            this.content = content;
            this.origin = origin;
            this.injectedAt = injectedAt;
            this.firstSeenAt = firstSeenAt;
            this.hops = hops;
        }
    }

    /** What {@link #add} did. */
    enum Added { NEW, DUPLICATE, NO_ROOM }

    private final long budget;
    private final Path dir;
    private final LinkedHashMap<Digest, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long duplicates;
    private long evictions;

    Store(long budget, Path dir) {
        this.budget = budget;
        this.dir = dir;
        if (dir != null) {
            load();
        }
    }

    /** Adds {@code e} unless its digest is held (then counts a duplicate) or there is no room. */
    Added add(Entry e) {
        Offer o = offer(e);
        if (o.added() == Added.NEW) {
            persist(e, o.evicted());
        }
        return o.added();
    }

    /** What {@link #offer} did in memory, and the entries it evicted, whose files {@link #persist} deletes. */
    record Offer(Added added, List<Entry> evicted) {}

    /**
     * {@link #add} in memory only: a caller that forwards the entry first (diffusion) writes its file
     * after, with {@link #persist}.
     */
    Offer offer(Entry e) {
        List<Entry> evicted = new ArrayList<>();
        synchronized (this) {
            Entry held = entries.get(e.digest);
            if (held != null) {
                held.duplicates++;
                duplicates++;
                return new Offer(Added.DUPLICATE, List.of());
            }
            long room = budget - bytes;
            if (room < e.content.length) {
                long freeable = 0;
                for (Entry x : entries.values()) {
                    if (!x.pinned) {
                        freeable += x.content.length;
                    }
                }
                if (room + freeable < e.content.length) {
                    return new Offer(Added.NO_ROOM, List.of());
                }
                for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && budget - bytes < e.content.length; ) {
                    Entry x = it.next();
                    if (!x.pinned) {
                        it.remove();
                        bytes -= x.content.length;
                        evictions++;
                        evicted.add(x);
                    }
                }
            }
            entries.put(e.digest, e);
            bytes += e.content.length;
        }
        return new Offer(Added.NEW, evicted);
    }

    /** The file work of an entry {@link #offer} added: deletes the evicted entries' files, writes its own. */
    void persist(Entry e, List<Entry> evicted) {
        if (dir != null) {
            evicted.forEach(x -> deleteFiles(x.digest));
            write(e);
        }
    }

    synchronized Entry get(Digest d) {
        return entries.get(d);
    }

    synchronized void pushed(Entry e, int n) {
        e.pushesSent += n;
    }

    boolean pin(Digest d, boolean pinned) {
        synchronized (this) {
            Entry e = entries.get(d);
            if (e == null) {
                return false;
            }
            e.pinned = pinned;
        }
        if (dir != null) {
            try {
                Path pin = dir.resolve(d + ".pin");
                if (pinned) {
                    Files.writeString(pin, "");
                } else {
                    Files.deleteIfExists(pin);
                }
            } catch (IOException ex) {
                log.warn("content store {}: could not record the pin of {}: {}", dir, d, ex.toString());
            }
        }
        return true;
    }

    boolean remove(Digest d) {
        synchronized (this) {
            Entry e = entries.remove(d);
            if (e == null) {
                return false;
            }
            bytes -= e.content.length;
        }
        if (dir != null) {
            deleteFiles(d);
        }
        return true;
    }

    synchronized ContentInfo info(Entry e) {
        return new ContentInfo(e.digest, e.content.length, e.origin, e.injectedAt, e.firstSeenAt, e.hops, e.pinned,
                e.duplicates, e.pushesSent);
    }

    synchronized List<ContentInfo> list() {
        List<ContentInfo> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(info(e));
        }
        return out;
    }

    synchronized long[] figures() {
        return new long[] {entries.size(), bytes, duplicates, evictions};
    }

    long budget() {
        return budget;
    }

    // ------------------------------------------------------------------ disk

    private void write(Entry e) {
        try {
            Path tmp = dir.resolve(e.digest + ".tmp");
            Files.write(tmp, e.content);
            Files.move(tmp, dir.resolve(e.digest.toString()), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            log.warn("content store {}: could not write {}: {}", dir, e.digest, ex.toString());
        }
    }

    private void deleteFiles(Digest d) {
        try {
            Files.deleteIfExists(dir.resolve(d.toString()));
            Files.deleteIfExists(dir.resolve(d + ".pin"));
        } catch (IOException ex) {
            log.warn("content store {}: could not delete {}: {}", dir, d, ex.toString());
        }
    }

    private void load() {
        try {
            Files.createDirectories(dir);
            List<Path> files;
            try (var s = Files.list(dir)) {
                files = s.sorted().toList();
            }
            Map<Digest, Path> found = new LinkedHashMap<>();
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(f);
                } else if (name.matches("[0-9a-f]{64}")) {
                    found.put(Digest.parse(name), f);
                }
            }
            for (Map.Entry<Digest, Path> f : found.entrySet()) {
                byte[] content = Files.readAllBytes(f.getValue());
                if (!f.getKey().matches(content) || bytes + content.length > budget) {
                    log.warn("content store {}: dropping {} ({})", dir, f.getKey(),
                            f.getKey().matches(content) ? "over the budget" : "its content does not match its name");
                    deleteFiles(f.getKey());
                    continue;
                }
                Instant at = Files.getLastModifiedTime(f.getValue()).toInstant();
                Entry e = new Entry(f.getKey(), content, "", at, at, 0);
                e.pinned = Files.exists(dir.resolve(f.getKey() + ".pin"));
                entries.put(e.digest, e);
                bytes += content.length;
            }
        } catch (IOException ex) {
            throw new IllegalStateException("content store " + dir + " cannot be read: " + ex.getMessage(), ex);
        }
    }
}
