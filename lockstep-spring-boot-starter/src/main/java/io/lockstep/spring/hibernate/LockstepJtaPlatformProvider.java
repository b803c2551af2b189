package io.lockstep.spring.hibernate;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import java.util.List;
import java.util.stream.Collectors;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatformProvider;

/**
 * Lets Hibernate find Lockstep by itself (listed in {@code META-INF/services}), so a persistence unit needs no
 * {@code hibernate.transaction.jta.platform} setting. Hibernate asks when it builds an entity manager factory that
 * has no platform set:
 * <ul>
 *   <li>no Lockstep manager running: no answer ({@code null}), Hibernate goes on with its own detection;</li>
 *   <li>exactly one: a {@link LockstepJtaPlatform} for it;</li>
 *   <li>several: refused, since picking one could join the wrong manager's transactions; set the platform
 *       explicitly.</li>
 * </ul>
 * The manager must therefore be started before the entity manager factory is built (Spring does so when the
 * factory depends on the transaction manager or on a Lockstep data source).
 */
public final class LockstepJtaPlatformProvider implements JtaPlatformProvider {

    @Override
    public JtaPlatform getProvidedJtaPlatform() {
        List<LockstepTransactionManager> running = Lockstep.running();
        if (running.isEmpty()) {
            return null;
        }
        if (running.size() > 1) {
            throw new IllegalStateException(running.size() + " Lockstep transaction managers are running ("
                    + running.stream().map(tm -> tm.config().nodeId()).collect(Collectors.joining(", "))
                    + "), so Hibernate cannot tell which one a persistence unit belongs to; set"
                    + " hibernate.transaction.jta.platform to new io.lockstep.spring.hibernate.LockstepJtaPlatform(tm)"
                    + " for each persistence unit, or close the managers no longer needed");
        }
        return new LockstepJtaPlatform(running.get(0));
    }
}
