package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The schedule of a chaos monkey run: from a seed, a rate, a duration, the cluster's size and the
 * fault kinds, a list of timed faults, the same list for the same inputs on any machine.
 *
 * <p>Time is cut into slots of one period ({@code --rate 1/30s}: 30 s). Each slot holds one fault:
 * it starts within the first quarter of the slot and is undone (restart, SIGCONT, heal) after a
 * hold of a quarter to a half of the period, so faults never overlap and the cluster has the rest
 * of the slot to recover. Slots that do not fit in the duration are left out, so a run ends by
 * itself. A kill or pause takes one node; a partition cuts a minority (1 to (N-1)/2 nodes, at
 * least 1) from the rest; delay and loss slow or thin one node's traffic with every peer.
 *
 * <p>The random numbers come from {@link java.util.Random}, whose algorithm the JDK specifies, so a
 * plan generated from a seed is the same on every JDK. A plan is written as JSON lines: a header
 * line with the parameters, then one line per event; {@link #read} gives back an equal plan.
 *
 * <p>Immutable and thread-safe.
 *
 * @param seed the seed the events came from
 * @param period the time between fault starts on average (one slot)
 * @param duration how long the run lasts
 * @param size the cluster's size the plan was made for
 * @param kinds the fault kinds it draws from
 * @param events the faults, in order of {@code atMs}
 */
public record ChaosPlan(long seed, Duration period, Duration duration, int size, Set<Kind> kinds, List<Event> events) {

    /** Shortest period: a fault needs time to be applied, detected and undone. */
    public static final Duration MIN_PERIOD = Duration.ofSeconds(1);
    /** Longest run: a monkey that outlives a working day is a mistake. */
    public static final Duration MAX_DURATION = Duration.ofHours(24);
    /** The plan file format's version, the header's {@code muster_chaos_plan}. */
    static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a fault does. */
    public enum Kind {
        /** SIGKILL one node, start it again after the hold. */
        KILL,
        /** SIGSTOP one node, SIGCONT after the hold. */
        PAUSE,
        /** Black-hole a minority from the rest, heal after the hold. */
        PARTITION,
        /** Delay one node's traffic, heal after the hold. */
        DELAY,
        /** Drop a share of one node's traffic, heal after the hold. */
        LOSS;

        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind named {@code text}, or why not, naming {@code what}. */
        public static Kind parse(String what, String text) {
            for (Kind k : values()) {
                if (k.jsonName().equals(text.strip().toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new IllegalArgumentException(what + ": '" + text + "' is no fault kind; use kill, pause, partition,"
                    + " delay or loss");
        }
    }

    /**
     * One fault.
     *
     * @param atMs when it starts, from the start of the run
     * @param kind what it does
     * @param nodes the node indexes it hits: one node, or the minority side of a partition
     * @param holdMs how long it lasts before it is undone
     * @param delayMs a delay's milliseconds (0 otherwise)
     * @param jitterMs a delay's jitter (0 otherwise)
     * @param dropRate a loss's share of messages dropped, 0..1 (0 otherwise)
     */
    public record Event(long atMs, Kind kind, List<Integer> nodes, long holdMs, long delayMs, long jitterMs,
                        double dropRate) {
        public Event {
            nodes = List.copyOf(nodes);
        }
    }

    public ChaosPlan {
        kinds = Set.copyOf(kinds);
        events = List.copyOf(events);
    }

    /**
     * The plan for these inputs; the same inputs give the same plan.
     *
     * @throws IllegalArgumentException naming the option, the value and the rule
     */
    public static ChaosPlan generate(long seed, Duration period, Duration duration, int size, Set<Kind> kinds) {
        check(period, duration, size, kinds);
        List<Kind> order = new ArrayList<>(EnumSet.copyOf(kinds)); // the enum's order, not the caller's
        Random random = new Random(seed);
        long periodMs = period.toMillis();
        List<Event> events = new ArrayList<>();
        for (long slot = 0; slot + periodMs <= duration.toMillis(); slot += periodMs) {
            long at = slot + random.nextLong(periodMs / 4 + 1);
            long hold = Math.max(500, periodMs / 4 + random.nextLong(periodMs / 4 + 1));
            Kind kind = order.get(random.nextInt(order.size()));
            int node = 1 + random.nextInt(size);
            events.add(switch (kind) {
                case KILL, PAUSE -> new Event(at, kind, List.of(node), hold, 0, 0, 0);
                case PARTITION -> new Event(at, kind, minority(random, size), hold, 0, 0, 0);
                case DELAY -> {
                    long delay = 10 * (5 + random.nextInt(46)); // 50..500 ms
                    yield new Event(at, kind, List.of(node), hold, delay, 10 * random.nextInt((int) (delay / 40) + 1), 0);
                }
                case LOSS -> new Event(at, kind, List.of(node), hold, 0, 0, (5 + random.nextInt(46)) / 100.0); // 5..50%
            });
        }
        return new ChaosPlan(seed, period, duration, size, kinds, events);
    }

    /** 1 to (size-1)/2 distinct nodes (at least 1), ascending. */
    private static List<Integer> minority(Random random, int size) {
        int count = 1 + random.nextInt(Math.max(1, (size - 1) / 2));
        List<Integer> all = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, random);
        return all.subList(0, count).stream().sorted().toList();
    }

    private static void check(Duration period, Duration duration, int size, Set<Kind> kinds) {
        if (period.compareTo(MIN_PERIOD) < 0) {
            throw new IllegalArgumentException("--rate: one fault every " + Durations.format(period) + " is too often; the"
                    + " period must be at least " + Durations.format(MIN_PERIOD) + " (for example 1/30s)");
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("--duration (" + Durations.format(duration) + ") must be more than 0 and at"
                    + " most " + Durations.format(MAX_DURATION));
        }
        if (period.compareTo(duration) > 0) {
            throw new IllegalArgumentException("--rate: one fault every " + Durations.format(period) + " starts none within"
                    + " --duration " + Durations.format(duration) + "; make the rate faster or the duration longer");
        }
        if (size < 2 || size > LocalCluster.MAX_SIZE) {
            throw new IllegalArgumentException("a monkey needs a cluster of 2 to " + LocalCluster.MAX_SIZE
                    + " nodes (faults between nodes); this one has " + size);
        }
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("--faults: give at least one of kill, pause, partition, delay, loss");
        }
    }

    /** Parses {@code N/DURATION} (N faults per DURATION, e.g. {@code 1/30s}, {@code 2/1m}) into a period. */
    public static Duration parseRate(String text) {
        String rule = "--rate: '" + text + "' must be N/DURATION, N faults per DURATION, for example 1/30s or 2/1m";
        int slash = text.indexOf('/');
        if (slash < 1) {
            throw new IllegalArgumentException(rule);
        }
        int n;
        try {
            n = Integer.parseInt(text.substring(0, slash).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(rule);
        }
        if (n < 1) {
            throw new IllegalArgumentException(rule + " with N at least 1");
        }
        Duration per;
        try {
            per = Durations.parse("--rate", text.substring(slash + 1).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(rule + " (" + e.getMessage() + ")");
        }
        return per.dividedBy(n);
    }

    // ------------------------------------------------------------------ file

    /** Writes the plan to {@code file} as JSON lines (creating its directory). */
    public void write(Path file) {
        StringBuilder out = new StringBuilder();
        ObjectNode header = JSON.createObjectNode().put("muster_chaos_plan", FORMAT).put("seed", seed)
                .put("period_ms", period.toMillis()).put("duration_ms", duration.toMillis()).put("size", size);
        EnumSet.copyOf(kinds).forEach(k -> header.withArray("faults").add(k.jsonName()));
        out.append(header).append('\n');
        for (Event e : events) {
            ObjectNode n = JSON.createObjectNode().put("at_ms", e.atMs()).put("fault", e.kind().jsonName());
            e.nodes().forEach(n.putArray("nodes")::add);
            n.put("hold_ms", e.holdMs());
            switch (e.kind()) {
                case DELAY -> n.put("delay_ms", e.delayMs()).put("jitter_ms", e.jitterMs());
                case LOSS -> n.put("drop_rate", e.dropRate());
                default -> { }
            }
            out.append(n).append('\n');
        }
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chaos plan " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a plan {@link #write} wrote.
     *
     * @throws IllegalArgumentException naming the file, the line and what is wrong
     */
    public static ChaosPlan read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("--replay: cannot read " + file + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("--replay: " + file + " is empty; it must be a plan 'muster chaos monkey' wrote");
        }
        int line = 1;
        try {
            JsonNode h = JSON.readTree(lines.get(0));
            if (h.path("muster_chaos_plan").asInt() != FORMAT) {
                throw new IllegalArgumentException("the first line is no chaos plan header of format " + FORMAT);
            }
            Set<Kind> kinds = EnumSet.noneOf(Kind.class);
            h.path("faults").forEach(k -> kinds.add(Kind.parse("faults", k.asText())));
            List<Event> events = new ArrayList<>();
            for (line = 2; line <= lines.size(); line++) {
                JsonNode e = JSON.readTree(lines.get(line - 1));
                List<Integer> nodes = new ArrayList<>();
                e.path("nodes").forEach(n -> nodes.add(n.asInt()));
                events.add(new Event(required(e, "at_ms").asLong(), Kind.parse("fault", required(e, "fault").asText()),
                        nodes, required(e, "hold_ms").asLong(), e.path("delay_ms").asLong(0), e.path("jitter_ms").asLong(0),
                        e.path("drop_rate").asDouble(0)));
            }
            ChaosPlan plan = new ChaosPlan(required(h, "seed").asLong(), Duration.ofMillis(required(h, "period_ms").asLong()),
                    Duration.ofMillis(required(h, "duration_ms").asLong()), required(h, "size").asInt(), kinds, events);
            check(plan.period(), plan.duration(), plan.size(), plan.kinds());
            return plan;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--replay: " + file + " line " + line + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode required(JsonNode n, String field) {
        if (!n.hasNonNull(field)) {
            throw new IllegalArgumentException("'" + field + "' is missing");
        }
        return n.get(field);
    }
}
