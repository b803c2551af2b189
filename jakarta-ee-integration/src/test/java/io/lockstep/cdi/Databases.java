package io.lockstep.cdi;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.SuspendMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Qualifier;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionScoped;
import java.io.Serializable;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * The producer example of the README: XA connections to PostgreSQL and MariaDB as {@code @TransactionScoped} beans,
 * each opened and enlisted on first use in a transaction and closed after it completes. Servers come from
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

    /**
     * One XA connection, enlisted in one transaction. Proxyable (a normal scope) and Serializable
     * ({@code @TransactionScoped} is a passivating scope); the connection itself is never serialized.
     */
    static class XaSession implements Serializable {
        private static final long serialVersionUID = 1L;
        private final transient XAConnection xa;
        private final transient Connection connection;

        XaSession() {
            this.xa = null;
            this.connection = null;
        }

        XaSession(XAConnection xa) throws SQLException {
            this.xa = xa;
            this.connection = xa.getConnection();
        }

        public Connection connection() {
            return connection;
        }

        void close() throws SQLException {
            xa.close();
        }
    }

    @Inject
    TransactionManager tm;

    @Produces
    @TransactionScoped
    @Orders
    XaSession orders() throws Exception {
        PGXADataSource ds = new PGXADataSource();
        ds.setUrl(PG_URL);
        ds.setUser(PG_USER);
        ds.setPassword(PG_PASSWORD);
        // pgjdbc: one branch per connection; suspend = end(TMSUCCESS) + start(TMJOIN) (DESIGN.md section 6)
        return enlist("pg-orders", open(ds, "PostgreSQL", PG_URL, "LOCKSTEP_PG_URL"), SuspendMode.END_JOIN);
    }

    @Produces
    @TransactionScoped
    @Ledger
    XaSession ledger() throws Exception {
        MariaDbDataSource ds = new MariaDbDataSource(MARIADB_URL);
        ds.setUser(MARIADB_USER);
        ds.setPassword(MARIADB_PASSWORD);
        // MariaDB 10.11: no XA JOIN across connections, no END ... SUSPEND, but END then START ... RESUME
        return enlist("mariadb-ledger", open(ds, "MariaDB", MARIADB_URL, "LOCKSTEP_MYSQL_URL"),
                SuspendMode.END_RESUME);
    }

    void closeOrders(@Disposes @Orders XaSession session) throws SQLException {
        session.close();
    }

    void closeLedger(@Disposes @Ledger XaSession session) throws SQLException {
        session.close();
    }

    private XaSession enlist(String name, XAConnection xa, SuspendMode suspendMode) throws Exception {
        XaSession session = new XaSession(xa);
        tm.getTransaction().enlistResource(Lockstep.named(name, xa.getXAResource(), false, suspendMode));
        return session;
    }

    private static XAConnection open(XADataSource ds, String server, String url, String variable) {
        try {
            return ds.getXAConnection();
        } catch (SQLException e) {
            throw new AssertionError(server + " at " + url + " is unreachable (" + e.getMessage() + "); start it or"
                    + " set " + variable, e);
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
}
