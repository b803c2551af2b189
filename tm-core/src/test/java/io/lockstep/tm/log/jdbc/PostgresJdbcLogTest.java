package io.lockstep.tm.log.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The JDBC log on PostgreSQL ({@code LOCKSTEP_PG_URL}, default the local server). */
class PostgresJdbcLogTest extends JdbcTransactionLogContract {
    @Override
    LogDatabase database() {
        return LogDatabase.postgres();
    }

    @Test
    @DisplayName("a batch whose one round trip committed but broke is written again on a new connection, once")
    void oneRoundTripInDoubtIsWrittenAgainExactlyOnce() throws Exception {
        CommitFaultDataSource faulty = new CommitFaultDataSource(db.dataSource());
        JdbcTransactionLog log = openAfterOneCommit(faulty);
        faulty.failNextCommitAfterCommitting();
        log.append(commit(2), true); // committed, reported lost, deleted and written again: its caller succeeds
        log.end(gtrid(1));
        log.append(commit(3), true);
        assertThat(db.rows(table, NODE)).isEqualTo(2);
        assertThat(log.replay()).containsExactly(commit(2), commit(3));
    }
}
