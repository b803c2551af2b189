package io.lockstep.tm.log.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The smallest {@link DataSource}: a new {@link DriverManager} connection per call, for the JDBC log configured by
 * URL, user and password ({@code lockstep.log.jdbcUrl} …). The log keeps its one connection open between batches,
 * so no pool is needed; the driver must be on the class path.
 *
 * <p>With {@link #withIdleInTransactionTimeout}, every connection asks the server to end the session when it sits
 * idle inside a transaction for longer than that: the lease row locks a node's log batches and renewals hold must
 * not outlive a node that stopped dead in the middle of one (SIGSTOP, a long GC pause, a frozen VM), or its takeover
 * would wait for them for as long as the process stays frozen.
 *
 * <p>Thread-safe and immutable. {@link #toString()} shows the URL (with any password in it masked) and the user,
 * never the password.
 */
public final class UrlDataSource implements DataSource {
    private static final Pattern PASSWORD_PARAMETER =
            Pattern.compile("(?i)((?:password|passwd|pwd)\\s*=)[^&;:)]*");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/:@]*:)[^/@]*@");

    private final String url;
    private final String user;
    private final String password;
    /** Milliseconds a session may stay idle inside a transaction; 0 for the server's default. */
    private final long idleInTransactionMillis;

    /**
     * @param user     null to let the driver take it from the URL
     * @param password null or empty for none
     */
    public UrlDataSource(String url, String user, String password) {
        this(url, user, password, 0);
    }

    private UrlDataSource(String url, String user, String password, long idleInTransactionMillis) {
        this.url = Objects.requireNonNull(url, "url");
        this.user = user;
        this.password = password;
        this.idleInTransactionMillis = idleInTransactionMillis;
    }

    /**
     * The same data source whose connections are ended by the server once they stay idle inside a transaction for
     * longer than {@code timeout}: PostgreSQL's {@code idle_in_transaction_session_timeout}, MariaDB's
     * {@code idle_transaction_timeout} (whole seconds, rounded up). MySQL has no such setting: there the session of
     * a frozen process lasts until the server's {@code wait_timeout}.
     */
    public UrlDataSource withIdleInTransactionTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("idle-in-transaction timeout must be positive, was " + timeout);
        }
        return new UrlDataSource(url, user, password, timeout.toMillis());
    }

    @Override
    public Connection getConnection() throws SQLException {
        return getConnection(user, password);
    }

    @Override
    public Connection getConnection(String username, String pass) throws SQLException {
        Connection c;
        try {
            if (username == null && (pass == null || pass.isEmpty())) {
                c = DriverManager.getConnection(url);
            } else {
                c = DriverManager.getConnection(url, username, pass == null ? "" : pass);
            }
        } catch (SQLException e) {
            // Driver messages name the host but not the database URL; say where and as whom, never the password.
            throw new SQLException("cannot connect to " + this + ": " + e.getMessage(), e.getSQLState(),
                    e.getErrorCode(), e);
        }
        if (idleInTransactionMillis > 0) {
            try {
                limitIdleInTransaction(c);
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    private void limitIdleInTransaction(Connection c) throws SQLException {
        Dialect dialect = Dialect.of(c, "the JDBC log database");
        String sql = dialect.idleInTransactionTimeout(idleInTransactionMillis);
        if (sql == null) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            if (dialect != Dialect.MYSQL) {
                throw new SQLException("cannot limit how long a session of " + this + " may stay idle in a"
                        + " transaction (" + sql + "): " + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
            }
            // MySQL: no such variable; documented (docs/log-format.md, "Node leases")
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /** {@code url} with the values of password parameters and of {@code user:password@} masked. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String masked = PASSWORD_PARAMETER.matcher(url).replaceAll("$1****");
        return USER_INFO.matcher(masked).replaceAll("$1****@");
    }

    @Override
    public PrintWriter getLogWriter() {
        return DriverManager.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("UrlDataSource has no log writer of its own; use DriverManager");
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("UrlDataSource has no login timeout of its own; set the driver's"
                + " connect timeout in the URL");
    }

    @Override
    public int getLoginTimeout() {
        return DriverManager.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("UrlDataSource logs nothing");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("UrlDataSource does not wrap " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return redact(url) + (user == null ? "" : " as " + user);
    }
}
