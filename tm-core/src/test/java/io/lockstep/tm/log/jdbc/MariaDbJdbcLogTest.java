package io.lockstep.tm.log.jdbc;

/** The JDBC log on MariaDB ({@code LOCKSTEP_MYSQL_URL}, default the local server), same SQL as PostgreSQL. */
class MariaDbJdbcLogTest extends JdbcTransactionLogContract {
    @Override
    LogDatabase database() {
        return LogDatabase.mariadb();
    }
}
