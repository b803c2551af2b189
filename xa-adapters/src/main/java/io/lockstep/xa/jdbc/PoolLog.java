package io.lockstep.xa.jdbc;

import io.agroal.api.AgroalDataSourceListener;
import java.sql.Connection;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Agroal's pool events as log lines: leaks (with the borrowing stack) and warnings at WARN. */
final class PoolLog implements AgroalDataSourceListener {
    private static final Logger LOG = LoggerFactory.getLogger(LockstepDataSource.class);

    private final String name;
    private final Duration leakTimeout;

    PoolLog(String name, Duration leakTimeout) {
        this.name = name;
        this.leakTimeout = leakTimeout;
    }

    @Override
    public void onConnectionLeak(Connection connection, Thread thread) {
        LOG.warn("data source '{}': a connection has been held for more than {} by thread {} (leak timeout);"
                + " it stays with its holder", name, leakTimeout, thread == null ? "?" : thread.getName());
    }

    @Override
    public void onWarning(String message) {
        LOG.warn("data source '{}': {}", name, message);
    }

    @Override
    public void onWarning(Throwable throwable) {
        LOG.warn("data source '{}': {}", name, throwable.toString(), throwable);
    }

    @Override
    public void onInfo(String message) {
        if (message.startsWith("Leaked connection")) {
            LOG.warn("data source '{}': {}", name, message.replace(", ", ",\n\tat "));
        } else {
            LOG.debug("data source '{}': {}", name, message);
        }
    }
}
