package io.lockstep.cdi;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Qualifier;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The producer example of the README: pooled XA data sources for PostgreSQL and MariaDB (the JDBC adapter,
 * {@code LockstepDataSources}) as application-scoped beans; their connections join the caller's transaction. Servers come from
 * {@code LOCKSTEP_PG_URL} / {@code LOCKSTEP_PG_USER} and {@code LOCKSTEP_MYSQL_URL} / {@code LOCKSTEP_MYSQL_USER},
 * defaulting to the local test servers; an unreachable server fails the test naming the variable to set.
 */
@ApplicationScoped
class Databases {

    @Qualifier
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE})
    @interface Orders {
    }

    @Qualifier
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE})
    @interface Ledger {
    }

    static final String PG_URL = env("LOCKSTEP_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String PG_USER = env("LOCKSTEP_PG_USER", "postgres");
    static final String PG_PASSWORD = env("LOCKSTEP_PG_PASSWORD", "");
    static final String MARIADB_URL = env("LOCKSTEP_MYSQL_URL", "jdbc:mariadb://127.0.0.1:3306/test")
            .replace("jdbc:mysql:", "jdbc:mariadb:");
    static final String MARIADB_USER = env("LOCKSTEP_MYSQL_USER", "root");
    static final String MARIADB_PASSWORD = env("LOCKSTEP_MYSQL_PASSWORD", "");

    @Produces
    @ApplicationScoped
    @Orders
    DataSource orders(LockstepTransactionManager tm) {
        check("PostgreSQL", PG_URL, PG_USER, PG_PASSWORD, "LOCKSTEP_PG_URL");
        // pooled by Agroal; each connection joins the caller's transaction and recovery knows the source
        return LockstepDataSources.postgres(tm, PG_URL, PG_USER, PG_PASSWORD).name("pg-orders").maxSize(10).build();
    }

    @Produces
    @ApplicationScoped
    @Ledger
    DataSource ledger(LockstepTransactionManager tm) {
        check("MariaDB", MARIADB_URL, MARIADB_USER, MARIADB_PASSWORD, "LOCKSTEP_MYSQL_URL");
        return LockstepDataSources.mariadb(tm, MARIADB_URL, MARIADB_USER, MARIADB_PASSWORD).name("mariadb-ledger")
                .maxSize(10).build();
    }

    void closeOrders(@Disposes @Orders DataSource ds) {
        ((LockstepDataSource) ds).close();
    }

    void closeLedger(@Disposes @Ledger DataSource ds) {
        ((LockstepDataSource) ds).close();
    }

    private static void check(String server, String url, String user, String password, String variable) {
        try (Connection c = plain(server, url, user, password, variable)) {
            c.isValid(5);
        } catch (SQLException e) {
            throw new AssertionError(server + " at " + url + ": " + e.getMessage(), e);
        }
    }

    /** A plain connection for test setup and checks, outside any transaction. */
    static Connection plainPg() {
        return plain("PostgreSQL", PG_URL, PG_USER, PG_PASSWORD, "LOCKSTEP_PG_URL");
    }

    static Connection plainMariaDb() {
        return plain("MariaDB", MARIADB_URL, MARIADB_USER, MARIADB_PASSWORD, "LOCKSTEP_MYSQL_URL");
    }

    private static Connection plain(String server, String url, String user, String password, String variable) {
        try {
            return DriverManager.getConnection(url, user, password);
        } catch (SQLException e) {
            throw new AssertionError(server + " at " + url + " is unreachable (" + e.getMessage() + "); start it or"
                    + " set " + variable, e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Creates (if absent) and empties an {@code (id, amount)} table in PostgreSQL and one in MariaDB. */
    static void resetTables(String pgTable, String mariaTable) throws SQLException {
        try (Connection pg = plainPg(); java.sql.Statement st = pg.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + pgTable + " (id VARCHAR(64) PRIMARY KEY, amount INT)");
            st.execute("DELETE FROM " + pgTable);
        }
        try (Connection maria = plainMariaDb(); java.sql.Statement st = maria.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + mariaTable + " (id VARCHAR(64) PRIMARY KEY, amount INT)"
                    + " ENGINE=InnoDB");
            st.execute("DELETE FROM " + mariaTable);
        }
    }

    /** The amount of row {@code id} in a PostgreSQL table, or null. */
    static Integer pgAmount(String table, String id) throws SQLException {
        try (Connection pg = plainPg()) {
            return amount(pg, table, id);
        }
    }

    /** The amount of row {@code id} in a MariaDB table, or null. */
    static Integer mariaAmount(String table, String id) throws SQLException {
        try (Connection maria = plainMariaDb()) {
            return amount(maria, table, id);
        }
    }

    private static Integer amount(Connection c, String table, String id) throws SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT amount FROM " + table + " WHERE id = ?")) {
            ps.setString(1, id);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }
}
