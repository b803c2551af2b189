package io.lockstep.tm.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.HeuristicOutcome;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.testing.LockstepTestBase;
import io.lockstep.tm.testing.RecordingXAResource;
import io.lockstep.tm.testing.XACall;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Phase-2 errors (XA spec §6 commit/rollback return codes) and heuristic outcomes (JTA 2.0 §3.3.5). */
class PhaseTwoErrorTest extends LockstepTestBase {

    private RecordingXAResource rm2;

    private Transaction twoBranches(XACall call, int code) throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        rm2 = resource("rm2").failOn(call, code);
        tx.enlistResource(rm2);
        return tx;
    }

    @ParameterizedTest(name = "commit failing with {0} (-7 RMFAIL, 4 RETRY) is reported as success, branch kept for recovery")
    @ValueSource(ints = {XAException.XAER_RMFAIL, XAException.XA_RETRY})
    void transientPhaseTwoFailureStandsAsCommit(int code) throws Exception {
        Transaction tx = twoBranches(XACall.COMMIT, code);
        tm.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(tm.getTransaction()).isNull();
        assertThat(calls.entriesOf("rm1.commit")).containsExactly("rm1.commit(tx1.b1)");
        assertThat(calls.entriesOf("rm2.commit")).isNotEmpty().allMatch(e -> e.equals("rm2.commit(tx1.b2)"));
        // the COMMIT record stays live (no END) so recovery finishes rm2
        assertThat(records()).hasSize(1).first().isInstanceOf(CommitRecord.class);
        assertThat(log.replay()).hasSize(1);
        assertThat(rm2.inDoubt()).hasSize(1);
    }

    @Test
    @DisplayName("XAER_NOTA when recovery retries a commit that failed with XA_RETRY means done once recover() no"
            + " longer lists the branch: END written by the next pass")
    void notaAfterRetryIsSuccess() throws Exception {
        RecordingXAResource rm1 = resource("rm1");
        RecordingXAResource rm2 = resource("rm2").failOnceOn(XACall.COMMIT, XAException.XA_RETRY);
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(Lockstep.named("a", rm1));
        tx.enlistResource(Lockstep.named("b", rm2));
        tm.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(records()).hasSize(1).first().isInstanceOf(CommitRecord.class);
        rm2.failOnceOn(XACall.COMMIT, XAException.XAER_NOTA);
        tm.registerRecoverable(source("a", rm1));
        tm.registerRecoverable(source("b", rm2));
        assertThat(tm.recoverNow().endedRecords()).as("listed by recover(), so not yet known to be done").isZero();
        assertThat(calls.entriesOf("rm2.commit")).containsExactly("rm2.commit(tx1.b2)", "rm2.commit(tx1.b2)");
        assertThat(records()).hasSize(1);
        assertThat(tm.recoverNow().endedRecords()).isEqualTo(1);
        assertThat(calls.entriesOf("rm2.commit")).as("not listed any more: not called again").hasSize(2);
        assertThat(records()).hasSize(2);
        assertThat(records().get(1)).isInstanceOf(EndRecord.class);
    }

    private static XAResourceSource source(String name, RecordingXAResource xar) {
        return new XAResourceSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public RecoverySession open() {
                return new RecoverySession() {
                    @Override
                    public XAResource xaResource() {
                        return xar;
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }

    @Test
    @DisplayName("XA_HEURCOM on commit is success; the heuristic is recorded and forgotten")
    void heurcomIsSuccessAndForgotten() throws Exception {
        Transaction tx = twoBranches(XACall.COMMIT, XAException.XA_HEURCOM);
        tm.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(xaAndLog()).containsSubsequence(
                "rm1.prepare(tx1.b1)",
                "rm2.prepare(tx1.b2)",
                "log.COMMIT(tx1, forced, 2)",
                "rm1.commit(tx1.b1)",
                "rm2.commit(tx1.b2)",
                "rm2.forget(tx1.b2)",
                "log.END(tx1, unforced)");
        assertThat(calls.entriesOf("rm1.forget")).isEmpty();
    }

    @Test
    @DisplayName("XA_HEURRB on every branch → HeuristicRollbackException, each recorded then forgotten")
    void heurrbOnAllBranchesIsHeuristicRollback() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1").failOn(XACall.COMMIT, XAException.XA_HEURRB));
        tx.enlistResource(resource("rm2").failOn(XACall.COMMIT, XAException.XA_HEURRB));
        assertThatThrownBy(tm::commit).isInstanceOf(HeuristicRollbackException.class);
        assertThat(tm.getTransaction()).isNull();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(xaAndLog()).containsSubsequence(
                "log.COMMIT(tx1, forced, 2)",
                "rm1.commit(tx1.b1)",
                "log.HEURISTIC(tx1, ROLLED_BACK)",
                "rm1.forget(tx1.b1)");
        assertThat(xaAndLog()).containsSubsequence(
                "rm2.commit(tx1.b2)",
                "log.HEURISTIC(tx1, ROLLED_BACK)",
                "rm2.forget(tx1.b2)");
        assertThat(records()).filteredOn(r -> r instanceof HeuristicRecord).hasSize(2);
    }

    @Test
    @DisplayName("XA_HEURRB on one of two branches → HeuristicMixedException, recorded then forgotten")
    void heurrbOnOneBranchIsHeuristicMixed() throws Exception {
        Transaction tx = twoBranches(XACall.COMMIT, XAException.XA_HEURRB);
        assertThatThrownBy(tm::commit).isInstanceOf(HeuristicMixedException.class);
        assertThat(tm.getTransaction()).isNull();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_UNKNOWN);
        assertThat(xaAndLog()).containsSubsequence(
                "log.COMMIT(tx1, forced, 2)",
                "rm1.commit(tx1.b1)",
                "rm2.commit(tx1.b2)",
                "log.HEURISTIC(tx1, ROLLED_BACK)",
                "rm2.forget(tx1.b2)");
        assertThat(records()).filteredOn(r -> r instanceof HeuristicRecord)
                .extracting(r -> ((HeuristicRecord) r).outcome()).containsExactly(HeuristicOutcome.ROLLED_BACK);
    }

    @ParameterizedTest(name = "commit answering {0} (HEURMIX 5, HEURHAZ 8) → HeuristicMixedException, recorded, forgotten")
    @ValueSource(ints = {XAException.XA_HEURMIX, XAException.XA_HEURHAZ})
    void heurmixOrHazIsHeuristicMixed(int code) throws Exception {
        Transaction tx = twoBranches(XACall.COMMIT, code);
        assertThatThrownBy(tm::commit).isInstanceOf(HeuristicMixedException.class);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_UNKNOWN);
        HeuristicOutcome expected = code == XAException.XA_HEURMIX ? HeuristicOutcome.MIXED : HeuristicOutcome.HAZARD;
        assertThat(xaAndLog()).containsSubsequence(
                "rm2.commit(tx1.b2)",
                "log.HEURISTIC(tx1, " + expected + ")",
                "rm2.forget(tx1.b2)");
    }

    @Test
    @DisplayName("one-phase commit answering XA_HEURRB → HeuristicRollbackException and forget")
    void onePhaseHeurrbIsHeuristicRollback() throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(resource("rm1").failOn(XACall.COMMIT, XAException.XA_HEURRB));
        assertThatThrownBy(tm::commit).isInstanceOf(HeuristicRollbackException.class);
        assertThat(calls.entriesOf("rm1.")).endsWith("rm1.commit(tx1.b1, onePhase)", "rm1.forget(tx1.b1)");
    }

    @Test
    @DisplayName("rollback answering XA_HEURCOM during tm.rollback is recorded and forgotten; rollback does not throw heuristics")
    void heurcomOnRollbackIsForgotten() throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(resource("rm1").failOn(XACall.ROLLBACK, XAException.XA_HEURCOM));
        try {
            tm.rollback();
        } catch (jakarta.transaction.SystemException acceptable) {
            // JTA's rollback declares only SystemException for an outcome it could not achieve
        }
        assertThat(tm.getTransaction()).isNull();
        assertThat(calls.entriesOf("rm1.")).endsWith("rm1.rollback(tx1.b1)", "rm1.forget(tx1.b1)");
        assertThat(records()).filteredOn(r -> r instanceof HeuristicRecord).hasSize(1);
    }
}
