package dev.muster;

/** A listener's registration; closing it stops further calls (one already queued may still run). */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
