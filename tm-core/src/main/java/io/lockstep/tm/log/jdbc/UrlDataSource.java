package io.lockstep.tm.log.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Objects;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The smallest {@link DataSource}: a new {@link DriverManager} connection per call, for the JDBC log configured by
 * URL, user and password ({@code lockstep.log.jdbcUrl} …). The log keeps its one connection open between batches,
 * so no pool is needed; the driver must be on the class path.
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

    /**
     * @param user     null to let the driver take it from the URL
     * @param password null or empty for none
     */
    public UrlDataSource(String url, String user, String password) {
        this.url = Objects.requireNonNull(url, "url");
        this.user = user;
        this.password = password;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return getConnection(user, password);
    }

    @Override
    public Connection getConnection(String username, String pass) throws SQLException {
        try {
            if (username == null && (pass == null || pass.isEmpty())) {
                return DriverManager.getConnection(url);
            }
            return DriverManager.getConnection(url, username, pass == null ? "" : pass);
        } catch (SQLException e) {
            // Driver messages name the host but not the database URL; say where and as whom, never the password.
            throw new SQLException("cannot connect to " + this + ": " + e.getMessage(), e.getSQLState(),
                    e.getErrorCode(), e);
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
