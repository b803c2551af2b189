package io.lockstep.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.log.InMemoryLog;
import java.net.ServerSocket;
import java.util.Properties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Choosing the log: lockstep.log.type and the JDBC log's keys, validated with messages that name the key. */
class LogTypeConfigTest {
    private static final String PASSWORD = "s3cret-never-printed";

    private static LockstepBuilder from(String... keyValues) {
        Properties p = new Properties();
        p.setProperty("lockstep.nodeId", "jdbclog-cfg");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return Lockstep.builder().properties(p);
    }

    @Test
    @DisplayName("log.type=jdbc without jdbcUrl → IllegalArgumentException naming lockstep.log.jdbcUrl")
    void jdbcTypeNeedsUrl() {
        assertThatThrownBy(() -> from("lockstep.log.type", "jdbc").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockstep.log.type=jdbc requires lockstep.log.jdbcUrl");
    }

    @Test
    @DisplayName("an unknown log type is refused with the valid ones")
    void unknownTypeIsRefused() {
        assertThatThrownBy(() -> from("lockstep.log.type", "redis"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lockstep.log.type \"redis\": must be file or jdbc");
    }

    @Test
    @DisplayName("a URL that is not jdbc: is refused, with any password in it masked")
    void urlMustBeJdbc() {
        assertThatThrownBy(() -> from("lockstep.log.jdbcUrl", "postgresql://db/app?password=" + PASSWORD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockstep.log.jdbcUrl \"postgresql://db/app?password=****\"")
                .hasMessageNotContaining(PASSWORD);
    }

    @ParameterizedTest(name = "table name \"{0}\" is refused")
    @ValueSource(strings = {"", "1abc", "log; DROP TABLE x", "a.b.c", "my-table",
        "a_name_that_is_far_too_long_for_an_index_name_to_be_derived"})
    void tableMustBeAnIdentifier(String table) {
        assertThatThrownBy(() -> from("lockstep.log.jdbcTable", table))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockstep.log.jdbcTable \"" + table + "\": must be an SQL identifier");
    }

    @Test
    @DisplayName("JDBC settings with the file log are refused rather than ignored")
    void jdbcSettingsNeedJdbcType() {
        assertThatThrownBy(() -> from("lockstep.log.jdbcUrl", "jdbc:postgresql://db/app").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockstep.log.type is file; set lockstep.log.type=jdbc");
    }

    @Test
    @DisplayName("log.type=jdbc and transactionLog(...) together are refused")
    void typeAndGivenLogConflict() {
        assertThatThrownBy(() -> from("lockstep.log.type", "jdbc", "lockstep.log.jdbcUrl", "jdbc:postgresql://db/app")
                .transactionLog(new InMemoryLog()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("both choose the log");
    }

    @Test
    @DisplayName("an unreachable log database stops the start with a message naming URL and user, never the password")
    void unreachableDatabaseNeverShowsThePassword() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/test";
        assertThatThrownBy(() -> from("lockstep.log.type", "JDBC", "lockstep.log.jdbcUrl", url,
                "lockstep.log.jdbcUser", "app", "lockstep.log.jdbcPassword", PASSWORD).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot start Lockstep node jdbclog-cfg")
                .hasMessageContaining(url + " as app")
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    @DisplayName("the configuration's toString masks the password, also one given in the URL")
    void toStringMasksPassword() {
        LockstepConfig config = new LockstepConfig("n", java.nio.file.Path.of("x"), java.time.Duration.ofSeconds(1),
                java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), java.util.Set.of("n"), 1 << 20, false,
                -1, "127.0.0.1", null, 4, LogType.JDBC, "jdbc:mariadb://db/app?user=u&password=" + PASSWORD, "u",
                PASSWORD, "lockstep_log");
        assertThat(config.toString()).doesNotContain(PASSWORD).contains("logJdbcPassword=****")
                .contains("logJdbcUrl=jdbc:mariadb://db/app?user=u&password=****");
    }

    @Test
    @DisplayName("the new keys are listed with the valid keys when an unknown one is refused")
    void unknownKeyListsLogKeys() {
        assertThatThrownBy(() -> from("lockstep.log.jdbcURL", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockstep.log.type, lockstep.log.jdbcUrl, lockstep.log.jdbcUser,"
                        + " lockstep.log.jdbcPassword, lockstep.log.jdbcTable");
    }
}
