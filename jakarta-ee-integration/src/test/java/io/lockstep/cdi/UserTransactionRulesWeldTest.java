package io.lockstep.cdi;

import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;

/** {@link UserTransactionRulesContract} on Weld SE (weld-junit5): a new container per test, in-memory log. */
@EnableWeld
class UserTransactionRulesWeldTest extends UserTransactionRulesContract {

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(TestContainers.weld(BEANS)).build();
}
