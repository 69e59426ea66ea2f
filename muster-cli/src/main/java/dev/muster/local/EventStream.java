package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A client of a node's server-sent event stream ({@code GET /api/cluster/events}): it reads
 * {@code id:}, {@code event:} and {@code data:} lines into {@link Event}s, skips comments (the
 * node's {@code : keepalive}), and remembers the last id. Following, it reconnects when the
 * stream ends or goes silent, sending {@code Last-Event-ID} so the node resumes after the last
 * event seen, trying the API's nodes in order (a local cluster's other running nodes; their ids
 * are theirs, so a node that does not know the id answers with a {@code reset} event). A new
 * stream starts with the events the node still holds. Not following, it asks for
 * {@code ?follow=false}, so the node ends the stream once it has sent those.
 *
 * <p>Not thread-safe: one {@link #run} at a time; each connection's lines are read on a virtual
 * thread of its own and handed over through a bounded queue.
 */
public final class EventStream {

    /** No line (not even a keepalive, sent every 15 s) for this long: the connection is dead. */
    static final Duration SILENCE_LIMIT = Duration.ofSeconds(45);
    /** Following, how long to keep trying when no node accepts the stream, before giving up. */
    static final Duration RECONNECT_LIMIT = Duration.ofSeconds(60);
    /** Pause between two rounds of connection attempts. */
    static final Duration RECONNECT_PAUSE = Duration.ofMillis(500);
    /** Lines read ahead of the printer: a burst of buffered events fits; a stalled printer stalls the reader. */
    private static final int QUEUE_LINES = 4096;
    /** Longest event (all its data lines): a node's events are a few hundred bytes. */
    static final int MAX_EVENT_CHARS = 1 << 20;
    /** Not following, the longest read: the node ends a snapshot by itself; this bounds a node that does not. */
    static final Duration SNAPSHOT_LIMIT = Duration.ofSeconds(30);
    private static final String END = new String("end of stream"); // compared by identity

    /**
     * One event.
     *
     * @param id its id ({@code <stream>.<seq>}), or null when the node sent none
     * @param type its type ({@code event:}; "message" when the node sent none)
     * @param data its data as JSON, or null when the data is not JSON
     */
    public record Event(String id, String type, JsonNode data) {}

    /**
     * The SSE line grammar: fields accumulate until a blank line dispatches the event. Pure;
     * confined to one reader.
     */
    static final class Parser {
        private String id;
        private String type;
        private StringBuilder data;
        private String lastId;

        /** Feeds one line (without its line ending); an event when the line completes one. */
        Optional<Event> line(String line) {
            if (line.isEmpty()) {
                if (data == null) {
                    type = null; // an event without data is not dispatched (the SSE rules)
                    return Optional.empty();
                }
                Event e = new Event(id != null ? id : lastId, type == null ? "message" : type,
                        NodeClient.json(data.toString().getBytes(StandardCharsets.UTF_8)));
                if (id != null) {
                    lastId = id;
                }
                id = null;
                type = null;
                data = null;
                return Optional.of(e);
            }
            if (line.startsWith(":")) {
                return Optional.empty(); // a comment: the keepalive
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> type = value;
                case "data" -> {
                    if (data == null) {
                        data = new StringBuilder();
                    } else {
                        data.append('\n');
                    }
                    if (data.length() + value.length() > MAX_EVENT_CHARS) {
                        throw new IllegalStateException("an event's data exceeds " + MAX_EVENT_CHARS + " characters");
                    }
                    data.append(value);
                }
                default -> { } // retry and unknown fields: ignored, as the SSE rules say
            }
            return Optional.empty();
        }

        /** The id of the last event that had one; null before. */
        String lastId() {
            return lastId;
        }

        /** Drops a half-read event (its connection ended before the blank line). */
        void reset() {
            id = null;
            type = null;
            data = null;
        }
    }

    private final ClusterApi api;
    private final String types;
    private String lastId;

    /**
     * @param api the nodes to read the stream from, tried in order
     * @param types the types to receive, comma-separated ({@code ?types=}), or null for all
     * @param since the id to resume after ({@code Last-Event-ID}), or null to start with what the node sends now
     */
    public EventStream(ClusterApi api, String types, String since) {
        this.api = api;
        this.types = types;
        this.lastId = since;
    }

    /**
     * Hands each event to {@code sink}, and what happens to the connection to {@code notices}. Not
     * following, returns once the node has ended the stream of the events it holds (or after
     * {@link #SNAPSHOT_LIMIT}). Following, returns only when the thread is interrupted.
     *
     * @throws IllegalStateException when no node accepts the stream ({@link #RECONNECT_LIMIT} when
     *     following), or a node refuses it (a 4xx/5xx answer other than 401, with its detail)
     * @throws ClusterApi.Unauthorized on a 401
     */
    public void run(boolean follow, Consumer<Event> sink, Consumer<String> notices) {
        long giveUpAt = System.nanoTime() + RECONNECT_LIMIT.toNanos();
        boolean first = true;
        while (!Thread.currentThread().isInterrupted()) {
            boolean read = false;
            for (ClusterApi.Endpoint e : api.endpoints()) {
                Optional<InputStream> body = open(e, follow);
                if (body.isEmpty()) {
                    continue;
                }
                if (!first) {
                    notices.accept("connected to " + e.name() + (lastId == null ? "" : ", resuming after " + lastId));
                }
                first = false;
                read = true;
                boolean ended = pump(body.get(), SILENCE_LIMIT,
                        follow ? Long.MAX_VALUE : System.nanoTime() + SNAPSHOT_LIMIT.toNanos(), sink);
                if (!follow) {
                    return;
                }
                notices.accept(e.name() + (ended ? " closed the stream" : " went silent") + "; reconnecting");
                giveUpAt = System.nanoTime() + RECONNECT_LIMIT.toNanos();
                break; // start again from the first node: the one just read may be back
            }
            if (!read) {
                if (!follow || System.nanoTime() > giveUpAt) {
                    throw new IllegalStateException("no node answers GET /api/cluster/events (tried "
                            + api.endpoints().stream().map(ClusterApi.Endpoint::name).toList() + ")"
                            + (follow ? " for " + dev.muster.Durations.format(RECONNECT_LIMIT) : "")
                            + "; is the cluster running?");
                }
                try {
                    Thread.sleep(RECONNECT_PAUSE);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** The stream's body from {@code e}; empty when it cannot be reached. */
    private Optional<InputStream> open(ClusterApi.Endpoint e, boolean follow) {
        String path = "/api/cluster/events?follow=" + follow + (types == null ? "" : "&types=" + URLEncoder.encode(types,
                StandardCharsets.UTF_8));
        HttpRequest.Builder request = api.client().request(e.base(), path).timeout(Duration.ofSeconds(10))
                .header("Accept", "text/event-stream").GET();
        if (lastId != null) {
            request.header("Last-Event-ID", lastId);
        }
        HttpResponse<InputStream> r;
        try {
            r = api.client().http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException ioe) {
            return Optional.empty();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        if (r.statusCode() == 200) {
            return Optional.of(r.body());
        }
        byte[] error;
        try (InputStream in = r.body()) {
            error = in.readNBytes(64 * 1024);
        } catch (IOException ioe) {
            error = new byte[0];
        }
        if (r.statusCode() == 401) {
            throw api.unauthorized(e.name(), NodeClient.json(error));
        }
        new ClusterApi.Answer(r.statusCode(), NodeClient.json(error), e.name()).orThrow();
        return Optional.empty(); // a 2xx other than 200 is no stream
    }

    /**
     * Reads one connection's events until it ends (true), stays silent for {@code silence} or
     * reaches {@code untilNanos} (false), or the thread is interrupted.
     */
    private boolean pump(InputStream body, Duration silence, long untilNanos, Consumer<Event> sink) {
        BlockingQueue<String> lines = new ArrayBlockingQueue<>(QUEUE_LINES);
        Thread reader = Thread.ofVirtual().name("muster-events-reader").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.put(line);
                }
            } catch (IOException | InterruptedException closed) {
                // the node dropped the connection, or we closed it: END below tells the printer
            } finally {
                lines.offer(END);
            }
        });
        Parser parser = new Parser();
        try {
            while (true) {
                long left = untilNanos - System.nanoTime();
                String line = left <= 0 ? null : lines.poll(Math.min(silence.toNanos(), left), TimeUnit.NANOSECONDS);
                if (line == null) {
                    return false;
                }
                if (line == END) {
                    return true;
                }
                Optional<Event> e = parser.line(line);
                if (e.isPresent()) {
                    if (parser.lastId() != null) {
                        lastId = parser.lastId();
                    }
                    sink.accept(e.get());
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            reader.interrupt();
            try {
                body.close();
            } catch (IOException ignored) {
                // closing a stream the node may have closed already
            }
        }
    }

    /** The id of the last event received (or the one given to resume after); null when none. */
    public String lastId() {
        return lastId;
    }

    /** The event types a node sends. */
    public static final List<String> TYPES = List.of("member", "leader", "strategy", "status", "assignment",
            "service", "reset");
}
