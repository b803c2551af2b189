package io.lockstep.xa.metrics;

import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.PoolStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer binder for one Lockstep data source's pool: {@code new DataSourceMetrics(ds).bindTo(registry)}.
 * Gauges {@code lockstep.pool.active}, {@code .idle}, {@code .max}, {@code .awaiting}; counters
 * {@code lockstep.pool.created}, {@code .destroyed}, {@code .leaks} (XA pools; a HikariCP last resource reports -1,
 * and has HikariCP's own Micrometer metrics). Every meter carries the tag {@code datasource}.
 */
public final class DataSourceMetrics implements MeterBinder {
    private final LockstepDataSource dataSource;

    public DataSourceMetrics(LockstepDataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "lockstep.pool.active", "connections handed out or held by unfinished transactions",
                PoolStats::active);
        gauge(registry, "lockstep.pool.idle", "connections ready in the pool", PoolStats::idle);
        gauge(registry, "lockstep.pool.max", "the pool's maximum size", PoolStats::max);
        gauge(registry, "lockstep.pool.awaiting", "threads waiting for a connection", PoolStats::awaiting);
        counter(registry, "lockstep.pool.created", "connections opened", PoolStats::created);
        counter(registry, "lockstep.pool.destroyed", "connections closed (invalid, expired, flushed)",
                PoolStats::destroyed);
        counter(registry, "lockstep.pool.leaks", "connections held past the leak timeout", PoolStats::leaks);
    }

    private void gauge(MeterRegistry r, String name, String description, ToDoubleFunction<PoolStats> f) {
        Gauge.builder(name, dataSource, d -> f.applyAsDouble(d.stats())).description(description)
                .tag("datasource", dataSource.name()).register(r);
    }

    private void counter(MeterRegistry r, String name, String description, ToDoubleFunction<PoolStats> f) {
        FunctionCounter.builder(name, dataSource, d -> f.applyAsDouble(d.stats())).description(description)
                .tag("datasource", dataSource.name()).register(r);
    }
}
