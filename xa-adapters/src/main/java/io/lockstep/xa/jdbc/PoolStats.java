package io.lockstep.xa.jdbc;

/**
 * A snapshot of a data source's pool.
 *
 * @param active    connections handed out (to applications or held by unfinished transactions)
 * @param idle      connections ready in the pool
 * @param max       the pool's maximum size
 * @param awaiting  threads waiting for a connection
 * @param created   connections opened since start
 * @param destroyed connections closed since start (invalid, expired, flushed)
 * @param leaks     leak detections since start (a connection held past the leak timeout)
 */
public record PoolStats(long active, long idle, int max, long awaiting, long created, long destroyed, long leaks) {
}
