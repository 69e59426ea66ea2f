package dev.muster.sim;

/**
 * What a {@link SimScenario} run measured. Times are simulated milliseconds unless named wall.
 *
 * @param joinConvergenceMs time from the first start until every node sees all nodes alive, or
 *     null if that never happened within the run
 * @param joinConvergencePerNodeMs per node: when it first saw all nodes alive
 * @param convergedNodes nodes that saw all nodes alive at some point
 * @param detectionMs per crash: from the crash until every live node marked the victim dead
 * @param undetected crashes not seen by every live node by the end of the run
 * @param falsePositives distinct live nodes that some node declared dead
 * @param falsePositiveEvents dead declarations about live nodes, counted per observer
 * @param msgsPerNodePerS datagrams and stream messages sent, per node and simulated second,
 *     over the whole run
 * @param bytesPerNodePerS bytes sent including IPv4 and UDP/TCP headers, same basis
 * @param idleMsgsPerNodePerS like msgsPerNodePerS, between convergence and the first fault
 * @param idleBytesPerNodePerS like bytesPerNodePerS, between convergence and the first fault
 * @param traceSha256 digest of every membership event in order; equal for equal runs
 */
public record SimReport(
        int nodes, long seed, String profile, boolean lifeguard, double loss,
        Long joinConvergenceMs, Percentiles joinConvergencePerNodeMs, int convergedNodes,
        int crashes, Percentiles detectionMs, int undetected,
        int stalls, int falsePositives, long falsePositiveEvents,
        double msgsPerNodePerS, double bytesPerNodePerS,
        Double idleMsgsPerNodePerS, Double idleBytesPerNodePerS,
        double simSeconds, long wallMs, long eventsProcessed, long membershipEvents, String traceSha256) {}
