package io.lockstep.tm.log;

/**
 * What a log's group commit did since it was opened, for metrics: forces, records made durable by them, time spent
 * forcing, and the largest batch. {@code forcedRecords / forces} is the average batch size.
 */
public record LogStatistics(long forces, long forcedRecords, long forceNanos, long largestBatch) {
}
