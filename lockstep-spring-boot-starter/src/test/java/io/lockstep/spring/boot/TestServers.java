package io.lockstep.spring.boot;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The real servers the tests use, from the environment with this machine's defaults. A server that cannot be reached
 * fails the test with a message naming the service and the variable that points elsewhere; nothing is skipped.
 */
public final class TestServers {
    public static final String PG_URL = env("LOCKSTEP_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String PG_USER = env("LOCKSTEP_PG_USER", "postgres");
    public static final String PG_PASSWORD = env("LOCKSTEP_PG_PASSWORD", "");
    /** MariaDB through MariaDB Connector/J (a jdbc:mysql: URL in LOCKSTEP_MYSQL_URL is read as the same server). */
    public static final String MARIADB_URL = env("LOCKSTEP_MYSQL_URL", "jdbc:mariadb://127.0.0.1:3306/test")
            .replaceFirst("^jdbc:mysql:", "jdbc:mariadb:");
    public static final String MARIADB_USER = env("LOCKSTEP_MYSQL_USER", "root");
    public static final String MARIADB_PASSWORD = env("LOCKSTEP_MYSQL_PASSWORD", "");

    private TestServers() {
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** Checks PostgreSQL answers and creates this module's table. */
    public static void preparePostgres() {
        execute("PostgreSQL", PG_URL, PG_USER, PG_PASSWORD, "LOCKSTEP_PG_URL / LOCKSTEP_PG_USER / LOCKSTEP_PG_PASSWORD",
                "CREATE TABLE IF NOT EXISTS spring_order (id VARCHAR(64) PRIMARY KEY, item VARCHAR(100) NOT NULL)");
    }

    /** Checks MariaDB answers and creates this module's table. */
    public static void prepareMariaDb() {
        execute("MariaDB", MARIADB_URL, MARIADB_USER, MARIADB_PASSWORD,
                "LOCKSTEP_MYSQL_URL / LOCKSTEP_MYSQL_USER / LOCKSTEP_MYSQL_PASSWORD",
                "CREATE TABLE IF NOT EXISTS spring_payment (id VARCHAR(64) PRIMARY KEY, amount BIGINT NOT NULL)"
                        + " ENGINE=InnoDB");
    }

    /** Rows of {@code table} with this id, read over a plain connection (what another client would see). */
    public static int countPostgres(String table, String id) {
        return count(PG_URL, PG_USER, PG_PASSWORD, table, id);
    }

    public static int countMariaDb(String table, String id) {
        return count(MARIADB_URL, MARIADB_USER, MARIADB_PASSWORD, table, id);
    }

    private static int count(String url, String user, String password, String table, String id) {
        try (Connection c = DriverManager.getConnection(url, user, password);
                var ps = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE id = ?")) {
            ps.setString(1, id);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("counting " + table + " at " + url + ": " + e.getMessage(), e);
        }
    }

    private static void execute(String service, String url, String user, String password, String vars, String sql) {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(service + " is not reachable at " + url + " as " + user + " ("
                    + e.getMessage() + "). Start it (bin/test does for the local servers) or point the tests at one"
                    + " with " + vars + ".", e);
        }
    }
}
