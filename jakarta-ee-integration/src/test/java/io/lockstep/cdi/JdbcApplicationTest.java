package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.xa.LockstepXid;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import javax.sql.DataSource;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A CDI application writing to PostgreSQL and MariaDB in one {@code @Transactional} method, through the
 * {@link Databases} producer: both writes commit together (two-phase commit) or neither does.
 */
@EnableWeld
class JdbcApplicationTest {

    @ApplicationScoped
    @Transactional
    static class OrderService {
        @Inject
        @Databases.Orders
        DataSource orders;
        @Inject
        @Databases.Ledger
        DataSource ledger;

        public void place(String id, int amount) throws SQLException {
            try (Connection o = orders.getConnection(); Connection l = ledger.getConnection()) {
                write(o, "INSERT INTO lockstep_cdi_orders (id, amount) VALUES (?, ?)", id, amount);
                write(l, "INSERT INTO lockstep_cdi_ledger (id, amount) VALUES (?, ?)", id, -amount);
            }
        }

        public void placeThenFail(String id, int amount, RuntimeException failure) throws SQLException {
            place(id, amount);
            throw failure;
        }

        public void placeThenFailChecked(String id, int amount, IOException failure) throws Exception {
            place(id, amount);
            throw failure;
        }

        /** Writes the order here, the ledger entry in its own transaction (REQUIRES_NEW), then fails. */
        public void placeWithAuditThenFail(String id, int amount) throws SQLException {
            try (Connection o = orders.getConnection()) {
                write(o, "INSERT INTO lockstep_cdi_orders (id, amount) VALUES (?, ?)", id, amount);
            }
            audit.record(id, -amount);
            throw new IllegalStateException("outer failure after the inner transaction committed");
        }

        @Inject
        Audit audit;

        static void write(Connection c, String sql, String id, int amount) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, id);
                ps.setInt(2, amount);
                ps.executeUpdate();
            }
        }
    }

    @ApplicationScoped
    static class Audit {
        @Inject
        @Databases.Ledger
        DataSource ledger;

        @Transactional(Transactional.TxType.REQUIRES_NEW)
        public void record(String id, int amount) throws SQLException {
            try (Connection l = ledger.getConnection()) {
                OrderService.write(l, "INSERT INTO lockstep_cdi_ledger (id, amount) VALUES (?, ?)", id, amount);
            }
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(TestContainers.weld(Databases.class, OrderService.class, Audit.class)).build();

    @Inject
    OrderService service;

    @Inject
    LockstepTransactionManager manager;

    @BeforeAll
    static void createTables() throws SQLException {
        try (Connection pg = Databases.plainPg(); Statement st = pg.createStatement()) {
            try (ResultSet rs = st.executeQuery("SHOW max_prepared_transactions")) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    throw new AssertionError("PostgreSQL at " + Databases.PG_URL + " has max_prepared_transactions=0,"
                            + " so it cannot prepare XA branches; run bin/test (which sets it to 64) or ALTER SYSTEM"
                            + " SET max_prepared_transactions = 64 and restart the server");
                }
            }
        }
        Databases.resetTables("lockstep_cdi_orders", "lockstep_cdi_ledger");
    }

    private static Integer order(String id) throws SQLException {
        return Databases.pgAmount("lockstep_cdi_orders", id);
    }

    private static Integer ledger(String id) throws SQLException {
        return Databases.mariaAmount("lockstep_cdi_ledger", id);
    }

    /** Prepared branches of this container's manager (other processes may have their own on the servers). */
    private int preparedBranchesInPostgres() throws SQLException {
        int count = 0;
        try (Connection pg = Databases.plainPg(); Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")) {
            while (rs.next()) {
                String[] gid = rs.getString(1).split("_");
                if (gid.length == 3 && ours(Integer.parseInt(gid[0]), Base64.getDecoder().decode(gid[1]))) {
                    count++;
                }
            }
        }
        return count;
    }

    private int preparedBranchesInMariaDb() throws SQLException {
        int count = 0;
        try (Connection maria = Databases.plainMariaDb(); Statement st = maria.createStatement();
                ResultSet rs = st.executeQuery("XA RECOVER")) {
            while (rs.next()) {
                if (ours(rs.getInt("formatID"), rs.getBytes("data"))) {
                    count++;
                }
            }
        }
        return count;
    }

    private boolean ours(int formatId, byte[] gtridFirst) {
        return formatId == LockstepXid.FORMAT_ID && new String(gtridFirst, StandardCharsets.UTF_8)
                .startsWith(manager.config().nodeId() + ":");
    }

    @Test
    void transactionalMethodCommitsBothDatabases() throws Exception {
        service.place("committed", 100);
        assertThat(order("committed")).isEqualTo(100);
        assertThat(ledger("committed")).isEqualTo(-100);
        assertThat(preparedBranchesInPostgres()).isZero();
        assertThat(preparedBranchesInMariaDb()).isZero();
    }

    @Test
    void uncheckedExceptionRollsBackBothDatabases() {
        IllegalStateException failure = new IllegalStateException("after both writes");
        assertThatThrownBy(() -> service.placeThenFail("rolled-back", 50, failure)).isSameAs(failure);
        assertThatNeitherDatabaseHas("rolled-back");
    }

    @Test
    void checkedExceptionStillCommitsBothDatabases() throws Exception {
        IOException failure = new IOException("checked");
        assertThatThrownBy(() -> service.placeThenFailChecked("checked", 7, failure)).isSameAs(failure);
        assertThat(order("checked")).isEqualTo(7);
        assertThat(ledger("checked")).isEqualTo(-7);
    }

    @Test
    void failingSecondWriteRollsBackTheFirstDatabase() throws Exception {
        service.place("duplicate", 1);
        assertThatThrownBy(() -> service.place("duplicate", 2)).isInstanceOf(SQLException.class);
        assertThat(order("duplicate")).as("PostgreSQL keeps the first order only").isEqualTo(1);
        assertThat(ledger("duplicate")).isEqualTo(-1);
    }

    @Test
    void requiresNewInnerCommitSurvivesTheOuterRollback() {
        assertThatThrownBy(() -> service.placeWithAuditThenFail("audited", 7))
                .isInstanceOf(IllegalStateException.class);
        try {
            assertThat(order("audited")).as("outer PostgreSQL row").isNull();
            assertThat(ledger("audited")).as("inner MariaDB row").isEqualTo(-7);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private void assertThatNeitherDatabaseHas(String id) {
        try {
            assertThat(order(id)).as("PostgreSQL row").isNull();
            assertThat(ledger(id)).as("MariaDB row").isNull();
            assertThat(preparedBranchesInPostgres()).isZero();
            assertThat(preparedBranchesInMariaDb()).isZero();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
