package io.lockstep.cdi;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TransactionalObserversContract} under Arquillian (embedded Weld), the extension loaded from the archive. */
@ExtendWith(ArquillianExtension.class)
class TransactionalObserversArquillianTest extends TransactionalObserversContract {

    @Deployment
    static JavaArchive deployment() {
        return ArquillianDeployments.of(BEANS);
    }
}
