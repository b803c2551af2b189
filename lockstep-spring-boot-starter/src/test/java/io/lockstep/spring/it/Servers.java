package io.lockstep.spring.it;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The real servers the starter's tests use, from the environment with this machine's defaults. A server that
 * cannot be reached fails the test, naming the service and the variables that point at another one.
 */
public final class Servers {
    public static final String PG_URL = env("LOCKSTEP_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String PG_USER = env("LOCKSTEP_PG_USER", "postgres");
    public static final String PG_PASSWORD = env("LOCKSTEP_PG_PASSWORD", "");
    /** Through MariaDB Connector/J, whatever prefix LOCKSTEP_MYSQL_URL has. */
    public static final String MARIADB_URL = env("LOCKSTEP_MYSQL_URL", "jdbc:mysql://127.0.0.1:3306/test")
            .replaceFirst("^jdbc:mysql:", "jdbc:mariadb:");
    public static final String MARIADB_USER = env("LOCKSTEP_MYSQL_USER", "root");
    public static final String MARIADB_PASSWORD = env("LOCKSTEP_MYSQL_PASSWORD", "");

    private Servers() {
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** Checks PostgreSQL answers, then sets {@code prefix.url/username/password} to it. */
    public static void postgres(DynamicPropertyRegistry registry, String prefix) {
        check("PostgreSQL", PG_URL, PG_USER, PG_PASSWORD, "LOCKSTEP_PG_URL / LOCKSTEP_PG_USER / LOCKSTEP_PG_PASSWORD");
        registry.add(prefix + ".url", () -> PG_URL);
        registry.add(prefix + ".username", () -> PG_USER);
        registry.add(prefix + ".password", () -> PG_PASSWORD);
    }

    /** Checks MariaDB answers, then sets {@code prefix.url/username/password} to it. */
    public static void mariadb(DynamicPropertyRegistry registry, String prefix) {
        check("MariaDB", MARIADB_URL, MARIADB_USER, MARIADB_PASSWORD,
                "LOCKSTEP_MYSQL_URL / LOCKSTEP_MYSQL_USER / LOCKSTEP_MYSQL_PASSWORD");
        registry.add(prefix + ".url", () -> MARIADB_URL);
        registry.add(prefix + ".username", () -> MARIADB_USER);
        registry.add(prefix + ".password", () -> MARIADB_PASSWORD);
    }

    /** Runs DDL (e.g. CREATE TABLE IF NOT EXISTS) on PostgreSQL over a plain connection. */
    public static void pgDdl(String sql) {
        ddl(PG_URL, PG_USER, PG_PASSWORD, sql);
    }

    /** Runs DDL on MariaDB over a plain connection. */
    public static void mariadbDdl(String sql) {
        ddl(MARIADB_URL, MARIADB_USER, MARIADB_PASSWORD, sql);
    }

    private static void ddl(String url, String user, String password, String sql) {
        try (Connection c = DriverManager.getConnection(url, user, password); var s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " at " + url + ": " + e.getMessage(), e);
        }
    }

    /** A fresh log directory for one application context (two managers never share one). */
    public static void logDirectory(DynamicPropertyRegistry registry) {
        try {
            Path parent = Files.createDirectories(Path.of("target", "lockstep-logs"));
            Path dir = Files.createTempDirectory(parent, "context-");
            registry.add("lockstep.log-directory", dir::toString);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Rows of {@code table} whose {@code item} column equals {@code item}, read over a plain connection. */
    public static int pgCount(String table, String item) {
        return count(PG_URL, PG_USER, PG_PASSWORD, table, item);
    }

    /** As {@link #pgCount}, in MariaDB. */
    public static int mariadbCount(String table, String item) {
        return count(MARIADB_URL, MARIADB_USER, MARIADB_PASSWORD, table, item);
    }

    private static int count(String url, String user, String password, String table, String item) {
        try (Connection c = DriverManager.getConnection(url, user, password);
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE item = ?")) {
            ps.setString(1, item);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count rows of " + table + " at " + url + ": " + e.getMessage(), e);
        }
    }

    private static void check(String service, String url, String user, String password, String vars) {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            c.isValid(5);
        } catch (SQLException e) {
            fail(service + " is not reachable at " + url + " as " + user + " (" + e.getMessage() + "). Start it (bin/test"
                    + " does for the local servers) or point the tests at one with " + vars + ".");
        }
    }
}
