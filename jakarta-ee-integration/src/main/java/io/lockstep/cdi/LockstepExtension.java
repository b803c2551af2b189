package io.lockstep.cdi;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepBuilder;
import io.lockstep.tm.LockstepTransactionManager;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.BeforeShutdown;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.naming.Context;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CDI portable extension that makes a CDI 4 container a Jakarta Transactions environment backed by one
 * {@link LockstepTransactionManager}. Registered in {@code META-INF/services/jakarta.enterprise.inject.spi.Extension},
 * so putting the jar on the class path of a CDI application is enough.
 *
 * <p>It contributes:
 * <ul>
 *   <li>the {@link TransactionalInterceptors} ({@code @Transactional}, one per {@code TxType}), enabled at
 *       {@code Interceptor.Priority.PLATFORM_BEFORE + 200};</li>
 *   <li>the {@link TransactionScoped} context;</li>
 *   <li>application-scoped beans of type {@link UserTransaction} (refusing use inside {@code @Transactional}
 *       methods, §3.7; an alternative, so it wins over a container's built-in one), {@link TransactionManager} and {@link TransactionSynchronizationRegistry}; a
 *       {@code @Singleton} {@link LockstepTransactionManager} (recovery registration, admin); and a
 *       {@code @TransactionScoped} {@link Transaction}: the transaction of the calling thread, resolved per
 *       transaction, so an injected {@code Transaction} never goes stale;</li>
 *   <li>for each {@code lockstep.cdi.datasource.<name>.url} (and {@code .user}, {@code .password},
 *       {@code .minSize}, {@code .maxSize}) a {@code @Singleton @Named("<name>")} bean of types
 *       {@code javax.sql.DataSource} and {@code LockstepDataSource} from the JDBC adapter (an optional dependency:
 *       {@code io.lockstep:xa-adapters} with {@code agroal-pool} and the driver), started right after the manager
 *       (so recovery knows it from the start) and closed before it;</li>
 *   <li>on Weld, transactional observer methods through {@link LockstepTransactionServices} (with Weld's JTA
 *       module on the class path);</li>
 *   <li>JNDI names (see {@link LockstepJndi}) when the default {@link InitialContext} is writable; otherwise (the
 *       usual case in Java SE) a DEBUG line, and the application carries on.</li>
 * </ul>
 *
 * <p>Lifecycle: the configuration is read from the class-path resource {@value #PROPERTIES_RESOURCE} (if present)
 * and system properties, which win; the data source keys are validated in {@code AfterBeanDiscovery} (definition
 * error), the manager's in {@code AfterDeploymentValidation} (deployment problem), each message naming the key. The manager starts when the application context is initialized
 * ({@code @Initialized(ApplicationScoped.class)}, fired only after a successful deployment; this observer runs before
 * the application's) and is closed in {@code BeforeShutdown}. One manager per container; two containers in one JVM
 * need different {@code lockstep.logDirectory} values.
 *
 * <p>Thread-safe once the container is running.
 */
public class LockstepExtension implements Extension {

    /** Class-path resource read for {@code lockstep.*} keys. */
    public static final String PROPERTIES_RESOURCE = "lockstep.properties";

    private static final String WELD_MANAGER = "org.jboss.weld.manager.api.WeldManager";

    private static final Logger LOG = LoggerFactory.getLogger(LockstepExtension.class);

    /** What exists while the container runs. */
    record Running(LockstepTransactionManager tm, UserTransaction userTransaction, Context jndi) {
    }

    private static final String XA_ADAPTERS = "io.lockstep.xa.jdbc.LockstepDataSources";

    private final Supplier<Properties> propertiesSource;
    private final Consumer<LockstepBuilder> customizer;
    /** Read once, when beans are discovered. */
    private volatile Properties properties;
    /** The {@code lockstep.cdi.datasource.*} pools, or null when none is configured. */
    private volatile ConfiguredDataSources dataSources;
    private final UserTransactionGuard guard = new UserTransactionGuard();
    /** Set by a successful deployment validation; read when the application context starts. */
    private volatile LockstepBuilder configured;
    private volatile Running running;
    /** How the context and Weld's transaction services see {@link #running}. */
    private final Supplier<Running> runningSource = () -> running;

    /** For the container's service loader: configuration from {@value #PROPERTIES_RESOURCE} and system properties. */
    public LockstepExtension() {
        this(builder -> { });
    }

    /**
     * For programmatic bootstrap (e.g. {@code new Weld().addExtension(...)}): {@code customizer} sees the builder
     * after the properties were read and may set what properties cannot, such as a {@code transactionLog} or a
     * {@code listener}.
     */
    public LockstepExtension(Consumer<LockstepBuilder> customizer) {
        this(LockstepExtension::loadProperties, customizer);
    }

    /** For tests: {@code properties} instead of the class-path resource (system properties still override). */
    LockstepExtension(Properties properties, Consumer<LockstepBuilder> customizer) {
        this(() -> properties, customizer);
    }

    private LockstepExtension(Supplier<Properties> propertiesSource, Consumer<LockstepBuilder> customizer) {
        this.propertiesSource = Objects.requireNonNull(propertiesSource, "propertiesSource");
        this.customizer = Objects.requireNonNull(customizer, "customizer");
    }

    void registerTypes(@Observes BeforeBeanDiscovery event, BeanManager beanManager) {
        if (weldSpiVisible()) {
            LockstepTransactionServices.attachTo(beanManager, runningSource);
        }
        event.addAnnotatedType(TransactionBoundary.class, TransactionBoundary.class.getName());
        for (Class<?> interceptor : TransactionalInterceptors.ALL) {
            event.addAnnotatedType(interceptor, interceptor.getName());
        }
    }

    void registerContextAndBeans(@Observes AfterBeanDiscovery event, BeanManager beanManager) {
        event.addContext(new TransactionScopedContext(runningSource, beanManager));
        event.addBean()
                .beanClass(LockstepExtension.class)
                .types(UserTransaction.class, Object.class)
                .scope(ApplicationScoped.class)
                // wins over a container's built-in UserTransaction (Weld's JTA module adds one once
                // LockstepTransactionServices is registered), which would make injection ambiguous
                .alternative(true)
                .priority(Interceptor.Priority.PLATFORM_BEFORE + 200)
                .createWith(cc -> require().userTransaction());
        event.addBean()
                .beanClass(LockstepExtension.class)
                .types(TransactionManager.class, Object.class)
                .scope(ApplicationScoped.class)
                .createWith(cc -> require().tm());
        event.addBean()
                .beanClass(LockstepExtension.class)
                .types(TransactionSynchronizationRegistry.class, Object.class)
                .scope(ApplicationScoped.class)
                .createWith(cc -> require().tm());
        event.addBean()
                .beanClass(LockstepExtension.class)
                .types(LockstepTransactionManager.class, Object.class)
                .scope(Singleton.class)
                .createWith(cc -> require().tm());
        event.addBean()
                .beanClass(LockstepExtension.class)
                .types(Transaction.class, Object.class)
                .scope(TransactionScoped.class)
                .createWith(cc -> require().tm().getTransaction());
        registerDataSources(event);
    }

    /** {@code lockstep.cdi.datasource.<name>.*}: one {@code @Named("<name>")} data source bean each. */
    private void registerDataSources(AfterBeanDiscovery event) {
        try {
            List<DataSourceSettings> settings = DataSourceSettings.parse(withSystemOverrides(properties()));
            if (settings.isEmpty()) {
                return;
            }
            if (!visible(XA_ADAPTERS)) {
                throw new IllegalStateException(DataSourceSettings.DATASOURCE_PREFIX + "* is configured ("
                        + settings.stream().map(DataSourceSettings::name).toList() + ") but the JDBC adapter is not"
                        + " on the class path: add io.lockstep:xa-adapters, io.agroal:agroal-pool and the JDBC"
                        + " drivers");
            }
            ConfiguredDataSources configured = new ConfiguredDataSources(settings);
            configured.addBeans(event);
            dataSources = configured;
        } catch (RuntimeException e) {
            event.addDefinitionError(new IllegalStateException("Lockstep CDI extension: invalid configuration: "
                    + e.getMessage(), e));
        }
    }

    void validate(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) AfterDeploymentValidation event) {
        try {
            LockstepBuilder builder = Lockstep.builder().properties(properties());
            customizer.accept(builder);
            configured = builder;
        } catch (RuntimeException e) {
            event.addDeploymentProblem(new IllegalStateException("Lockstep CDI extension: invalid configuration: "
                    + e.getMessage(), e));
        }
    }

    /**
     * Starts the manager once the deployment has succeeded: CDI fires this event only then (a deployment problem
     * found by any extension after our validation aborts the container without {@code BeforeShutdown}, which would
     * leave a started manager and its log lock behind). First among the observers of the event, so application
     * startup observers find the manager running.
     */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) @Initialized(ApplicationScoped.class)
            Object event) {
        LockstepBuilder builder = configured;
        if (builder == null || running != null) {
            return;
        }
        LockstepTransactionManager tm;
        try {
            tm = builder.build();
        } catch (RuntimeException e) {
            throw new IllegalStateException("Lockstep CDI extension: cannot start the transaction manager: "
                    + e.getMessage(), e);
        }
        ConfiguredDataSources configured = dataSources;
        if (configured != null) {
            try {
                configured.start(tm);
            } catch (RuntimeException e) {
                tm.close();
                throw new IllegalStateException("Lockstep CDI extension: " + e.getMessage(), e);
            }
        }
        UserTransaction userTransaction = new GuardedUserTransaction(tm, guard);
        running = new Running(tm, userTransaction, bindJndi(tm, userTransaction));
    }

    void stop(@Observes BeforeShutdown event) {
        Running r = running;
        if (r == null) {
            return;
        }
        running = null;
        ConfiguredDataSources configured = dataSources;
        if (configured != null) {
            configured.close();
        }
        if (r.jndi() != null) {
            LockstepJndi.unbind(r.jndi());
        }
        r.tm().close();
    }

    /** The running manager; for the interceptor. */
    LockstepTransactionManager transactionManager() {
        return require().tm();
    }

    UserTransactionGuard userTransactionGuard() {
        return guard;
    }

    private Running require() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("the Lockstep transaction manager of this CDI container is not running"
                    + " (not yet started, failed to start, or already shut down)");
        }
        return r;
    }

    /**
     * Whether Weld's integration SPI is visible to this jar, i.e. the container is Weld: only then may
     * {@link LockstepTransactionServices} be loaded.
     */
    private static boolean weldSpiVisible() {
        return visible(WELD_MANAGER);
    }

    private static boolean visible(String className) {
        try {
            Class.forName(className, false, LockstepExtension.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private Properties properties() {
        Properties p = properties;
        if (p == null) {
            p = propertiesSource.get();
            properties = p;
        }
        return p;
    }

    /** The file's properties with system properties of the same namespace laid over them, as the builder does. */
    private static Properties withSystemOverrides(Properties file) {
        Properties merged = new Properties();
        merged.putAll(file);
        Properties system = System.getProperties();
        for (String key : system.stringPropertyNames()) {
            if (key.startsWith(DataSourceSettings.PREFIX)) {
                merged.setProperty(key, system.getProperty(key));
            }
        }
        return merged;
    }

    private static Properties loadProperties() {
        Properties props = new Properties();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = LockstepExtension.class.getClassLoader();
        }
        URL url = loader.getResource(PROPERTIES_RESOURCE);
        if (url == null) {
            LOG.debug("no {} on the class path; using system properties and defaults", PROPERTIES_RESOURCE);
            return props;
        }
        try (InputStream in = url.openStream()) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + url, e);
        }
        LOG.info("Lockstep configuration read from {}", url);
        return props;
    }

    private static Context bindJndi(LockstepTransactionManager tm, UserTransaction userTransaction) {
        Context ctx = null;
        try {
            ctx = new InitialContext();
            List<String> names = LockstepJndi.bind(ctx, userTransaction, tm, tm);
            LOG.info("Lockstep bound in JNDI: {}", names);
            return ctx;
        } catch (NamingException | RuntimeException e) {
            LOG.debug("no writable JNDI context ({}); Lockstep is available through CDI injection only", e.toString());
            if (ctx != null) {
                try {
                    ctx.close();
                } catch (NamingException ignored) {
                    // closing a context we could not use; nothing to report
                }
            }
            return null;
        }
    }
}
