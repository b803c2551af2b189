package io.lockstep.tm.testing;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.arjuna.objectstore.VolatileStore;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.transaction.xa.XAResource;

/**
 * Narayana 7.3.3 (test scope) as the reference: a volatile object store in a temporary directory, recovery not
 * started. Narayana keeps its manager in static singletons, so it is configured once per JVM, before its first
 * use; {@link #close()} only clears the calling thread.
 */
public final class NarayanaUnderTest implements TmUnderTest {
    private static TransactionManager tm;
    private static TransactionSynchronizationRegistry tsr;

    public NarayanaUnderTest() {
        configureOnce();
    }

    private static synchronized void configureOnce() {
        if (tm != null) {
            return;
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("narayana-store");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String store : new String[] {null, "communicationStore", "stateStore"}) {
            ObjectStoreEnvironmentBean bean = store == null
                    ? BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
                    : BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, store);
            bean.setObjectStoreType(VolatileStore.class.getName());
            bean.setObjectStoreDir(dir.toString());
        }
        CoreEnvironmentBean core = arjPropertyManager.getCoreEnvironmentBean();
        try {
            core.setNodeIdentifier("narayana-diff");
        } catch (Exception e) {
            throw new IllegalStateException("cannot set Narayana's node identifier", e);
        }
        tm = com.arjuna.ats.jta.TransactionManager.transactionManager();
        tsr = new com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple();
    }

    @Override
    public String name() {
        return "narayana";
    }

    @Override
    public TransactionManager tm() {
        return tm;
    }

    @Override
    public TransactionSynchronizationRegistry tsr() {
        return tsr;
    }

    @Override
    public XAResource enlistable(RecordingXAResource resource) {
        return resource;
    }

    @Override
    public void reset() throws Exception {
        if (tm.getTransaction() != null) {
            if (tm.getStatus() == Status.STATUS_ACTIVE || tm.getStatus() == Status.STATUS_MARKED_ROLLBACK) {
                tm.rollback();
            } else {
                tm.suspend();
            }
        }
        tm.setTransactionTimeout(0);
    }

    @Override
    public void close() {
        try {
            reset();
        } catch (Exception e) {
            throw new IllegalStateException("cannot clear Narayana's thread association", e);
        }
    }
}
