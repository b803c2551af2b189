package io.lockstep.xa.jdbc;

import io.lockstep.tm.SuspendMode;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * The databases Lockstep pools XA connections for, with each one's XA behaviour (DESIGN.md §6).
 *
 * <p>No vendor may join a branch across connections: PostgreSQL and MySQL/MariaDB refuse {@code TMJOIN} for a
 * different connection even when {@code isSameRM} says true, so each pooled connection gets its own branch (the
 * pool already shares one connection per transaction and data source). Suspension differs: PostgreSQL rejects
 * {@code TMSUSPEND} but accepts {@code end(TMSUCCESS)} + {@code start(TMJOIN)} on the same connection; MariaDB
 * refuses {@code XA END … SUSPEND} but accepts {@code END} then {@code START … RESUME}; H2 follows the spec.
 */
public enum Vendor {
    POSTGRESQL("org.postgresql.xa.PGXADataSource", "jdbc:postgresql:", SuspendMode.END_JOIN),
    /** MySQL Connector/J, against MySQL or MariaDB servers. */
    MYSQL("com.mysql.cj.jdbc.MysqlXADataSource", "jdbc:mysql:", SuspendMode.END_RESUME),
    /** MariaDB Connector/J 3. */
    MARIADB("org.mariadb.jdbc.MariaDbDataSource", "jdbc:mariadb:", SuspendMode.END_RESUME),
    H2("org.h2.jdbcx.JdbcDataSource", "jdbc:h2:", SuspendMode.SUSPEND_RESUME);

    private final String xaDataSourceClass;
    private final String urlPrefix;
    private final SuspendMode suspendMode;

    Vendor(String xaDataSourceClass, String urlPrefix, SuspendMode suspendMode) {
        this.xaDataSourceClass = xaDataSourceClass;
        this.urlPrefix = urlPrefix;
        this.suspendMode = suspendMode;
    }

    /** The driver's {@code XADataSource} class, which must be on the class path. */
    public String xaDataSourceClass() {
        return xaDataSourceClass;
    }

    /** How Lockstep suspends and resumes this vendor's branches. */
    public SuspendMode suspendMode() {
        return suspendMode;
    }

    /**
     * Whether the driver bounds a blocking call with {@link Connection#setNetworkTimeout} (its socket read timeout),
     * which is how {@code xaCallTimeout} is enforced. H2 is used in-process here: no socket to stall.
     */
    boolean hasNetworkTimeout() {
        return this != H2;
    }

    /** The vendor of a JDBC URL. */
    public static Vendor of(String jdbcUrl) {
        if (jdbcUrl != null) {
            for (Vendor v : values()) {
                if (jdbcUrl.regionMatches(true, 0, v.urlPrefix, 0, v.urlPrefix.length())) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("cannot tell the database from JDBC URL \"" + safeUrl(jdbcUrl)
                + "\": Lockstep pools XA connections for jdbc:postgresql:, jdbc:mysql:, jdbc:mariadb: and jdbc:h2:");
    }

    /**
     * A stable default resource name from the URL: vendor, host, port and database, e.g.
     * {@code postgresql-127.0.0.1-5432-orders}. Two data sources on the same database need explicit names.
     */
    String defaultName(String jdbcUrl) {
        String rest = jdbcUrl.substring(urlPrefix.length());
        String where;
        if (this == H2) {
            where = rest.replaceFirst(";.*$", "");
        } else {
            try {
                URI u = URI.create(rest.startsWith("//") ? "x:" + rest : "x://" + rest);
                where = (u.getHost() == null ? "localhost" : u.getHost()) + (u.getPort() < 0 ? "" : "-" + u.getPort())
                        + (u.getPath() == null ? "" : u.getPath());
            } catch (IllegalArgumentException e) {
                where = rest.replaceFirst("[?;].*$", "");
            }
        }
        String name = (name().toLowerCase(Locale.ROOT) + "-" + where).replaceAll("[^A-Za-z0-9._-]+", "-")
                .replaceAll("-{2,}", "-").replaceAll("-+$", "");
        return name.length() <= 64 ? name : name.substring(name.length() - 64);
    }

    /**
     * Checks at start what would otherwise fail at the first prepare or recovery scan, with a message that says
     * what to change.
     *
     * @throws SQLException the database cannot do XA for Lockstep as configured
     */
    void checkXaReady(Connection c, String where) throws SQLException {
        if (this == POSTGRESQL) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW max_prepared_transactions")) {
                if (rs.next() && Integer.parseInt(rs.getString(1).trim()) == 0) {
                    throw new SQLException(where + ": " + MAX_PREPARED_HINT, "55000");
                }
            }
        } else if (this == MYSQL || this == MARIADB) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("XA RECOVER")) {
                rs.next();
            } catch (SQLException e) {
                String hint = explain(e);
                throw hint == null ? e : new SQLException(where + ": " + hint, e.getSQLState(), e);
            }
        }
    }

    static final String MAX_PREPARED_HINT = "PostgreSQL has max_prepared_transactions = 0, so it cannot prepare XA"
            + " branches. Set it above the number of concurrent transactions (ALTER SYSTEM SET"
            + " max_prepared_transactions = 64, or postgresql.conf) and restart the server.";

    static final String XA_RECOVER_HINT = "the database user lacks the XA_RECOVER_ADMIN privilege (MySQL 8), so"
            + " recovery cannot list prepared branches. Grant it: GRANT XA_RECOVER_ADMIN ON *.* TO '<user>'@'<host>'";

    /** An actionable explanation of a driver failure, or null when there is nothing to add to the driver's words. */
    static String explain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("prepared transactions are disabled") || m.contains("max_prepared_transactions")) {
                return MAX_PREPARED_HINT;
            }
            if (m.contains("XA_RECOVER_ADMIN")) {
                return XA_RECOVER_HINT;
            }
            if (t instanceof SQLException) {
                String state = ((SQLException) t).getSQLState();
                if (state != null && state.startsWith("28")) {
                    return "the database refused the user name or password (SQLState " + state + ")";
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** A JDBC URL with any password parameter masked, safe for messages and logs. */
    static String safeUrl(String url) {
        return url == null ? "null" : XADataSourceSource.withoutPassword(url);
    }
}
