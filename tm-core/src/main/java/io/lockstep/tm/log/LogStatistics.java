package io.lockstep.tm.log;

/**
 * What a log's group commit did since it was opened, for metrics: forces, records made durable by them, time spent
 * forcing, the largest batch, and two histograms. {@code forcedRecords / forces} is the average batch size.
 *
 * @param forceMicrosCounts forces per latency bucket: bucket i counts forces of at most
 *                          {@link #FORCE_MICROS_BOUNDS}[i] µs (the last bucket: longer); not cumulative
 * @param batchCounts       forces per batch-size bucket, bounds {@link #BATCH_BOUNDS}, same convention
 */
public record LogStatistics(long forces, long forcedRecords, long forceNanos, long largestBatch,
        long[] forceMicrosCounts, long[] batchCounts) {

    /** Upper bounds (µs) of the force latency buckets; one more bucket holds the rest. */
    public static final long[] FORCE_MICROS_BOUNDS = {100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000,
        100_000};
    /** Upper bounds (records) of the batch size buckets; one more bucket holds the rest. */
    public static final long[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024};

    /** The bucket index of {@code value} for {@code bounds}. */
    public static int bucket(long[] bounds, long value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                return i;
            }
        }
        return bounds.length;
    }
}
