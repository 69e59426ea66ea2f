package dev.muster.membership;

/**
 * Counters of one node's membership protocol since it started.
 *
 * @param probes probes started
 * @param probeFailures probes that got no ack, direct or indirect
 * @param suspicionsStarted members this node started to suspect (its own or gossiped)
 * @param refutations suspicions about this node that it refuted
 * @param deathsDeclared suspicions that timed out here
 * @param nameConflicts alive messages refused because another live member holds the name
 * @param rejectedMessages messages dropped as invalid (oversized metadata, unknown target)
 * @param staleRumoursCorrected suspicions or deaths older than this node's knowledge, answered
 *     with the current alive message to their sender
 * @param broadcastsDropped gossip entries dropped because the queue was full
 * @param awarenessScore the current local-health score (0 = healthy)
 * @param suspicionsRefuted suspicions of other members that ended with the member alive again (it
 *     refuted with a higher incarnation): the false positives, as this node saw them
 * @param gossipSent membership facts (alive, suspect, dead) sent from the broadcast queue, in
 *     gossip rounds or piggybacked on probe packets; one per fact per packet
 * @param gossipReceived alive, suspect and dead messages received in packets or streams,
 *     duplicates included (push-pull entries are not counted)
 * @param pushPullsSent push-pull requests sent: periodic state syncs, reconnects to dead members,
 *     joins and contacts found by discovery
 * @param pushPullsAnswered push-pull requests from other nodes that this node answered
 * @param pushPullRepliesReceived answers to this node's push-pull requests
 */
public record MembershipStats(long probes, long probeFailures, long suspicionsStarted, long refutations,
                              long deathsDeclared, long nameConflicts, long rejectedMessages, long staleRumoursCorrected,
                              long broadcastsDropped, int awarenessScore, long suspicionsRefuted, long gossipSent,
                              long gossipReceived, long pushPullsSent, long pushPullsAnswered,
                              long pushPullRepliesReceived) {}
