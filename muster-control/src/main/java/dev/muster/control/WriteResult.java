package dev.muster.control;

/**
 * What a committed write did.
 *
 * @param version the state's version once the mutation was applied (for a duplicate, the version
 *     its first application produced)
 * @param duplicate true when a mutation with the same id had been applied before, so this one
 *     changed nothing
 */
public record WriteResult(long version, boolean duplicate) {}
