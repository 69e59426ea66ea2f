package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/cluster/events}: this node's events as server-sent events, from its {@link EventLog}.
 *
 * <pre>
 * id: STREAM.SEQ
 * event: member | leader | strategy | status | assignment | service | reset
 * data: {"seq","at_ms","type", ...}
 * </pre>
 *
 * <ul>
 *   <li>A new stream starts with the events the log still holds, then follows live ones.
 *   <li>{@code Last-Event-ID} (or {@code ?last_event_id=}) resumes after that event. When the log no
 *       longer holds what follows it, or the id is from an earlier run of the node, the stream starts
 *       with a {@code reset} event ({@code {"reason"}}): the client missed events and should re-read the
 *       state. A reader that falls behind the log while connected gets one too.
 *   <li>{@code ?types=member,leader} sends only those types; {@code ?follow=false} ends the stream once
 *       the held events are sent (a snapshot of the recent past, for scripts).
 *   <li>A comment {@code : keepalive} every {@link #KEEPALIVE_MILLIS} keeps proxies from closing an idle stream
 *       and finds clients that went away.
 * </ul>
 *
 * At most {@link #MAX_STREAMS} streams are open at once per node (each holds a virtual thread and a
 * connection); more get 503. Unknown types, a bad {@code follow}: 400.
 *
 * <p>Thread-safe: each stream runs on its request's virtual thread, reading the shared log.
 */
final class EventsApi {

    /** Streams one node serves at once: dashboards and followers, not a fan-out service. */
    static final int MAX_STREAMS = 64;
    /** Idle time before a keepalive comment. */
    static final long KEEPALIVE_MILLIS = 15_000;
    /** Events read from the log per wake-up. */
    private static final int BATCH = 256;
    static final Set<String> TYPES = Set.of("member", "leader", "strategy", "status", "assignment", "service", "reset");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final io.helidon.http.HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");

    private final EventLog log;
    private final AtomicInteger open = new AtomicInteger();

    EventsApi(EventLog log) {
        this.log = log;
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/cluster/events", this::stream);
    }

    private void stream(ServerRequest req, ServerResponse res) {
        Set<String> types;
        boolean follow;
        try {
            types = types(req.query().first("types").orElse(null));
            follow = follow(req.query().first("follow").orElse(null));
        } catch (ApiError e) {
            NodeServer.fail(res, e);
            return;
        }
        Optional<String> resume = req.headers().first(LAST_EVENT_ID)
                .or(() -> req.query().first("last_event_id").asOptional());
        if (open.incrementAndGet() > MAX_STREAMS) {
            open.decrementAndGet();
            NodeServer.fail(res, new ApiError(503, "too many event streams", "this node serves at most " + MAX_STREAMS
                    + " event streams at once; close one, or follow another node"));
            return;
        }
        try (SseSink sink = res.sink(SseSink.TYPE)) {
            long place;
            if (resume.isPresent()) {
                Optional<Long> p = log.place(resume.get().strip());
                place = p.orElseGet(log::oldestPlace);
                if (p.isEmpty()) {
                    reset(sink, place, "event id '" + RequestBody.abbreviate(resume.get())
                            + "' is not of this run of the node (stream " + log.stream() + ")");
                }
            } else {
                place = log.oldestPlace();
            }
            send(sink, place, types, follow);
        } catch (UncheckedIOException gone) {
            // the client went away; nothing to answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.decrementAndGet();
        }
    }

    private void send(SseSink sink, long place, Set<String> types, boolean follow) throws InterruptedException {
        while (true) {
            EventLog.Batch b = log.await(place, BATCH, follow ? KEEPALIVE_MILLIS : 0);
            if (b.reset()) {
                reset(sink, b.events().get(0).seq() - 1, "this stream fell behind the node's last "
                        + "events; some were missed");
            }
            if (b.events().isEmpty()) {
                if (!follow || b.closed()) {
                    return;
                }
                sink.emit(SseEvent.builder().comment("keepalive").build());
                continue;
            }
            for (EventLog.Event e : b.events()) {
                place = e.seq();
                if (types.contains(e.type())) {
                    sink.emit(SseEvent.builder().id(log.id(e)).name(e.type()).data(e.data()).build());
                }
            }
        }
    }

    private void reset(SseSink sink, long place, String reason) {
        String data = JSON.createObjectNode().put("type", "reset").put("seq", place).put("reason", reason).toString();
        sink.emit(SseEvent.builder().id(log.stream() + "." + place).name("reset").data(data).build());
    }

    /** The types asked for; all for none. */
    static Set<String> types(String text) {
        if (text == null || text.isBlank()) {
            return TYPES;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String t : text.split(",")) {
            String type = t.strip();
            if (!TYPES.contains(type)) {
                throw ApiError.badRequest("types: '" + RequestBody.abbreviate(type) + "' is no event type; the types are "
                        + String.join(", ", List.of("member", "leader", "strategy", "status", "assignment", "service")));
            }
            out.add(type);
        }
        out.add("reset"); // a reader must always learn that it missed events
        return out;
    }

    private static boolean follow(String text) {
        if (text == null || text.equals("true")) {
            return true;
        }
        if (text.equals("false")) {
            return false;
        }
        throw ApiError.badRequest("follow: '" + RequestBody.abbreviate(text) + "' must be true or false");
    }
}
