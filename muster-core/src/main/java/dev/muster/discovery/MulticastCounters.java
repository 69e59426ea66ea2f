package dev.muster.discovery;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The live counters behind {@link MulticastStats}. Written on the event loop, read from any
 * thread: each counter is atomic, a snapshot is not (counters may be a few events apart).
 */
final class MulticastCounters {

    final AtomicLong announcementsSent = new AtomicLong();
    final AtomicLong sendFailures = new AtomicLong();
    final AtomicLong datagramsReceived = new AtomicLong();
    final AtomicLong peersReported = new AtomicLong();
    final AtomicLong otherCluster = new AtomicLong();
    final AtomicLong callbackFailures = new AtomicLong();
    final AtomicLong receiveErrors = new AtomicLong();
    private final AtomicLong[] rejected = new AtomicLong[Announcement.Rejection.values().length];

    MulticastCounters() {
        for (int i = 0; i < rejected.length; i++) {
            rejected[i] = new AtomicLong();
        }
    }

    void countRejected(Announcement.Rejection reason) {
        rejected[reason.ordinal()].incrementAndGet();
    }

    MulticastStats snapshot() {
        return new MulticastStats(
                announcementsSent.get(),
                sendFailures.get(),
                datagramsReceived.get(),
                peersReported.get(),
                otherCluster.get(),
                rejected(Announcement.Rejection.FOREIGN),
                rejected(Announcement.Rejection.MALFORMED),
                rejected(Announcement.Rejection.OVERSIZED),
                rejected(Announcement.Rejection.UNSUPPORTED_VERSION),
                callbackFailures.get(),
                receiveErrors.get());
    }

    private long rejected(Announcement.Rejection reason) {
        return rejected[reason.ordinal()].get();
    }
}
