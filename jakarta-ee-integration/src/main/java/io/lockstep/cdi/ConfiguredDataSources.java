package io.lockstep.cdi;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import io.lockstep.xa.jdbc.Vendor;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.literal.NamedLiteral;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data sources of the configuration ({@link DataSourceSettings}) as {@code @Named("<name>")} beans of types
 * {@link DataSource} and {@link LockstepDataSource}. Only loaded when such keys exist, after the extension checked
 * that the JDBC adapter ({@code io.lockstep:xa-adapters}) is on the class path.
 *
 * <p>The pools live exactly as long as the manager: built right after it starts, so their recovery sources are
 * registered before the first transaction (not at the first injection), and closed before it stops. The beans are
 * {@code @Singleton} handles on them (no client proxy, hence also injectable as the final
 * {@code LockstepDataSource}).
 *
 * <p>Thread-safe: built and closed by the container's lifecycle observers, read by bean creation.
 */
final class ConfiguredDataSources {

    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredDataSources.class);

    private final List<DataSourceSettings> settings;
    private volatile Map<String, LockstepDataSource> started = Map.of();

    /** @throws IllegalArgumentException a URL of a database the JDBC adapter does not pool */
    ConfiguredDataSources(List<DataSourceSettings> settings) {
        for (DataSourceSettings s : settings) {
            try {
                Vendor.of(s.url());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(DataSourceSettings.DATASOURCE_PREFIX + s.name() + ".url: "
                        + e.getMessage(), e);
            }
        }
        this.settings = List.copyOf(settings);
    }

    void addBeans(AfterBeanDiscovery event) {
        for (DataSourceSettings s : settings) {
            String name = s.name();
            event.addBean()
                    .beanClass(LockstepExtension.class)
                    .types(DataSource.class, LockstepDataSource.class, Object.class)
                    .qualifiers(NamedLiteral.of(name), Any.Literal.INSTANCE)
                    .name(name)
                    .scope(Singleton.class)
                    .createWith(cc -> get(name));
        }
    }

    /**
     * Builds every pool. On a failure the ones already built are closed and the exception names the data source.
     */
    void start(LockstepTransactionManager tm) {
        Map<String, LockstepDataSource> built = new LinkedHashMap<>();
        for (DataSourceSettings s : settings) {
            try {
                var builder = LockstepDataSources.forUrl(tm, s.url(), s.user(), s.password()).name(s.name());
                if (s.maxSize() != null) {
                    builder.maxSize(s.maxSize());
                }
                if (s.minSize() != null) {
                    builder.minSize(s.minSize());
                }
                built.put(s.name(), builder.build());
            } catch (RuntimeException e) {
                closeAll(built);
                throw new IllegalStateException("data source " + s.name() + " (" + DataSourceSettings.DATASOURCE_PREFIX
                        + s.name() + ".*): " + e.getMessage(), e);
            }
        }
        started = Collections.unmodifiableMap(built);
        LOG.info("Lockstep data sources started: {}", built.keySet());
    }

    /** Closes every pool (and unregisters its recovery source); idempotent. */
    void close() {
        Map<String, LockstepDataSource> all = started;
        started = Map.of();
        closeAll(all);
    }

    private LockstepDataSource get(String name) {
        LockstepDataSource ds = started.get(name);
        if (ds == null) {
            throw new IllegalStateException("data source " + name + " is not started: the Lockstep transaction"
                    + " manager of this CDI container is not running");
        }
        return ds;
    }

    private static void closeAll(Map<String, LockstepDataSource> dataSources) {
        List<LockstepDataSource> reversed = new ArrayList<>(dataSources.values());
        Collections.reverse(reversed);
        for (LockstepDataSource ds : reversed) {
            try {
                ds.close();
            } catch (RuntimeException e) {
                LOG.warn("closing data source {} failed; carrying on with the others", ds.name(), e);
            }
        }
    }
}
