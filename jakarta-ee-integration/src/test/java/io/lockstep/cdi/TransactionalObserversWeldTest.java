package io.lockstep.cdi;

import static jakarta.enterprise.event.TransactionPhase.AFTER_SUCCESS;
import static jakarta.enterprise.event.TransactionPhase.IN_PROGRESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.cdi.PhaseObservers.Placed;
import jakarta.transaction.TransactionManager;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.Test;

/**
 * {@link TransactionalObserversContract} on Weld SE (weld-junit5): a new container per test, in-memory log; plus
 * what only a second container in the same JVM can show.
 */
@EnableWeld
class TransactionalObserversWeldTest extends TransactionalObserversContract {

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(TestContainers.weld(BEANS)).build();

    @Test
    void eachContainerDefersToItsOwnManagerOnly() throws Exception {
        journal.clear();
        try (WeldContainer other = TestContainers.weld(BEANS).containerId("lockstep-other").initialize()) {
            TransactionManager otherTm = other.select(TransactionManager.class).get();
            PhaseObservers.Journal otherJournal = other.select(PhaseObservers.Journal.class).get();
            otherTm.begin();
            try {
                placed.fire(new Placed("here"));
                other.getBeanManager().getEvent().select(Placed.class).fire(new Placed("there"));

                assertThat(journal.phases("here")).as("this container's manager has no transaction: at once")
                        .hasSize(5);
                assertThat(otherJournal.phases("there")).as("the other container's transaction defers")
                        .containsExactly(IN_PROGRESS);
            } finally {
                otherTm.commit();
            }
            assertThat(otherJournal.phases("there")).contains(AFTER_SUCCESS);
        }
    }
}
