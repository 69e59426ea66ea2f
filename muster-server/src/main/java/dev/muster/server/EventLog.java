package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The last events of one node, numbered, for {@code /api/cluster/events} and its
 * {@code Last-Event-ID} resume.
 *
 * <p>Each event gets the next sequence number of this log's <em>stream</em>; its SSE id is
 * {@code STREAM.SEQ}. The stream is drawn at random when the log is made, so an id from an
 * earlier run of the node (whose numbers started again at 1) is recognised as foreign and the
 * client is told to re-read rather than silently miss what happened in between. The log keeps
 * the newest {@code capacity} events in a ring; a reader that asks for events after one the
 * ring no longer holds gets {@link Batch#reset()}.
 *
 * <p>Readers pull: {@link #await} returns what follows a sequence number, waiting for it if
 * nothing does yet. There is no queue per reader, so a slow reader costs nothing but its own
 * place in the ring, and falls behind into a reset instead of growing a buffer.
 *
 * <p>Thread-safe: one lock guards the ring; {@link #append} never blocks on a reader.
 */
final class EventLog {

    /**
     * One event.
     *
     * @param seq its number in this log's stream, from 1
     * @param type the SSE event name (member, leader, strategy, status, assignment, service)
     * @param data its JSON object, written once
     */
    record Event(long seq, String type, String data) {}

    /**
     * What follows a reader's place.
     *
     * @param reset true when the reader's place is gone (older than the ring, or of another
     *     stream): it missed events and should re-read the state; {@code events} then start at the oldest held
     * @param events the events after its place, oldest first
     * @param closed true once the log is closed (its node server stops): the reader should end
     */
    record Batch(boolean reset, List<Event> events, boolean closed) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String stream;
    private final Event[] ring;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private long last; // the newest event's seq; 0 before the first
    private boolean closed;

    EventLog(int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity (" + capacity + ") must be at least 1");
        }
        this.ring = new Event[capacity];
        this.clock = clock;
        this.stream = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);
    }

    /** This log's stream, the part of every id before the dot. */
    String stream() {
        return stream;
    }

    /** The SSE id of {@code e}. */
    String id(Event e) {
        return stream + "." + e.seq();
    }

    /**
     * Adds an event of {@code type} whose data is {@code fields} plus {@code seq}, {@code at_ms}
     * and {@code type}; wakes the readers waiting for one.
     */
    void append(String type, ObjectNode fields) {
        ObjectNode data = JSON.createObjectNode();
        lock.lock();
        try {
            long seq = last + 1;
            data.put("seq", seq).put("at_ms", clock.millis()).put("type", type);
            data.setAll(fields);
            ring[(int) (seq % ring.length)] = new Event(seq, type, data.toString());
            last = seq;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The place after which a reader with {@code lastEventId} resumes: empty for an id of
     * another stream or one that is malformed or ahead of this log (the reader missed something
     * it cannot get: a reset), the sequence number otherwise.
     */
    Optional<Long> place(String lastEventId) {
        int dot = lastEventId.indexOf('.');
        if (dot < 0 || !lastEventId.substring(0, dot).equals(stream)) {
            return Optional.empty();
        }
        long seq;
        try {
            seq = Long.parseLong(lastEventId.substring(dot + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        lock.lock();
        try {
            return seq < 0 || seq > last ? Optional.empty() : Optional.of(seq);
        } finally {
            lock.unlock();
        }
    }

    /** The place before the oldest event held: a reader from here gets the whole ring. */
    long oldestPlace() {
        lock.lock();
        try {
            return Math.max(0, last - ring.length);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The events after {@code after}, at most {@code max}, waiting up to {@code waitMillis} for
     * the first when there is none yet (an empty batch then).
     */
    Batch await(long after, int max, long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (last <= after) {
                long left = deadline - System.nanoTime();
                if (closed || left <= 0) {
                    return new Batch(false, List.of(), closed);
                }
                appended.awaitNanos(left);
            }
            long oldest = Math.max(1, last - ring.length + 1);
            boolean reset = after + 1 < oldest;
            long from = Math.max(after + 1, oldest);
            List<Event> out = new ArrayList<>((int) Math.min(max, last - from + 1));
            for (long s = from; s <= last && out.size() < max; s++) {
                out.add(ring[(int) (s % ring.length)]);
            }
            return new Batch(reset, out, false);
        } finally {
            lock.unlock();
        }
    }

    /** Ends every reader's wait: their next {@link #await} says closed once they have read what is held. */
    void close() {
        lock.lock();
        try {
            closed = true;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
