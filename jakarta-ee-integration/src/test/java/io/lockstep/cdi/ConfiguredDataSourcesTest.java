package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.xa.jdbc.LockstepDataSource;
import jakarta.enterprise.inject.literal.NamedLiteral;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Path;
import java.util.Properties;
import javax.sql.DataSource;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.junit5.WeldInitiator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data sources declared as {@code lockstep.cdi.datasource.<name>.*} keys: {@code @Named} beans whose connections
 * join {@code @Transactional} methods on PostgreSQL and MariaDB, started with the manager (recovery knows them
 * before any use) and closed with the container.
 */
class ConfiguredDataSourcesTest {

    /** Dependent, i.e. no bean-defining annotation: DropInTest's discovery must not find it (no such beans there). */
    @Transactional
    static class Orders {
        @Inject
        @Named("cdi8-orders")
        DataSource orders;
        @Inject
        @Named("cdi8-ledger")
        DataSource ledger;

        public void place(String id, int amount) throws SQLException {
            try (Connection o = orders.getConnection(); Connection l = ledger.getConnection()) {
                insert(o, "cdi8_orders", id, amount);
                insert(l, "cdi8_ledger", id, -amount);
            }
        }

        public void placeThenFail(String id, int amount) throws SQLException {
            place(id, amount);
            throw new IllegalStateException("after both writes");
        }

        private static void insert(Connection c, String table, String id, int amount) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id, amount) VALUES (?, ?)")) {
                ps.setString(1, id);
                ps.setInt(2, amount);
                ps.executeUpdate();
            }
        }
    }

    private static Properties configuration() {
        Properties p = new Properties();
        p.setProperty("lockstep.cdi.datasource.cdi8-orders.url", Databases.PG_URL);
        p.setProperty("lockstep.cdi.datasource.cdi8-orders.user", Databases.PG_USER);
        p.setProperty("lockstep.cdi.datasource.cdi8-orders.password", Databases.PG_PASSWORD);
        p.setProperty("lockstep.cdi.datasource.cdi8-orders.maxSize", "4");
        p.setProperty("lockstep.cdi.datasource.cdi8-ledger.url", Databases.MARIADB_URL);
        p.setProperty("lockstep.cdi.datasource.cdi8-ledger.user", Databases.MARIADB_USER);
        p.setProperty("lockstep.cdi.datasource.cdi8-ledger.password", Databases.MARIADB_PASSWORD);
        return p;
    }

    private static Weld weld(Properties configuration, Class<?>... beans) {
        return WeldInitiator.createWeld()
                .addExtension(new LockstepExtension(configuration,
                        b -> b.nodeId("cdi-datasources").transactionLog(new InMemoryLog())))
                .addBeanClasses(beans);
    }

    @BeforeAll
    static void createTables() throws SQLException {
        Databases.resetTables("cdi8_orders", "cdi8_ledger");
    }

    private static Integer order(String id) throws SQLException {
        return Databases.pgAmount("cdi8_orders", id);
    }

    private static Integer ledger(String id) throws SQLException {
        return Databases.mariaAmount("cdi8_ledger", id);
    }

    @Test
    void namedDataSourcesCommitTogetherAndRollBackTogether() throws Exception {
        LockstepDataSource orders;
        try (WeldContainer container = weld(configuration(), Orders.class).initialize()) {
            Orders service = container.select(Orders.class).get();
            service.place("committed", 100);
            assertThatThrownBy(() -> service.placeThenFail("rolled-back", 5))
                    .isInstanceOf(IllegalStateException.class);

            orders = container.select(LockstepDataSource.class, NamedLiteral.of("cdi8-orders")).get();
            assertThat(orders.name()).isEqualTo("cdi8-orders");
            assertThat(container.select(DataSource.class, NamedLiteral.of("cdi8-orders")).get())
                    .as("one pool, injectable as DataSource and as LockstepDataSource").isSameAs(orders);
        }
        assertThat(order("committed")).isEqualTo(100);
        assertThat(ledger("committed")).isEqualTo(-100);
        assertThat(order("rolled-back")).isNull();
        assertThat(ledger("rolled-back")).isNull();
        assertThatThrownBy(orders::getConnection).as("closed with the container").isInstanceOf(SQLException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void dataSourcesStartWithTheManagerSoRecoveryKnowsThemBeforeAnyUse() {
        Properties p = configuration();
        // nothing listens on port 1: the pool starts anyway (the adapter only logs), and recovery reports it
        p.setProperty("lockstep.cdi.datasource.cdi8-down.url", "jdbc:postgresql://127.0.0.1:1/test");
        p.setProperty("lockstep.cdi.datasource.cdi8-down.user", "nobody");
        try (WeldContainer container = weld(p).initialize()) {
            RecoveryReport report = container.select(LockstepTransactionManager.class).get().recoverNow();
            assertThat(report.failedSources()).extracting(RecoveryReport.Item::source).containsExactly("cdi8-down");
        }
    }

    @Test
    void dataSourceThatCannotStartFailsTheContainerAndClosesTheManager(@TempDir Path logDirectory) {
        Properties p = configuration();
        // PostgreSQL answers, but the database does not exist: a configuration error, not an outage
        p.setProperty("lockstep.cdi.datasource.cdi8-orders.url",
                Databases.PG_URL.replaceFirst("/[^/?]*(\\?|$)", "/cdi8_no_such_db$1"));
        Weld weld = WeldInitiator.createWeld().addExtension(new LockstepExtension(p,
                b -> b.nodeId("cdi-datasources").logDirectory(logDirectory)));

        assertThatThrownBy(() -> weld.initialize().close()).hasStackTraceContaining("data source cdi8-orders")
                .hasStackTraceContaining("cdi8_no_such_db");
        // the failed start closed its manager: the log directory is free for another one
        Lockstep.builder().nodeId("cdi-datasources").logDirectory(logDirectory).build().close();
    }

    @Test
    void invalidDataSourceKeyFailsTheDeployment() {
        Properties p = configuration();
        p.setProperty("lockstep.cdi.datasource.cdi8-orders.maxsize", "4");
        assertThatThrownBy(() -> weld(p).initialize().close()).isInstanceOf(DefinitionException.class)
                .hasStackTraceContaining("unknown configuration key lockstep.cdi.datasource.cdi8-orders.maxsize");
    }
}
