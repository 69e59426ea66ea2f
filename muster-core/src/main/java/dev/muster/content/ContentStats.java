package dev.muster.content;

/**
 * One node's content store counters.
 *
 * @param entries pieces of content held
 * @param bytes their total size
 * @param budgetBytes the most it keeps before evicting
 * @param duplicates offers of content already held (the deduplicated hits)
 * @param evictions entries evicted to stay within the budget
 * @param pushesSent diffusion messages sent
 * @param pushesReceived diffusion messages received
 * @param refused content refused: too large, a wrong digest, or no room left among pinned entries
 */
public record ContentStats(long entries, long bytes, long budgetBytes, long duplicates, long evictions,
                           long pushesSent, long pushesReceived, long refused) {}
