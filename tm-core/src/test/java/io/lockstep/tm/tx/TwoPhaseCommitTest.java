package io.lockstep.tm.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.testing.LockstepTestBase;
import io.lockstep.tm.testing.XACall;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import javax.transaction.xa.XAException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Completion: one-phase and two-phase commit, read-only votes, the COMMIT record, prepare failures. */
class TwoPhaseCommitTest extends LockstepTestBase {

    @Test
    @DisplayName("a transaction with zero branches commits with no XA call and no log write")
    void zeroBranchesNoXaCallNoLog() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tm.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(calls.entries()).isEmpty();
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("one branch commits with commit(xid, onePhase=true) and no log write")
    void oneBranchCommitsOnePhaseWithoutLog() throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(resource("rm1"));
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.commit(tx1.b1, onePhase)");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("two prepared branches force exactly one COMMIT record before the first commit, then END")
    void twoPreparedBranchesForceOneCommitRecord() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(Lockstep_named("pg", resource("rm1")));
        tx.enlistResource(Lockstep_named("maria", resource("rm2")));
        tm.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm2.start(tx1.b2, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm2.end(tx1.b2, TMSUCCESS)",
                "rm1.prepare(tx1.b1)",
                "rm2.prepare(tx1.b2)",
                "log.COMMIT(tx1, forced, 2)",
                "rm1.commit(tx1.b1)",
                "rm2.commit(tx1.b2)",
                "log.END(tx1, unforced)");
        assertThat(records()).hasSize(2);
        CommitRecord commit = (CommitRecord) records().get(0);
        assertThat(commit.branches()).extracting(BranchRef::resourceName).containsExactly("pg", "maria");
        assertThat(records().get(1)).isEqualTo(new EndRecord(commit.gtrid()));
    }

    @Test
    @DisplayName("a read-only vote drops out of phase 2; one prepared branch left needs no log")
    void readOnlyBranchDropsOut() throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(resource("rm1").voteReadOnly());
        tm.getTransaction().enlistResource(resource("rm2"));
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm2.start(tx1.b2, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm2.end(tx1.b2, TMSUCCESS)",
                "rm1.prepare(tx1.b1)",
                "rm2.prepare(tx1.b2)",
                "rm2.commit(tx1.b2)");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("all branches read-only: no phase 2 and no log")
    void allReadOnlyNoPhaseTwoNoLog() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1").voteReadOnly());
        tx.enlistResource(resource("rm2").voteReadOnly());
        tm.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm2.start(tx1.b2, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm2.end(tx1.b2, TMSUCCESS)",
                "rm1.prepare(tx1.b1)",
                "rm2.prepare(tx1.b2)");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("three branches, one read-only: the COMMIT record lists only the two prepared branches")
    void commitRecordListsOnlyPreparedBranches() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(Lockstep_named("a", resource("rm1")));
        tx.enlistResource(Lockstep_named("b", resource("rm2").voteReadOnly()));
        tx.enlistResource(Lockstep_named("c", resource("rm3")));
        tm.commit();
        assertThat(calls.entriesOf("log.")).containsExactly("log.COMMIT(tx1, forced, 2)", "log.END(tx1, unforced)");
        assertThat(((CommitRecord) records().get(0)).branches()).extracting(BranchRef::resourceName)
                .containsExactly("a", "c");
        assertThat(calls.entriesOf("rm2.commit")).isEmpty();
    }

    @ParameterizedTest(name = "prepare failing with {0} rolls back every branch and throws RollbackException")
    @ValueSource(ints = {XAException.XA_RBROLLBACK, XAException.XA_RBCOMMFAIL, XAException.XA_RBDEADLOCK,
        XAException.XA_RBINTEGRITY, XAException.XA_RBOTHER, XAException.XA_RBPROTO, XAException.XA_RBTIMEOUT,
        XAException.XA_RBTRANSIENT})
    void prepareRollbackVoteRollsBackAll(int code) throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        tx.enlistResource(resource("rm2").failOn(XACall.PREPARE, code));
        tx.enlistResource(resource("rm3"));
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class)
                .cause().isInstanceOf(XAException.class)
                .satisfies(c -> assertThat(((XAException) c).errorCode).isEqualTo(code));
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(tm.getTransaction()).isNull();
        // a branch that voted XA_RB* has already rolled back (XA spec): it must not be asked again
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm2.start(tx1.b2, TMNOFLAGS)",
                "rm3.start(tx1.b3, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm2.end(tx1.b2, TMSUCCESS)",
                "rm3.end(tx1.b3, TMSUCCESS)",
                "rm1.prepare(tx1.b1)",
                "rm2.prepare(tx1.b2)",
                "rm1.rollback(tx1.b1)",
                "rm3.rollback(tx1.b3)");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("prepare failing with XAER_RMERR rolls back every branch, including the failed one")
    void prepareRmErrRollsBackAll() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        tx.enlistResource(resource("rm2").failOn(XACall.PREPARE, XAException.XAER_RMERR));
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class)
                .cause().isInstanceOf(XAException.class)
                .satisfies(c -> assertThat(((XAException) c).errorCode).isEqualTo(XAException.XAER_RMERR));
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm2.start(tx1.b2, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm2.end(tx1.b2, TMSUCCESS)",
                "rm1.prepare(tx1.b1)",
                "rm2.prepare(tx1.b2)",
                "rm1.rollback(tx1.b1)",
                "rm2.rollback(tx1.b2)");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("a failing one-phase commit with XA_RBROLLBACK throws RollbackException with that cause")
    void onePhaseCommitRollbackVoteThrowsRollback() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1").failOn(XACall.COMMIT, XAException.XA_RBROLLBACK));
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class).cause()
                .isInstanceOf(XAException.class);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(records()).isEmpty();
    }

    private static io.lockstep.tm.NamedXAResource Lockstep_named(String name,
            javax.transaction.xa.XAResource xar) {
        return io.lockstep.tm.Lockstep.named(name, xar);
    }
}
