package io.lockstep.tm;

/** Where the transaction log lives ({@code lockstep.log.type}). */
public enum LogType {
    /** Segmented files in {@code lockstep.logDirectory} (default): one node, fastest. */
    FILE,
    /**
     * A table in a database reached over JDBC ({@code lockstep.log.jdbcUrl} …), see
     * {@link io.lockstep.tm.log.jdbc.JdbcTransactionLog}.
     */
    JDBC
}
