package io.lockstep.cdi;

import jakarta.enterprise.inject.spi.Extension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.spec.JavaArchive;

/**
 * Deployments for the Arquillian runs: the given beans, the test helpers, an (annotated-mode) {@code beans.xml} and
 * {@link LockstepExtension} as a service provider of the archive, as an application jar would carry it. The
 * extension then reads {@code lockstep.properties} from the test class path.
 */
final class ArquillianDeployments {

    private ArquillianDeployments() {
    }

    static JavaArchive of(Class<?>... beans) {
        return ShrinkWrap.create(JavaArchive.class, "lockstep-cdi-test.jar")
                .addClasses(beans)
                .addClasses(TxBeans.class, ScopedBeans.class, OutcomeRecorder.class)
                .addAsServiceProvider(Extension.class, LockstepExtension.class)
                .addAsManifestResource(EmptyAsset.INSTANCE, "beans.xml");
    }
}
