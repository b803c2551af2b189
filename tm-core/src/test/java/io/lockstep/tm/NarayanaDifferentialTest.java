package io.lockstep.tm;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.testing.CallLog;
import io.lockstep.tm.testing.LockstepUnderTest;
import io.lockstep.tm.testing.NarayanaUnderTest;
import io.lockstep.tm.testing.RecordingXAResource;
import io.lockstep.tm.testing.TmUnderTest;
import io.lockstep.tm.testing.XACall;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential tests: each scenario runs the same script against Lockstep and against Narayana 7.3.3 and both must
 * end with the same transaction status, the same exception type and the same XA call sequence (Xids normalised by
 * {@link CallLog}). Where Lockstep deliberately differs, the scenario states the exact difference and
 * {@code docs/differences.md} gives the reason.
 */
class NarayanaDifferentialTest {

    private static NarayanaUnderTest narayana;

    @BeforeAll
    static void startNarayana() {
        narayana = new NarayanaUnderTest();
    }

    @AfterAll
    static void clearNarayana() {
        narayana.close();
    }

    /**
     * What a script observed: the transaction's final status, the exception thrown, the XA calls and events in
     * order. Compared as what each resource saw, in order (the sequence an RM can observe), plus the global order of
     * the decisive calls (prepare, commit, rollback, forget) and of synchronization events: one RM cannot see when
     * another RM's branch was ended, so that interleaving is not part of the contract.
     */
    record Outcome(int status, String exception, List<String> calls) {

        Outcome withCalls(UnaryOperator<List<String>> change) {
            return new Outcome(status, exception, change.apply(calls));
        }

        Outcome withStatus(int newStatus) {
            return new Outcome(newStatus, exception, calls);
        }

        Outcome withException(String newException) {
            return new Outcome(status, newException, calls);
        }

        java.util.Map<String, List<String>> perResource() {
            java.util.Map<String, List<String>> byRm = new java.util.TreeMap<>();
            for (String c : calls) {
                if (c.startsWith("rm")) {
                    byRm.computeIfAbsent(c.substring(0, c.indexOf('.')), k -> new ArrayList<>()).add(c);
                }
            }
            return byRm;
        }

        List<String> decisive() {
            return calls.stream().filter(c -> !c.contains(".start(") && !c.contains(".end(")).toList();
        }
    }

    /** A scenario body; returns the transaction whose final status is compared (null when there is none). */
    @FunctionalInterface
    interface Script {
        Transaction run(TmUnderTest t, Rm rm) throws Exception;
    }

    /** Makes recording resources for one run, all writing into the run's call log. */
    static final class Rm {
        final CallLog calls = new CallLog();

        RecordingXAResource of(String name) {
            return new RecordingXAResource(name, calls);
        }

        RecordingXAResource of(String name, String rmId) {
            return new RecordingXAResource(name, rmId, calls);
        }

        Synchronization sync(String name) {
            return new Synchronization() {
                @Override
                public void beforeCompletion() {
                    calls.event(name + ".before");
                }

                @Override
                public void afterCompletion(int status) {
                    calls.event(name + ".after(" + status + ")");
                }
            };
        }
    }

    /**
     * A scenario and, when Lockstep deliberately differs, how Narayana's calls map onto Lockstep's (applied to
     * Narayana's outcome before the comparison, so the difference is asserted exactly, not ignored).
     */
    record Scenario(Script script, UnaryOperator<Outcome> narayanaToLockstep) {
    }

    static Outcome run(TmUnderTest t, Script script) throws Exception {
        Rm rm = new Rm();
        Transaction tx = null;
        String exception = "none";
        try {
            tx = script.run(t, rm);
        } catch (ScriptFailure f) {
            tx = f.tx;
            exception = f.getCause().getClass().getSimpleName();
        } finally {
            t.reset();
        }
        int status = tx == null ? -1 : tx.getStatus();
        List<String> calls = rm.calls.entries().stream().filter(e -> !e.startsWith("log.")).toList();
        return new Outcome(status, exception, calls);
    }

    /** Carries the exception thrown by the completion call under test, with the transaction it concerned. */
    static final class ScriptFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Transaction tx;

        ScriptFailure(Transaction tx, Throwable cause) {
            super(cause);
            this.tx = tx;
        }
    }

    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** Runs the call under test; its exception becomes the scenario's observed exception. */
    static Transaction expectOutcome(Transaction tx, Call call) throws ScriptFailure {
        try {
            call.run();
        } catch (Exception e) {
            throw new ScriptFailure(tx, e);
        }
        return tx;
    }

    static Transaction begin(TmUnderTest t) throws Exception {
        t.tm().begin();
        return t.tm().getTransaction();
    }

    static Transaction commitWith(TmUnderTest t, Rm rm, RecordingXAResource... resources) throws Exception {
        Transaction tx = begin(t);
        for (RecordingXAResource r : resources) {
            tx.enlistResource(t.enlistable(r));
        }
        return expectOutcome(tx, t.tm()::commit);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void lockstepAndNarayanaAgree(Scenario scenario) throws Exception {
        Outcome reference;
        reference = run(narayana, scenario.script());
        Outcome ours;
        try (LockstepUnderTest lockstep = new LockstepUnderTest(new CallLog())) {
            ours = run(lockstep, scenario.script());
        }
        Outcome expected = scenario.narayanaToLockstep() == null ? reference
                : scenario.narayanaToLockstep().apply(reference);
        String both = "%nlockstep: " + ours + "%nnarayana: " + reference + "%nexpected: " + expected;
        assertThat(ours.exception()).as("exception type" + both).isEqualTo(expected.exception());
        assertThat(ours.status()).as("final status" + both).isEqualTo(expected.status());
        assertThat(ours.perResource()).as("calls per resource" + both).isEqualTo(expected.perResource());
        assertThat(ours.decisive()).as("decisive calls and events in order" + both)
                .containsExactlyElementsOf(expected.decisive());
    }

    /** Narayana's calls with {@code from} replaced by {@code to} (zero or more lines). */
    static UnaryOperator<Outcome> replace(String from, String... to) {
        return o -> o.withCalls(calls -> {
            assertThat(calls).as("Narayana no longer calls %s: re-check docs/differences.md", from).contains(from);
            List<String> out = new ArrayList<>();
            for (String c : calls) {
                if (c.equals(from)) {
                    out.addAll(List.of(to));
                } else {
                    out.add(c);
                }
            }
            return out;
        });
    }

    /** Difference A: Narayana ends a branch it is about to roll back with TMFAIL, Lockstep with TMSUCCESS. */
    static Outcome endTmSuccessBeforeRollback(Outcome narayanaOutcome) {
        assertThat(narayanaOutcome.calls()).as("Narayana no longer ends with TMFAIL before rollback")
                .anyMatch(c -> c.endsWith(", TMFAIL)"));
        return narayanaOutcome.withCalls(calls -> calls.stream()
                .map(c -> c.endsWith(", TMFAIL)") ? c.replace(", TMFAIL)", ", TMSUCCESS)") : c).toList());
    }

    @SafeVarargs
    static UnaryOperator<Outcome> all(UnaryOperator<Outcome>... steps) {
        return o -> {
            Outcome r = o;
            for (UnaryOperator<Outcome> step : steps) {
                r = step.apply(r);
            }
            return r;
        };
    }

    private static Arguments scenario(String name, Script script) {
        return Arguments.of(Named.of(name, new Scenario(script, null)));
    }

    private static Arguments differs(String name, Script script, UnaryOperator<Outcome> narayanaToLockstep) {
        return Arguments.of(Named.of(name + " (deliberate difference, docs/differences.md)",
                new Scenario(script, narayanaToLockstep)));
    }

    static Stream<Arguments> scenarios() {
        List<Arguments> all = new ArrayList<>();
        all.add(scenario("commit with no branches", (t, rm) -> commitWith(t, rm)));
        all.add(scenario("rollback with no branches", (t, rm) -> {
            Transaction tx = begin(t);
            return expectOutcome(tx, t.tm()::rollback);
        }));
        all.add(scenario("one branch commits in one phase", (t, rm) -> commitWith(t, rm, rm.of("rm1"))));
        all.add(differs("one branch rolled back", (t, rm) -> {
            Transaction tx = begin(t);
            tx.enlistResource(t.enlistable(rm.of("rm1")));
            return expectOutcome(tx, t.tm()::rollback);
        },
                NarayanaDifferentialTest::endTmSuccessBeforeRollback));
        all.add(scenario("two branches commit in two phases",
                (t, rm) -> commitWith(t, rm, rm.of("rm1"), rm.of("rm2"))));
        all.add(scenario("three branches commit in two phases",
                (t, rm) -> commitWith(t, rm, rm.of("rm1"), rm.of("rm2"), rm.of("rm3"))));
        all.add(differs("two branches rolled back", (t, rm) -> {
            Transaction tx = begin(t);
            tx.enlistResource(t.enlistable(rm.of("rm1")));
            tx.enlistResource(t.enlistable(rm.of("rm2")));
            return expectOutcome(tx, t.tm()::rollback);
        },
                NarayanaDifferentialTest::endTmSuccessBeforeRollback));
        all.add(differs("read-only vote drops out of phase 2",
                (t, rm) -> commitWith(t, rm, rm.of("rm1").voteReadOnly(), rm.of("rm2")),
                replace("rm2.commit(tx1.b2, onePhase)", "rm2.prepare(tx1.b2)", "rm2.commit(tx1.b2)")));
        all.add(differs("all branches read-only",
                (t, rm) -> commitWith(t, rm, rm.of("rm1").voteReadOnly(), rm.of("rm2").voteReadOnly()),
                replace("rm2.commit(tx1.b2, onePhase)", "rm2.prepare(tx1.b2)")));
        all.add(differs("commit of a rollback-only transaction", (t, rm) -> {
            Transaction tx = begin(t);
            tx.enlistResource(t.enlistable(rm.of("rm1")));
            tx.enlistResource(t.enlistable(rm.of("rm2")));
            t.tm().setRollbackOnly();
            return expectOutcome(tx, t.tm()::commit);
        },
                NarayanaDifferentialTest::endTmSuccessBeforeRollback));
        for (int code : new int[] {XAException.XA_RBROLLBACK, XAException.XA_RBTIMEOUT, XAException.XAER_RMERR}) {
            all.add(differs("prepare fails with " + code, (t, rm) -> commitWith(t, rm,
                    rm.of("rm1"), rm.of("rm2").failOn(XACall.PREPARE, code), rm.of("rm3")),
                    NarayanaDifferentialTest::endTmSuccessBeforeRollback));
        }
        all.add(scenario("one-phase commit fails with XA_RBROLLBACK", (t, rm) -> commitWith(t, rm,
                rm.of("rm1").failOn(XACall.COMMIT, XAException.XA_RBROLLBACK))));
        all.add(differs("phase-2 commit answers XA_HEURCOM", (t, rm) -> commitWith(t, rm,
                rm.of("rm1"), rm.of("rm2").failOn(XACall.COMMIT, XAException.XA_HEURCOM)),
                replace("rm2.commit(tx1.b2)", "rm2.commit(tx1.b2)", "rm2.forget(tx1.b2)")));
        all.add(differs("phase-2 commit answers XA_HEURRB on every branch", (t, rm) -> commitWith(t, rm,
                rm.of("rm1").failOn(XACall.COMMIT, XAException.XA_HEURRB),
                rm.of("rm2").failOn(XACall.COMMIT, XAException.XA_HEURRB)),
                all(replace("rm2.rollback(tx1.b2)"), replace("rm1.forget(tx1.b1)"),
                        replace("rm1.commit(tx1.b1)", "rm1.commit(tx1.b1)", "rm1.forget(tx1.b1)", "rm2.commit(tx1.b2)",
                                "rm2.forget(tx1.b2)"),
                        o -> o.withException("HeuristicRollbackException").withStatus(Status.STATUS_ROLLEDBACK))));
        all.add(differs("phase-2 commit answers XA_HEURRB on one of two", (t, rm) -> commitWith(t, rm,
                rm.of("rm1"), rm.of("rm2").failOn(XACall.COMMIT, XAException.XA_HEURRB)),
                all(replace("rm2.commit(tx1.b2)", "rm2.commit(tx1.b2)", "rm2.forget(tx1.b2)"),
                        o -> o.withStatus(Status.STATUS_UNKNOWN))));
        all.add(differs("phase-2 commit answers XA_HEURMIX", (t, rm) -> commitWith(t, rm,
                rm.of("rm1"), rm.of("rm2").failOn(XACall.COMMIT, XAException.XA_HEURMIX)),
                all(replace("rm2.commit(tx1.b2)", "rm2.commit(tx1.b2)", "rm2.forget(tx1.b2)"),
                        o -> o.withStatus(Status.STATUS_UNKNOWN))));
        all.add(differs("phase-2 commit answers XA_HEURHAZ", (t, rm) -> commitWith(t, rm,
                rm.of("rm1"), rm.of("rm2").failOn(XACall.COMMIT, XAException.XA_HEURHAZ)),
                all(replace("rm2.commit(tx1.b2)", "rm2.commit(tx1.b2)", "rm2.forget(tx1.b2)"),
                        o -> o.withStatus(Status.STATUS_UNKNOWN))));
        all.add(scenario("phase-2 commit answers XAER_RMFAIL once", (t, rm) -> commitWith(t, rm,
                rm.of("rm1"), rm.of("rm2").failOnceOn(XACall.COMMIT, XAException.XAER_RMFAIL))));
        all.add(scenario("phase-2 commit answers XA_RETRY once", (t, rm) -> commitWith(t, rm,
                rm.of("rm1"), rm.of("rm2").failOnceOn(XACall.COMMIT, XAException.XA_RETRY))));
        all.add(scenario("same RM joins the first branch with TMJOIN", (t, rm) -> commitWith(t, rm,
                rm.of("rmA", "db"), rm.of("rmB", "db"))));
        all.add(scenario("delist TMSUCCESS then commit", (t, rm) -> {
            Transaction tx = begin(t);
            XAResource r = t.enlistable(rm.of("rm1"));
            tx.enlistResource(r);
            tx.enlistResource(t.enlistable(rm.of("rm2")));
            tx.delistResource(r, XAResource.TMSUCCESS);
            return expectOutcome(tx, t.tm()::commit);
        }));
        all.add(differs("delist TMFAIL then commit", (t, rm) -> {
            Transaction tx = begin(t);
            XAResource r = t.enlistable(rm.of("rm1"));
            tx.enlistResource(r);
            tx.delistResource(r, XAResource.TMFAIL);
            return expectOutcome(tx, t.tm()::commit);
        },
                all(replace("rm1.commit(tx1.b1, onePhase)", "rm1.rollback(tx1.b1)"),
                        o -> o.withException("RollbackException").withStatus(Status.STATUS_ROLLEDBACK))));
        all.add(scenario("delist TMSUSPEND then enlist again", (t, rm) -> {
            Transaction tx = begin(t);
            XAResource r = t.enlistable(rm.of("rm1"));
            tx.enlistResource(r);
            tx.delistResource(r, XAResource.TMSUSPEND);
            tx.enlistResource(r);
            return expectOutcome(tx, t.tm()::commit);
        }));
        all.add(differs("suspend and resume around a second transaction", (t, rm) -> {
            Transaction tx = begin(t);
            tx.enlistResource(t.enlistable(rm.of("rm1")));
            Transaction suspended = t.tm().suspend();
            t.tm().begin();
            t.tm().getTransaction().enlistResource(t.enlistable(rm.of("rm2")));
            t.tm().commit();
            t.tm().resume(suspended);
            return expectOutcome(tx, t.tm()::commit);
        },
                all(
                        replace("rm1.start(tx1.b1, TMNOFLAGS)", "rm1.start(tx1.b1, TMNOFLAGS)", "rm1.end(tx1.b1, TMSUSPEND)"),
                        replace("rm1.end(tx1.b1, TMSUCCESS)", "rm1.start(tx1.b1, TMRESUME)", "rm1.end(tx1.b1, TMSUCCESS)"))));
        all.add(differs("beforeCompletion throws", (t, rm) -> {
            Transaction tx = begin(t);
            tx.enlistResource(t.enlistable(rm.of("rm1")));
            tx.enlistResource(t.enlistable(rm.of("rm2")));
            tx.registerSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    throw new IllegalStateException("flush failed");
                }

                @Override
                public void afterCompletion(int status) {
                    rm.calls.event("thrower.after(" + status + ")");
                }
            });
            return expectOutcome(tx, t.tm()::commit);
        },
                NarayanaDifferentialTest::endTmSuccessBeforeRollback));
        all.add(scenario("synchronization order: regular then interposed, after in reverse groups", (t, rm) -> {
            Transaction tx = begin(t);
            tx.enlistResource(t.enlistable(rm.of("rm1")));
            t.tsr().registerInterposedSynchronization(rm.sync("interposed"));
            tx.registerSynchronization(rm.sync("regular"));
            return expectOutcome(tx, t.tm()::commit);
        }));
        all.add(scenario("nested begin", (t, rm) -> {
            Transaction tx = begin(t);
            return expectOutcome(tx, t.tm()::begin);
        }));
        all.add(scenario("commit with no transaction", (t, rm) -> expectOutcome(null, t.tm()::commit)));
        all.add(scenario("rollback with no transaction", (t, rm) -> expectOutcome(null, t.tm()::rollback)));
        all.add(differs("resume of a committed transaction", (t, rm) -> {
            Transaction tx = begin(t);
            t.tm().commit();
            return expectOutcome(tx, () -> t.tm().resume(tx));
        },
                o -> o.withException("InvalidTransactionException")));
        all.add(scenario("resume while associated", (t, rm) -> {
            Transaction first = begin(t);
            t.tm().suspend();
            Transaction second = begin(t);
            try {
                return expectOutcome(second, () -> t.tm().resume(first));
            } finally {
                t.tm().rollback();
                t.tm().resume(first);
                t.tm().rollback();
            }
        }));
        all.add(scenario("enlist on a rollback-only transaction", (t, rm) -> {
            Transaction tx = begin(t);
            t.tm().setRollbackOnly();
            return expectOutcome(tx, () -> tx.enlistResource(t.enlistable(rm.of("rm1"))));
        }));
        all.add(scenario("enlist from afterCompletion", (t, rm) -> {
            Transaction tx = begin(t);
            tx.registerSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int status) {
                    try {
                        tx.enlistResource(t.enlistable(rm.of("late")));
                        rm.calls.event("late enlist accepted");
                    } catch (Exception e) {
                        rm.calls.event("late enlist refused: " + e.getClass().getSimpleName());
                    }
                }
            });
            return expectOutcome(tx, t.tm()::commit);
        }));
        all.add(scenario("register a regular synchronization from interposed beforeCompletion", (t, rm) -> {
            Transaction tx = begin(t);
            t.tsr().registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    try {
                        tx.registerSynchronization(rm.sync("late"));
                        rm.calls.event("late registration accepted");
                    } catch (Exception e) {
                        rm.calls.event("late registration refused: " + e.getClass().getSimpleName());
                    }
                }

                @Override
                public void afterCompletion(int status) {
                }
            });
            return expectOutcome(tx, t.tm()::commit);
        }));
        all.add(differs("rollback answers XAER_RMERR", (t, rm) -> {
            Transaction tx = begin(t);
            tx.enlistResource(t.enlistable(rm.of("rm1").failOn(XACall.ROLLBACK, XAException.XAER_RMERR)));
            return expectOutcome(tx, t.tm()::rollback);
        },
                NarayanaDifferentialTest::endTmSuccessBeforeRollback));
        all.add(scenario("timeout: the reaper rolls back before the owner commits", (t, rm) -> {
            t.tm().setTransactionTimeout(1);
            Transaction tx = begin(t);
            tx.enlistResource(t.enlistable(rm.of("rm1")));
            tx.enlistResource(t.enlistable(rm.of("rm2")));
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> rm.calls.entriesOf("rm2.rollback").size() == 1);
            rm.calls.event("status before commit: " + tx.getStatus());
            return expectOutcome(tx, t.tm()::commit);
        }));
        return all.stream();
    }

}
