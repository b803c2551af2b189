package io.lockstep.cdi;

import io.lockstep.tm.log.InMemoryLog;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.junit5.WeldInitiator;

/** Weld SE containers for the tests: no discovery, the Lockstep extension on an in-memory log, the given beans. */
final class TestContainers {

    private TestContainers() {
    }

    static Weld weld(Class<?>... beanClasses) {
        return WeldInitiator.createWeld()
                .addExtension(new LockstepExtension(b -> b.nodeId("cdi-test").transactionLog(new InMemoryLog())))
                .addBeanClasses(beanClasses);
    }
}
