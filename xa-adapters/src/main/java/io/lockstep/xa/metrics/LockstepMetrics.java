package io.lockstep.xa.metrics;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.TransactionCounters;
import io.lockstep.tm.TransactionCounters.Protocol;
import io.lockstep.tm.admin.LockstepAdmin;
import io.lockstep.tm.log.LogStatistics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer binder for one manager: {@code new LockstepMetrics(tm).bindTo(registry)}. Counters read Lockstep's own
 * totals (no work on the transaction path): commits by protocol, rollbacks, timeouts, heuristics, COMMIT records,
 * log forces and their time and batch size, recovery passes and outcomes; gauges for live, in-doubt and heuristic
 * transactions. Every meter carries the tag {@code node}.
 */
public final class LockstepMetrics implements MeterBinder {
    private final LockstepTransactionManager tm;

    public LockstepMetrics(LockstepTransactionManager tm) {
        this.tm = Objects.requireNonNull(tm, "tm");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String node = tm.config().nodeId();
        LockstepAdmin admin = tm.admin();
        TransactionCounters c = admin.counters();
        counter(registry, node, "lockstep.transactions.begun", "transactions begun", c, TransactionCounters::begun);
        for (Protocol p : Protocol.values()) {
            FunctionCounter.builder("lockstep.transactions.committed", c, x -> x.committed(p))
                    .description("transactions committed, by protocol").tag("node", node)
                    .tag("protocol", p.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        counter(registry, node, "lockstep.transactions.rolled.back", "transactions rolled back", c,
                TransactionCounters::rolledBack);
        counter(registry, node, "lockstep.transactions.timed.out", "transactions rolled back by the reaper", c,
                TransactionCounters::timedOut);
        counter(registry, node, "lockstep.transactions.heuristic", "transactions that ended heuristically", c,
                TransactionCounters::heuristic);
        counter(registry, node, "lockstep.log.commit.records", "COMMIT records forced", c,
                TransactionCounters::commitRecords);
        counter(registry, node, "lockstep.recovery.passes", "recovery passes", c, TransactionCounters::recoveryPasses);
        counter(registry, node, "lockstep.recovery.committed", "branches committed by recovery", c,
                TransactionCounters::recoveredCommitted);
        counter(registry, node, "lockstep.recovery.rolled.back", "orphan branches rolled back by recovery", c,
                TransactionCounters::recoveredRolledBack);
        counter(registry, node, "lockstep.recovery.failed.sources", "source scans that failed", c,
                TransactionCounters::recoveryFailedSources);
        counter(registry, node, "lockstep.takeover.claims", "peers claimed by this node for takeover", c,
                TransactionCounters::takeoverClaims);
        counter(registry, node, "lockstep.takeover.completed", "takeovers of peers finished by this node", c,
                TransactionCounters::takeoversCompleted);
        counter(registry, node, "lockstep.takeover.abandoned", "takeovers stopped before finishing", c,
                TransactionCounters::takeoversAbandoned);
        FunctionCounter.builder("lockstep.recovery.time", c, TransactionCounters::recoverySeconds)
                .description("time spent in recovery passes").baseUnit("seconds").tag("node", node)
                .register(registry);
        log(registry, node, admin, "lockstep.log.forces", "group-commit forces", s -> s.forces());
        log(registry, node, admin, "lockstep.log.forced.records", "records made durable by forces",
                s -> s.forcedRecords());
        FunctionCounter.builder("lockstep.log.force.time", admin, a -> stat(a, s -> s.forceNanos())
                / TimeUnit.SECONDS.toNanos(1)).description("time writing and forcing batches").baseUnit("seconds")
                .tag("node", node).register(registry);
        buckets(registry, node, admin, "lockstep.log.force.latency", "forces by latency (seconds, cumulative)",
                LogStatistics.FORCE_MICROS_BOUNDS, 1e-6, true);
        buckets(registry, node, admin, "lockstep.log.batch.records", "forces by batch size (records, cumulative)",
                LogStatistics.BATCH_BOUNDS, 1, false);
        Gauge.builder("lockstep.log.batch.largest", admin, a -> stat(a, s -> s.largestBatch()))
                .description("most records made durable by one force").tag("node", node).register(registry);
        Gauge.builder("lockstep.transactions.live", admin, a -> a.live().size())
                .description("transactions alive in this JVM").tag("node", node).register(registry);
        Gauge.builder("lockstep.transactions.in.doubt", admin, a -> a.inDoubt().size())
                .description("records and branches recovery has not resolved").tag("node", node).register(registry);
        Gauge.builder("lockstep.heuristics", admin, a -> a.heuristics().size())
                .description("heuristic outcomes not forgotten").tag("node", node).register(registry);
    }

    private static void counter(MeterRegistry r, String node, String name, String description, TransactionCounters c,
            ToDoubleFunction<TransactionCounters> f) {
        FunctionCounter.builder(name, c, f).description(description).tag("node", node).register(r);
    }

    private static void log(MeterRegistry r, String node, LockstepAdmin admin, String name, String description,
            ToDoubleFunction<LogStatistics> f) {
        FunctionCounter.builder(name, admin, a -> stat(a, f)).description(description).tag("node", node).register(r);
    }

    /**
     * A histogram as cumulative bucket counters tagged {@code le} (what Prometheus expects of a histogram), read
     * from the log's own buckets: the log records every force, whatever registry is bound.
     */
    private static void buckets(MeterRegistry r, String node, LockstepAdmin admin, String name, String description,
            long[] bounds, double scale, boolean latency) {
        for (int i = 0; i <= bounds.length; i++) {
            int upTo = i;
            String le = i == bounds.length ? "+Inf" : String.valueOf(bounds[i] * scale);
            FunctionCounter.builder(name + ".bucket", admin, a -> stat(a, s -> {
                long[] counts = latency ? s.forceMicrosCounts() : s.batchCounts();
                long sum = 0;
                for (int k = 0; k <= upTo; k++) {
                    sum += counts[k];
                }
                return sum;
            })).description(description).tag("node", node).tag("le", le).register(r);
        }
    }

    private static double stat(LockstepAdmin admin, ToDoubleFunction<LogStatistics> f) {
        LogStatistics s = admin.logStatistics();
        return s == null ? 0 : f.applyAsDouble(s);
    }
}
