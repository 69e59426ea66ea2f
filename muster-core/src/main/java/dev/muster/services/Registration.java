package dev.muster.services;

/** A service registered on this node; closing it unregisters the service. */
public interface Registration extends AutoCloseable {

    String service();

    /** Advertises a new health; a failing instance receives no new calls from any node. */
    void health(Health health);

    /** Unregisters: other nodes stop seeing the instance once the news has spread. */
    @Override
    void close();
}
