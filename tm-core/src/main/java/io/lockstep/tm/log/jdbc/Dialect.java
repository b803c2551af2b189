package io.lockstep.tm.log.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The few places where the SQL of the JDBC log and the node leases differs between database products. Everything
 * else is plain SQL that all of them accept.
 */
public enum Dialect {
    POSTGRESQL("BYTEA", " FOR SHARE", "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"),
    /** MariaDB and MySQL. */
    MYSQL("MEDIUMBLOB", " LOCK IN SHARE MODE", "CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED)"),
    H2("VARBINARY(1048576)", " FOR UPDATE",
            "DATEDIFF(MILLISECOND, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00', CURRENT_TIMESTAMP)");

    private final String blobType;
    private final String shareLock;
    private final String nowMillis;

    Dialect(String blobType, String shareLock, String nowMillis) {
        this.blobType = blobType;
        this.shareLock = shareLock;
        this.nowMillis = nowMillis;
    }

    /** Column type of a record payload. */
    public String blobType() {
        return blobType;
    }

    /**
     * Suffix of a SELECT that takes a shared row lock: the row cannot be updated by another transaction until this
     * one ends, and an update by another transaction that has not committed yet is waited for.
     */
    public String shareLock() {
        return shareLock;
    }

    /** An SQL expression: the database server's clock, in milliseconds since the epoch (UTC). */
    public String nowMillis() {
        return nowMillis;
    }

    /**
     * The statement that makes the server end this session when it stays idle inside a transaction for longer than
     * {@code millis} (rounded up to whole seconds where the server counts in seconds), or null where the product
     * has no such setting (H2, in-process). See {@link UrlDataSource#withIdleInTransactionTimeout}.
     */
    public String idleInTransactionTimeout(long millis) {
        switch (this) {
            case POSTGRESQL:
                return "SET idle_in_transaction_session_timeout = " + millis;
            case MYSQL:
                // MariaDB 10.3 and later; MySQL has no such variable (the statement fails there)
                return "SET SESSION idle_transaction_timeout = " + Math.max(1, (millis + 999) / 1000);
            default:
                return null;
        }
    }

    /**
     * The dialect of the database behind {@code c}.
     *
     * @throws SQLException a product Lockstep does not know, naming it and what it supports
     */
    public static Dialect of(Connection c, String what) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName();
        String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (p.contains("postgres")) {
            return POSTGRESQL;
        }
        if (p.contains("mariadb") || p.contains("mysql")) {
            return MYSQL;
        }
        if (p.equals("h2")) {
            return H2;
        }
        throw new SQLException(what + " is on " + product + ", which Lockstep does not support for it (PostgreSQL,"
                + " MariaDB, MySQL and H2 are supported); see docs/log-format.md, section \"JDBC log\"");
    }
}
