package io.lockstep.tm.log.jdbc;

import static org.assertj.core.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real database the JDBC log tests run on, from the environment with this machine's defaults. Unreachable → the
 * test fails with a message naming the service and the variables that point elsewhere; never skipped.
 */
public final class LogDatabase {
    private static final Pattern HOST_PORT = Pattern.compile("//([^/:?]+)(?::(\\d+))?");

    final String service;
    public final String url;
    public final String user;
    public final String password;
    private final String variables;
    private final int defaultPort;

    private LogDatabase(String service, String url, String user, String password, String variables,
            int defaultPort) {
        this.service = service;
        this.url = url;
        this.user = user;
        this.password = password;
        this.variables = variables;
        this.defaultPort = defaultPort;
    }

    public static LogDatabase postgres() {
        return new LogDatabase("PostgreSQL", env("LOCKSTEP_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test"),
                env("LOCKSTEP_PG_USER", "postgres"), env("LOCKSTEP_PG_PASSWORD", ""),
                "LOCKSTEP_PG_URL / LOCKSTEP_PG_USER / LOCKSTEP_PG_PASSWORD", 5432).checked();
    }

    public static LogDatabase mariadb() {
        String url = env("LOCKSTEP_MYSQL_URL", "jdbc:mariadb://127.0.0.1:3306/test")
                .replaceFirst("^jdbc:mysql:", "jdbc:mariadb:");
        return new LogDatabase("MariaDB", url, env("LOCKSTEP_MYSQL_USER", "root"), env("LOCKSTEP_MYSQL_PASSWORD", ""),
                "LOCKSTEP_MYSQL_URL / LOCKSTEP_MYSQL_USER / LOCKSTEP_MYSQL_PASSWORD", 3306).checked();
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private LogDatabase checked() {
        try (Connection c = connect()) {
            c.isValid(5);
        } catch (SQLException e) {
            fail(service + " is not reachable at " + url + " as " + user + " (" + e.getMessage() + "). Start it (bin/test"
                    + " does for the local servers) or point the tests at one with " + variables + ".");
        }
        return this;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    public UrlDataSource dataSource() {
        return new UrlDataSource(url, user, password);
    }

    /** The server's host. */
    public String host() {
        Matcher m = HOST_PORT.matcher(url);
        if (!m.find()) {
            throw new IllegalStateException("cannot find host:port in " + url);
        }
        return m.group(1);
    }

    public int port() {
        Matcher m = HOST_PORT.matcher(url);
        if (!m.find()) {
            throw new IllegalStateException("cannot find host:port in " + url);
        }
        return m.group(2) == null ? defaultPort : Integer.parseInt(m.group(2));
    }

    /** The URL with its host and port replaced by 127.0.0.1:{@code port} (a proxy, or a closed port). */
    public String urlVia(int port) {
        return HOST_PORT.matcher(url).replaceFirst("//127.0.0.1:" + port);
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Rows of {@code node} in {@code table}. */
    public long rows(String table, String node) throws SQLException {
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE node_id = ?")) {
            s.setString(1, node);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public String toString() {
        return service;
    }
}
