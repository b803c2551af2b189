package io.lockstep.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.testing.LockstepTestBase;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.nio.file.Path;
import java.time.Duration;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input gets a precise exception and changes nothing (issue 3, item 9). */
class BadInputTest extends LockstepTestBase {

    @Test
    @DisplayName("null resource or synchronization → NullPointerException; the transaction stays ACTIVE with no branch")
    void nullArgumentsAreRefused() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        assertThatThrownBy(() -> tx.enlistResource(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> tx.delistResource(null, XAResource.TMSUCCESS)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> tx.registerSynchronization(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> tm.registerInterposedSynchronization(null)).isInstanceOf(NullPointerException.class);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
        assertThat(calls.entries()).isEmpty();
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("resume of another manager's transaction → InvalidTransactionException, thread stays unassociated")
    void foreignTransactionFromAnotherManagerIsRefused() throws Exception {
        try (LockstepTransactionManager other = Lockstep.builder().nodeId("n2").transactionLog(new InMemoryLog())
                .build()) {
            other.begin();
            Transaction foreign = other.suspend();
            assertThatThrownBy(() -> tm.resume(foreign)).isInstanceOf(InvalidTransactionException.class);
            assertThat(tm.getTransaction()).isNull();
            assertThat(foreign.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
            foreign.rollback();
        }
    }

    @Test
    @DisplayName("resume of a foreign Transaction implementation → InvalidTransactionException")
    void foreignTransactionImplementationIsRefused() {
        Transaction foreign = new Transaction() {
            @Override
            public void commit() {
            }

            @Override
            public boolean delistResource(XAResource xaRes, int flag) {
                return false;
            }

            @Override
            public boolean enlistResource(XAResource xaRes) {
                return false;
            }

            @Override
            public int getStatus() {
                return Status.STATUS_ACTIVE;
            }

            @Override
            public void registerSynchronization(Synchronization sync) {
            }

            @Override
            public void rollback() {
            }

            @Override
            public void setRollbackOnly() {
            }
        };
        assertThatThrownBy(() -> tm.resume(foreign)).isInstanceOf(InvalidTransactionException.class);
        assertThat(tm.getTransaction()).isNull();
    }

    @ParameterizedTest(name = "nodeId \"{0}\" → IllegalArgumentException naming lockstep.nodeId")
    @ValueSource(strings = {"", "abcdefghijklmnopqrstuvwxy", "node 1", "nöde", "a/b"})
    void invalidNodeIdIsRefused(String nodeId) {
        assertThatThrownBy(() -> Lockstep.builder().nodeId(nodeId))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockstep.nodeId")
                .hasMessageContaining("\"" + nodeId + "\"");
    }

    @Test
    @DisplayName("a nodeId of exactly 24 bytes is accepted")
    void nodeIdOfTwentyFourBytesIsAccepted() {
        try (LockstepTransactionManager ok = Lockstep.builder().nodeId("abcdefghijklmnopqrstuvwx")
                .transactionLog(new InMemoryLog()).build()) {
            assertThat(ok.config().nodeId()).isEqualTo("abcdefghijklmnopqrstuvwx");
        }
    }

    @Test
    @DisplayName("null nodeId → IllegalArgumentException naming lockstep.nodeId")
    void nullNodeIdIsRefused() {
        assertThatThrownBy(() -> Lockstep.builder().nodeId(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockstep.nodeId");
    }

    @ParameterizedTest(name = "defaultTimeout of {0} s → IllegalArgumentException naming lockstep.defaultTimeout")
    @ValueSource(longs = {0, -1, -60})
    void nonPositiveDefaultTimeoutIsRefused(long seconds) {
        assertThatThrownBy(() -> Lockstep.builder().defaultTimeout(Duration.ofSeconds(seconds)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockstep.defaultTimeout");
    }

    @Test
    @DisplayName("non-positive recovery and orphan intervals → IllegalArgumentException naming the key")
    void nonPositiveIntervalsAreRefused() {
        assertThatThrownBy(() -> Lockstep.builder().recoveryInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockstep.recoveryInterval");
        assertThatThrownBy(() -> Lockstep.builder().orphanSafetyInterval(Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockstep.orphanSafetyInterval");
    }

    @Test
    @DisplayName("a bad property value is refused with the key and the value")
    void badPropertyValueIsRefused() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("lockstep.defaultTimeout", "0");
        assertThatThrownBy(() -> Lockstep.builder().properties(p))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockstep.defaultTimeout");
        java.util.Properties unknown = new java.util.Properties();
        unknown.setProperty("lockstep.nodeid", "x");
        assertThatThrownBy(() -> Lockstep.builder().properties(unknown))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockstep.nodeid")
                .hasMessageContaining("lockstep.nodeId");
    }

    @Test
    @DisplayName("a second manager on a log directory in use is refused with the directory and the holder")
    void twoManagersOnOneLogDirectoryAreRefused(@TempDir Path dir) {
        try (LockstepTransactionManager first = Lockstep.builder().nodeId("d1").logDirectory(dir).build()) {
            assertThatThrownBy(() -> Lockstep.builder().nodeId("d2").logDirectory(dir).build().close())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir.toAbsolutePath().toString())
                    .hasMessageContaining("in use by pid " + ProcessHandle.current().pid());
            assertThat(first.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        }
    }
}
