package io.lockstep.bench;

import com.atomikos.datasource.xa.XATransactionalResource;
import javax.transaction.xa.XAResource;

/**
 * Atomikos refuses to enlist an XAResource of a resource manager nobody registered for recovery; this registers
 * one in-memory resource manager, as a JDBC or JMS pool registers its server.
 */
final class AtomikosResource extends XATransactionalResource {
    private final String rm;

    AtomikosResource(String rm) {
        super(rm);
        this.rm = rm;
    }

    @Override
    protected XAResource refreshXAConnection() {
        return new InMemoryXAResource(rm);
    }
}
