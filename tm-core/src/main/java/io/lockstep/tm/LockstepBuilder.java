package io.lockstep.tm;

import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.log.jdbc.JdbcTransactionLog;
import io.lockstep.tm.log.jdbc.UrlDataSource;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Fluent builder of a {@link LockstepTransactionManager}. Every setting is validated when it is set and again as a
 * whole in {@link #build()}; a bad value is refused with an {@link IllegalArgumentException} naming the key, the
 * value and the rule. Values are never clamped.
 *
 * <p>Not thread-safe; use one builder per manager.
 */
public final class LockstepBuilder {

    /** Property keys, each named after its builder method. */
    public static final String NODE_ID = "lockstep.nodeId";
    public static final String LOG_DIRECTORY = "lockstep.logDirectory";
    public static final String DEFAULT_TIMEOUT = "lockstep.defaultTimeout";
    public static final String RECOVERY_INTERVAL = "lockstep.recoveryInterval";
    public static final String ORPHAN_SAFETY_INTERVAL = "lockstep.orphanSafetyInterval";
    public static final String RECOVERY_NODES = "lockstep.recoveryNodes";
    public static final String RECOVERY_PARALLELISM = "lockstep.recoveryParallelism";
    public static final String RECOVERY_CALL_TIMEOUT = "lockstep.recoveryCallTimeout";
    public static final String LOG_SEGMENT_SIZE = "lockstep.log.segmentSize";
    public static final String LOG_IGNORE_CORRUPTION = "lockstep.log.ignoreCorruption";
    public static final String LOG_TYPE = "lockstep.log.type";
    public static final String LOG_JDBC_URL = "lockstep.log.jdbcUrl";
    public static final String LOG_JDBC_USER = "lockstep.log.jdbcUser";
    public static final String LOG_JDBC_PASSWORD = "lockstep.log.jdbcPassword";
    public static final String LOG_JDBC_TABLE = "lockstep.log.jdbcTable";
    public static final String CLUSTER_LEASE_TIMEOUT = "lockstep.cluster.leaseTimeout";
    public static final String CLUSTER_TAKEOVER = "lockstep.cluster.takeover";
    public static final String CLUSTER_MAX_CLOCK_SKEW = "lockstep.cluster.maxClockSkew";
    public static final String MANAGEMENT_PORT = "lockstep.management.port";
    public static final String MANAGEMENT_HOST = "lockstep.management.host";
    public static final String MANAGEMENT_TOKEN = "lockstep.management.token";

    private static final List<String> KEYS = List.of(NODE_ID, LOG_DIRECTORY, DEFAULT_TIMEOUT, RECOVERY_INTERVAL,
            ORPHAN_SAFETY_INTERVAL, RECOVERY_NODES, RECOVERY_PARALLELISM, RECOVERY_CALL_TIMEOUT, LOG_SEGMENT_SIZE, LOG_IGNORE_CORRUPTION,
            LOG_TYPE, LOG_JDBC_URL, LOG_JDBC_USER, LOG_JDBC_PASSWORD, LOG_JDBC_TABLE, CLUSTER_LEASE_TIMEOUT,
            CLUSTER_TAKEOVER, CLUSTER_MAX_CLOCK_SKEW, MANAGEMENT_PORT,
            MANAGEMENT_HOST, MANAGEMENT_TOKEN);

    /**
     * Keys ignored here: {@code lockstep.cdi.*} belongs to the CDI integration ({@code jakarta-ee-integration}),
     * which reads the same properties and validates those keys itself; test harness and benchmark knobs
     * ({@code -Dlockstep.crash.cycles}, {@code -Dlockstep.crashAt}, {@code -Dlockstep.bench.*}) are system
     * properties of the build, not configuration.
     */
    private static final List<String> FOREIGN_PREFIXES = List.of("lockstep.cdi.", "lockstep.crash", "lockstep.bench.");

    private static final Pattern NODE_ID_CHARS = Pattern.compile("[A-Za-z0-9._-]+");
    static final int MAX_NODE_ID_BYTES = 24;
    static final long MIN_SEGMENT_SIZE = 64 * 1024;

    private String nodeId;
    private Path logDirectory = Path.of("var", "lockstep");
    private Duration defaultTimeout = Duration.ofSeconds(60);
    private Duration recoveryInterval = Duration.ofSeconds(30);
    private Duration orphanSafetyInterval = Duration.ofSeconds(20);
    private final Set<String> recoveryNodes = new LinkedHashSet<>();
    private int recoveryParallelism = 4;
    private Duration recoveryCallTimeout = LockstepConfig.DEFAULT_RECOVERY_CALL_TIMEOUT;
    private long logSegmentSize = 16L * 1024 * 1024;
    private boolean logIgnoreCorruption;
    private LogType logType = LogType.FILE;
    private String logJdbcUrl;
    private String logJdbcUser;
    private String logJdbcPassword;
    private String logJdbcTable = "lockstep_log";
    private Duration clusterLeaseTimeout = LockstepConfig.DEFAULT_LEASE_TIMEOUT;
    private boolean clusterTakeover = true;
    private Duration clusterMaxClockSkew = LockstepConfig.DEFAULT_MAX_CLOCK_SKEW;
    private TransactionLog transactionLog;
    private TransactionListener listener = TransactionListener.NONE;
    private int managementPort = -1;
    private String managementHost = "127.0.0.1";
    private String managementToken;

    LockstepBuilder() {
    }

    /** Identifies this manager in its Xids; must be stable across restarts and unique among managers. */
    public LockstepBuilder nodeId(String nodeId) {
        this.nodeId = checkNodeId(NODE_ID, nodeId);
        return this;
    }

    /** Directory of the file log; created if absent, locked while the manager runs. Default {@code var/lockstep}. */
    public LockstepBuilder logDirectory(Path logDirectory) {
        if (logDirectory == null) {
            throw new IllegalArgumentException(LOG_DIRECTORY + " \"null\": must be the path of a directory the"
                    + " manager may write (created if absent)");
        }
        this.logDirectory = logDirectory;
        return this;
    }

    /** Timeout of transactions whose thread did not call {@code setTransactionTimeout}. Default 60 s. */
    public LockstepBuilder defaultTimeout(Duration timeout) {
        this.defaultTimeout = positive(DEFAULT_TIMEOUT, timeout);
        if (timeout.toSeconds() < 1) {
            throw new IllegalArgumentException(DEFAULT_TIMEOUT + " \"" + timeout
                    + "\": must be at least 1 second (JTA timeouts are whole seconds)");
        }
        return this;
    }

    /** Time between background recovery passes. Default 30 s. */
    public LockstepBuilder recoveryInterval(Duration interval) {
        this.recoveryInterval = positive(RECOVERY_INTERVAL, interval);
        return this;
    }

    /**
     * How old a prepared branch without a commit record must be, and seen in two passes, before recovery rolls it
     * back as an orphan. Must exceed the longest time between a prepare and its commit record. Default 20 s.
     */
    public LockstepBuilder orphanSafetyInterval(Duration interval) {
        this.orphanSafetyInterval = positive(ORPHAN_SAFETY_INTERVAL, interval);
        return this;
    }

    /**
     * Connections per resource that recovery uses at once to commit or roll back in-doubt branches (default 4;
     * sources are also scanned in parallel). 1 recovers one branch at a time.
     */
    public LockstepBuilder recoveryParallelism(int connections) {
        if (connections < 1 || connections > 64) {
            throw new IllegalArgumentException(RECOVERY_PARALLELISM + " must be between 1 and 64, was " + connections);
        }
        this.recoveryParallelism = connections;
        return this;
    }

    /**
     * How long a recovery pass waits for a resource that answers none of its calls (opening a connection,
     * {@code recover}, {@code commit}, {@code rollback}) before it reports that resource failed — "no answer within
     * recoveryCallTimeout" — and goes on with the others; its in-doubt records stay for a later pass. XA calls have
     * no timeout of their own, so without this one stalled resource would hold every pass. The wait restarts with
     * each call that returns, so a long but progressing recovery is not cut. Default 60 s: above the adapters'
     * own bounds ({@code xaCallTimeout}, Artemis' {@code callTimeout}, 30 s each), whose errors name the cause.
     */
    public LockstepBuilder recoveryCallTimeout(Duration timeout) {
        this.recoveryCallTimeout = positive(RECOVERY_CALL_TIMEOUT, timeout);
        return this;
    }

    /** Further node ids whose branches this manager recovers (e.g. a retired node's). Its own is always included. */
    public LockstepBuilder recoveryNodes(String... nodeIds) {
        if (nodeIds == null) {
            throw new IllegalArgumentException(RECOVERY_NODES + " \"null\": must be node ids; pass none to recover"
                    + " only this node's own transactions");
        }
        for (String id : nodeIds) {
            recoveryNodes.add(checkNodeId(RECOVERY_NODES, id));
        }
        return this;
    }

    /** Size of each preallocated log segment. Default 16 MiB, at least 64 KiB. */
    public LockstepBuilder logSegmentSize(long bytes) {
        if (bytes < MIN_SEGMENT_SIZE) {
            throw new IllegalArgumentException(LOG_SEGMENT_SIZE + " \"" + bytes + "\": must be at least "
                    + MIN_SEGMENT_SIZE + " bytes");
        }
        this.logSegmentSize = bytes;
        return this;
    }

    /**
     * Operator override: start even though the log has a corrupt record followed by valid ones; the corrupt bytes
     * are skipped and reported. Default false: such a log refuses to start.
     */
    public LockstepBuilder logIgnoreCorruption(boolean ignore) {
        this.logIgnoreCorruption = ignore;
        return this;
    }

    /**
     * Where the log lives: {@link LogType#FILE} (default) in {@link #logDirectory(Path)}, or {@link LogType#JDBC}
     * in a database table ({@link #logJdbcUrl(String)} is then required).
     */
    public LockstepBuilder logType(LogType type) {
        this.logType = Objects.requireNonNull(type, LOG_TYPE);
        return this;
    }

    /**
     * JDBC URL of the database that holds the JDBC log, e.g. {@code jdbc:postgresql://db:5432/app}; its driver must
     * be on the class path. Plain local transactions only: the log database is never an XA participant.
     */
    public LockstepBuilder logJdbcUrl(String url) {
        if (url == null || !url.startsWith("jdbc:")) {
            throw new IllegalArgumentException(LOG_JDBC_URL + " \"" + UrlDataSource.redact(url)
                    + "\": must be a JDBC URL starting with jdbc:, e.g. jdbc:postgresql://host:5432/database");
        }
        this.logJdbcUrl = url;
        return this;
    }

    /** User of the JDBC log database (none by default: the driver takes it from the URL). */
    public LockstepBuilder logJdbcUser(String user) {
        this.logJdbcUser = user == null || user.isEmpty() ? null : user;
        return this;
    }

    /** Password of the JDBC log database; never printed or put in a message. */
    public LockstepBuilder logJdbcPassword(String password) {
        this.logJdbcPassword = password == null || password.isEmpty() ? null : password;
        return this;
    }

    /** Table of the JDBC log, created if absent; an SQL identifier, optionally schema.table. Default lockstep_log. */
    public LockstepBuilder logJdbcTable(String table) {
        try {
            this.logJdbcTable = JdbcTransactionLog.checkTableName(table);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(LOG_JDBC_TABLE + " \"" + table + "\": must be an SQL identifier"
                    + " ([A-Za-z_][A-Za-z0-9_]*, at most 51 characters), optionally schema-qualified (schema.table)");
        }
        return this;
    }

    /**
     * JDBC log only: how long this node's lease in the log database lasts without renewal (renewed every third of
     * it). A peer takes the node over once it has expired; a restart of a crashed node waits at most this long for
     * its old lease. Default 15 s, at least 300 ms.
     */
    public LockstepBuilder clusterLeaseTimeout(Duration timeout) {
        Duration d = positive(CLUSTER_LEASE_TIMEOUT, timeout);
        if (d.toMillis() < 300) {
            throw new IllegalArgumentException(CLUSTER_LEASE_TIMEOUT + " \"" + d + "\": must be at least 300 ms (it"
                    + " is renewed every third of it)");
        }
        this.clusterLeaseTimeout = d;
        return this;
    }

    /** JDBC log only: whether this node takes over peers whose lease expired or that stopped. Default true. */
    public LockstepBuilder clusterTakeover(boolean takeover) {
        this.clusterTakeover = takeover;
        return this;
    }

    /**
     * JDBC log only: the largest accepted difference between this host's clock and the log database's, checked at
     * start (a larger one refuses to start). Default 10 s.
     */
    public LockstepBuilder clusterMaxClockSkew(Duration skew) {
        this.clusterMaxClockSkew = positive(CLUSTER_MAX_CLOCK_SKEW, skew);
        return this;
    }

    /**
     * Serves the management endpoint (JSON views and Prometheus metrics) on this port; 0 = any free port. Off by
     * default.
     */
    public LockstepBuilder managementPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(MANAGEMENT_PORT + " \"" + port + "\": must be 0..65535 (0 = any free port)");
        }
        this.managementPort = port;
        return this;
    }

    /** Address the management endpoint binds to; default 127.0.0.1. Beyond loopback a token is required. */
    public LockstepBuilder managementHost(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(MANAGEMENT_HOST + " \"" + host + "\": must be a host name or address");
        }
        this.managementHost = host;
        return this;
    }

    /** Bearer token every management request must carry. */
    public LockstepBuilder managementToken(String token) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException(MANAGEMENT_TOKEN + ": must be at least 16 characters");
        }
        this.managementToken = token;
        return this;
    }

    /** Uses this log instead of the file log in {@link #logDirectory(Path)} (SPI; e.g. a JDBC log, or tests). */
    public LockstepBuilder transactionLog(TransactionLog log) {
        this.transactionLog = Objects.requireNonNull(log, "transactionLog must not be null; to use the file log in "
                + LOG_DIRECTORY + ", do not call transactionLog(...)");
        return this;
    }

    /** Receives every state change of every transaction; must be fast and must not throw. */
    public LockstepBuilder listener(TransactionListener listener) {
        this.listener = Objects.requireNonNull(listener,
                "listener must not be null; pass TransactionListener.NONE for no listener");
        return this;
    }

    /**
     * Reads {@code lockstep.*} keys from {@code properties}, then from system properties, which win. Unknown
     * {@code lockstep.*} keys are refused with the list of valid ones. Durations are ISO-8601 ({@code PT30S}) or
     * whole seconds ({@code 30}).
     */
    public LockstepBuilder properties(Properties properties) {
        Objects.requireNonNull(properties, "properties must not be null; pass an empty Properties to read only the"
                + " system properties");
        Map<String, String> merged = new TreeMap<>();
        collect(properties, merged);
        collect(System.getProperties(), merged);
        for (Map.Entry<String, String> e : merged.entrySet()) {
            apply(e.getKey(), e.getValue().trim());
        }
        return this;
    }

    private static void collect(Properties from, Map<String, String> into) {
        for (String key : from.stringPropertyNames()) {
            if (key.startsWith("lockstep.")) {
                into.put(key, from.getProperty(key));
            }
        }
    }

    private void apply(String key, String value) {
        switch (key) {
            case NODE_ID: nodeId(value); break;
            case LOG_DIRECTORY: logDirectory(Path.of(value)); break;
            case DEFAULT_TIMEOUT: defaultTimeout(duration(key, value)); break;
            case RECOVERY_INTERVAL: recoveryInterval(duration(key, value)); break;
            case ORPHAN_SAFETY_INTERVAL: orphanSafetyInterval(duration(key, value)); break;
            case RECOVERY_NODES:
                for (String id : value.split(",")) {
                    if (!id.isBlank()) {
                        recoveryNodes(id.trim());
                    }
                }
                break;
            case RECOVERY_PARALLELISM: recoveryParallelism((int) number(key, value)); break;
            case RECOVERY_CALL_TIMEOUT: recoveryCallTimeout(duration(key, value)); break;
            case LOG_SEGMENT_SIZE: logSegmentSize(number(key, value)); break;
            case LOG_IGNORE_CORRUPTION: logIgnoreCorruption(bool(key, value)); break;
            case LOG_TYPE: logType(parseLogType(value)); break;
            case LOG_JDBC_URL: logJdbcUrl(value); break;
            case LOG_JDBC_USER: logJdbcUser(value); break;
            case LOG_JDBC_PASSWORD: logJdbcPassword(value); break;
            case LOG_JDBC_TABLE: logJdbcTable(value); break;
            case CLUSTER_LEASE_TIMEOUT: clusterLeaseTimeout(duration(key, value)); break;
            case CLUSTER_TAKEOVER: clusterTakeover(bool(key, value)); break;
            case CLUSTER_MAX_CLOCK_SKEW: clusterMaxClockSkew(duration(key, value)); break;
            case MANAGEMENT_PORT: managementPort((int) number(key, value)); break;
            case MANAGEMENT_HOST: managementHost(value); break;
            case MANAGEMENT_TOKEN: managementToken(value); break;
            default:
                for (String prefix : FOREIGN_PREFIXES) {
                    if (key.startsWith(prefix)) {
                        return;
                    }
                }
                throw new IllegalArgumentException("unknown configuration key " + key + "; valid keys: "
                        + String.join(", ", KEYS));
        }
    }

    /** Validates the whole configuration, opens the log, replays it and starts the manager. */
    public LockstepTransactionManager build() {
        String id = nodeId != null ? nodeId : defaultNodeId();
        Set<String> nodes = new LinkedHashSet<>();
        nodes.add(id);
        nodes.addAll(recoveryNodes);
        LockstepConfig config = new LockstepConfig(id, logDirectory.toAbsolutePath(), defaultTimeout,
                recoveryInterval, orphanSafetyInterval, nodes, logSegmentSize, logIgnoreCorruption, managementPort,
                managementHost, managementToken, recoveryParallelism, logType, logJdbcUrl, logJdbcUser,
                logJdbcPassword, logJdbcTable, clusterLeaseTimeout, clusterTakeover, clusterMaxClockSkew,
                recoveryCallTimeout);
        checkLogChoice(id);
        if (managementPort >= 0 && managementToken == null && !isLoopback(managementHost)) {
            throw new IllegalArgumentException(MANAGEMENT_HOST + " \"" + managementHost
                    + "\": binding the management endpoint beyond loopback requires " + MANAGEMENT_TOKEN);
        }
        return LockstepTransactionManager.start(config, transactionLog, listener);
    }

    private void checkLogChoice(String id) {
        if (logType == LogType.JDBC) {
            if (transactionLog != null) {
                throw new IllegalArgumentException(LOG_TYPE + "=jdbc and transactionLog(" + transactionLog + ") both"
                        + " choose the log; use one of them");
            }
            if (logJdbcUrl == null) {
                throw new IllegalArgumentException(LOG_TYPE + "=jdbc requires " + LOG_JDBC_URL
                        + " (the JDBC URL of the log database, e.g. jdbc:postgresql://host:5432/database)");
            }
            if (!recoveryNodes.isEmpty() && !Set.of(id).containsAll(recoveryNodes)) {
                // Another node's Xids without that node's records would look like orphans and be rolled back.
                throw new IllegalArgumentException(RECOVERY_NODES + " " + recoveryNodes + ": with " + LOG_TYPE
                        + "=jdbc a peer's transactions are recovered by takeover, with that peer's records"
                        + " (lockstep.cluster.*, docs/cluster.md); list no other node here");
            }
        } else if (logJdbcUrl != null || logJdbcUser != null || logJdbcPassword != null) {
            throw new IllegalArgumentException(LOG_JDBC_URL + "/" + LOG_JDBC_USER + "/" + LOG_JDBC_PASSWORD
                    + " are set but " + LOG_TYPE + " is " + logType.name().toLowerCase(Locale.ROOT) + "; set "
                    + LOG_TYPE + "=jdbc to keep the log in that database, or remove them");
        }
    }

    private static LogType parseLogType(String value) {
        for (LogType t : LogType.values()) {
            if (t.name().equalsIgnoreCase(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException(LOG_TYPE + " \"" + value + "\": must be file or jdbc");
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (Exception e) {
            throw new IllegalArgumentException(MANAGEMENT_HOST + " \"" + host + "\": cannot be resolved", e);
        }
    }

    /** The host name reduced to the node id alphabet; stable for a host, which is what recovery needs. */
    static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "lockstep";
        }
        String id = host.replaceAll("[^A-Za-z0-9._-]", "-");
        if (id.isEmpty()) {
            id = "lockstep";
        }
        return id.length() > MAX_NODE_ID_BYTES ? id.substring(0, MAX_NODE_ID_BYTES) : id;
    }

    static String checkNodeId(String key, String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException(key + " \"" + id + "\": must not be empty; only [A-Za-z0-9._-], at most "
                    + MAX_NODE_ID_BYTES + " bytes");
        }
        if (!NODE_ID_CHARS.matcher(id).matches() || id.getBytes(StandardCharsets.UTF_8).length > MAX_NODE_ID_BYTES) {
            throw new IllegalArgumentException(key + " \"" + id + "\": only [A-Za-z0-9._-], at most "
                    + MAX_NODE_ID_BYTES + " bytes");
        }
        return id;
    }

    private static Duration positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " \"" + d + "\": must be a positive duration");
        }
        return d;
    }

    static Duration duration(String key, String value) {
        try {
            if (value.matches("-?\\d+")) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            return Duration.parse(value);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException(key + " \"" + value
                    + "\": not a duration; use ISO-8601 (PT30S) or whole seconds (30)", e);
        }
    }

    private static long number(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " \"" + value + "\": not a whole number", e);
        }
    }

    private static boolean bool(String key, String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(key + " \"" + value + "\": must be true or false");
    }
}
