package io.lockstep.cdi;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TransactionalExceptionRulesContract} under Arquillian (embedded Weld), extension from the archive. */
@ExtendWith(ArquillianExtension.class)
class TransactionalExceptionRulesArquillianTest extends TransactionalExceptionRulesContract {

    @Deployment
    static JavaArchive deployment() {
        return ArquillianDeployments.of(BEANS);
    }
}
