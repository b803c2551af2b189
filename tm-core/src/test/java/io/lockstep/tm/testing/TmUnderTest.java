package io.lockstep.tm.testing;

import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import javax.transaction.xa.XAResource;

/**
 * One transaction manager as the differential tests drive it: how to get its JTA faces, how to enlist a resource
 * with a vendor behaviour, and how to leave it clean for the next scenario.
 */
public interface TmUnderTest extends AutoCloseable {

    /** Short name for messages: {@code lockstep} or {@code narayana}. */
    String name();

    TransactionManager tm();

    TransactionSynchronizationRegistry tsr();

    /** The resource as this manager should see it; Lockstep wraps it with a name, Narayana takes it as is. */
    XAResource enlistable(RecordingXAResource resource);

    /** Leaves the calling thread without a transaction and resets the per-thread timeout. */
    void reset() throws Exception;

    @Override
    void close();
}
