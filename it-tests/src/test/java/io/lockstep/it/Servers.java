package io.lockstep.it;

import static org.assertj.core.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The real servers the integration tests use, from the environment, with the local defaults of this machine. A
 * server that cannot be reached fails the test with a message naming the service and how to point at another one.
 */
final class Servers {
    static final String PG_URL = env("LOCKSTEP_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String PG_USER = env("LOCKSTEP_PG_USER", "postgres");
    static final String PG_PASSWORD = env("LOCKSTEP_PG_PASSWORD", "");
    static final String PG2_URL = env("LOCKSTEP_PG2_URL", "jdbc:postgresql://127.0.0.1:5432/test2");
    static final String MYSQL_URL = env("LOCKSTEP_MYSQL_URL", "jdbc:mysql://127.0.0.1:3306/test");
    static final String MYSQL_USER = env("LOCKSTEP_MYSQL_USER", "root");
    static final String MYSQL_PASSWORD = env("LOCKSTEP_MYSQL_PASSWORD", "");

    private Servers() {
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** The PostgreSQL URL with user and password as parameters, after checking the server answers. */
    static String postgres() {
        check("PostgreSQL", PG_URL, PG_USER, PG_PASSWORD, "LOCKSTEP_PG_URL / LOCKSTEP_PG_USER / LOCKSTEP_PG_PASSWORD");
        return withCredentials(PG_URL, PG_USER, PG_PASSWORD);
    }

    /** The second PostgreSQL database's URL (plain; user and password in PG_USER / PG_PASSWORD), after a check. */
    static String postgres2Plain() {
        check("PostgreSQL (second database)", PG2_URL, PG_USER, PG_PASSWORD,
                "LOCKSTEP_PG2_URL (a second database on the PostgreSQL server; bin/test creates test2)");
        return PG2_URL;
    }

    /** The PostgreSQL URL (plain), after a check. */
    static String postgresPlain() {
        postgres();
        return PG_URL;
    }

    /** The MySQL/MariaDB URL (plain, for mysql-connector-j), after a check. */
    static String mysqlPlain() {
        mysql();
        return MYSQL_URL;
    }

    /** The same server through MariaDB Connector/J. */
    static String mariadbPlain() {
        mysql();
        return MYSQL_URL.replaceFirst("^jdbc:mysql:", "jdbc:mariadb:");
    }

    /** The MySQL/MariaDB URL with user and password as parameters, after checking the server answers. */
    static String mysql() {
        check("MySQL/MariaDB", MYSQL_URL, MYSQL_USER, MYSQL_PASSWORD,
                "LOCKSTEP_MYSQL_URL / LOCKSTEP_MYSQL_USER / LOCKSTEP_MYSQL_PASSWORD");
        return withCredentials(MYSQL_URL, MYSQL_USER, MYSQL_PASSWORD);
    }

    private static String withCredentials(String url, String user, String password) {
        return url + (url.contains("?") ? "&" : "?") + "user=" + user
                + (password.isEmpty() ? "" : "&password=" + password);
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
