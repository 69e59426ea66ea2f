package dev.muster.discovery;

/**
 * Counters of one {@link MulticastDiscovery} since it started; a snapshot, immutable.
 *
 * @param announcementsSent announcements handed to the network
 * @param sendFailures announcements the socket refused (interface down, no route)
 * @param datagramsReceived every datagram read from the group, including this node's own
 *     looped-back announcements and everything ignored below
 * @param peersReported peers handed to the callback (new, or known at a new address)
 * @param otherCluster valid announcements of nodes in another cluster sharing the group and port
 * @param foreign datagrams that are not Muster announcements (another program on the group)
 * @param malformed Muster announcements that could not be read (truncated, bad UTF-8, bad host)
 * @param oversized datagrams longer than 512 bytes, dropped unread
 * @param unsupportedVersion announcements of a newer format version than this node reads
 * @param callbackFailures times the peer callback threw
 * @param receiveErrors socket errors while reading
 */
public record MulticastStats(
        long announcementsSent,
        long sendFailures,
        long datagramsReceived,
        long peersReported,
        long otherCluster,
        long foreign,
        long malformed,
        long oversized,
        long unsupportedVersion,
        long callbackFailures,
        long receiveErrors) {}
