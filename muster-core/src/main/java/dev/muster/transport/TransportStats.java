package dev.muster.transport;

/**
 * Counters of one node's transport since it started. A snapshot; immutable.
 *
 * @param packetsIn datagrams received (before decoding)
 * @param packetsOut datagrams sent
 * @param bytesIn datagram and stream bytes received
 * @param bytesOut datagram and stream bytes sent
 * @param framesIn stream frames received
 * @param framesOut stream frames sent
 * @param connectionsOpen stream connections open now, in and out
 * @param decodeErrors datagrams and frames dropped as malformed, truncated, oversized or of a
 *     foreign cluster
 * @param refusedConnects stream connections the peer's host refused (nothing listened there)
 * @param droppedSends packets and frames not sent: no connection within the backoff, a full
 *     pending queue, or a socket error
 * @param faultDrops packets and frames the fault filter dropped or black-holed, both directions
 */
public record TransportStats(long packetsIn, long packetsOut, long bytesIn, long bytesOut, long framesIn,
                             long framesOut, int connectionsOpen, long decodeErrors, long refusedConnects,
                             long droppedSends, long faultDrops) {}
