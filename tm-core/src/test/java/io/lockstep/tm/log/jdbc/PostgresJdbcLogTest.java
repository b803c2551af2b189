package io.lockstep.tm.log.jdbc;

/** The JDBC log on PostgreSQL ({@code LOCKSTEP_PG_URL}, default the local server). */
class PostgresJdbcLogTest extends JdbcTransactionLogContract {
    @Override
    LogDatabase database() {
        return LogDatabase.postgres();
    }
}
