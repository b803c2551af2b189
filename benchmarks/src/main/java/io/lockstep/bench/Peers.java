package io.lockstep.bench;

import com.arjuna.ats.arjuna.common.CoordinatorEnvironmentBean;
import com.arjuna.ats.arjuna.common.CoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.CoreEnvironmentBeanException;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.coordinator.TransactionReaper;
import com.arjuna.ats.arjuna.coordinator.TxControl;
import com.arjuna.ats.arjuna.objectstore.StoreManager;
import com.arjuna.ats.internal.arjuna.objectstore.ShadowNoFileLockStore;
import com.arjuna.ats.internal.arjuna.objectstore.VolatileStore;
import com.arjuna.ats.internal.arjuna.objectstore.hornetq.HornetqJournalEnvironmentBean;
import com.arjuna.ats.internal.arjuna.objectstore.hornetq.HornetqObjectStoreAdaptor;
import com.arjuna.ats.internal.arjuna.objectstore.jdbc.JDBCStore;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import com.atomikos.icatch.config.Configuration;
import com.atomikos.icatch.jta.UserTransactionManager;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.TransactionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * Starts each transaction manager under test in one of its configurations. Every peer keeps static singletons, so
 * a JVM (a JMH fork) runs exactly one configuration; the benchmarks' {@code @Param} values make JMH fork per value.
 *
 * <table>
 *   <caption>Configurations</caption>
 *   <tr><th>name</th><th>log</th></tr>
 *   <tr><td>lockstep</td><td>{@link TransactionLog#noop()}</td></tr>
 *   <tr><td>lockstep-file</td><td>Lockstep's segmented file log in the data directory (the builder default)</td></tr>
 *   <tr><td>narayana</td><td>VolatileStore (in memory) for every store</td></tr>
 *   <tr><td>narayana-file</td><td>ShadowNoFileLockStore, Narayana's default, in the data directory</td></tr>
 *   <tr><td>narayana-journal</td><td>journal store (Artemis journal over NIO), syncDeletes=false,
 *       bufferFlushesPerSecond=20000: Narayana's fastest durable setting</td></tr>
 *   <tr><td>narayana-jdbc</td><td>JDBCStore (its JDBC object store) over a given pooled data source; not in
 *       {@link #NAMES}: it needs a database, see {@link #narayanaJdbc}</td></tr>
 *   <tr><td>atomikos</td><td>logging disabled</td></tr>
 *   <tr><td>atomikos-file</td><td>its file log in the data directory</td></tr>
 * </table>
 */
public final class Peers {
    /** Every configuration name {@link #open} accepts. */
    public static final List<String> NAMES = List.of("lockstep", "lockstep-file", "narayana", "narayana-file",
            "narayana-journal", "atomikos", "atomikos-file");

    private static final int TIMEOUT_SECONDS = 60;

    private Peers() {
    }

    /**
     * Starts configuration {@code name}, keeping its files (if any) under {@code dataDir}, which must be empty or
     * absent.
     */
    public static TxDriver open(String name, Path dataDir) {
        switch (name) {
            case "lockstep":
                return lockstep(Lockstep.builder().nodeId("bench").transactionLog(TransactionLog.noop()).build());
            case "lockstep-file":
                return lockstep(lockstepFile(dataDir));
            case "narayana":
                return narayana(narayanaManager(VolatileStore.class.getName(), dataDir), narayanaCloser());
            case "narayana-file":
                return narayana(narayanaManager(ShadowNoFileLockStore.class.getName(), dataDir), narayanaCloser());
            case "narayana-journal":
                return narayana(narayanaJournal(dataDir), narayanaCloser());
            case "atomikos":
                return atomikos(false, dataDir);
            case "atomikos-file":
                return atomikos(true, dataDir);
            default:
                throw new IllegalArgumentException("unknown peer configuration \"" + name + "\"; use one of "
                        + NAMES);
        }
    }

    private static TxDriver lockstep(LockstepTransactionManager tm) {
        return new JakartaDriver(tm, tm);
    }

    /** Lockstep with its segmented file log under {@code dataDir} (configuration {@code lockstep-file}). */
    static LockstepTransactionManager lockstepFile(Path dataDir) {
        return Lockstep.builder().nodeId("bench").logDirectory(dataDir.resolve("lockstep")).build();
    }

    /**
     * Narayana with its journal store under {@code dataDir} at its best settings (configuration
     * {@code narayana-journal}).
     */
    static jakarta.transaction.TransactionManager narayanaJournal(Path dataDir) {
        HornetqJournalEnvironmentBean journal = BeanPopulator.getDefaultInstance(HornetqJournalEnvironmentBean.class);
        journal.setStoreDir(dataDir.resolve("narayana-journal").toString());
        journal.setAsyncIO(false);
        journal.setSyncWrites(true);
        journal.setSyncDeletes(false);
        journal.setBufferFlushesPerSecond(20_000);
        return narayanaManager(HornetqObjectStoreAdaptor.class.getName(), dataDir);
    }

    /**
     * Narayana with its JDBC object store ({@code JDBCStore}) for the transaction log, in table
     * {@code <tablePrefix>JBossTSTxTable} of {@code dataSource}, which Narayana drops and creates at start. Narayana
     * borrows a connection from {@code dataSource} for every store operation and closes it after, so give it a pool.
     * The participant and communication stores stay file stores under {@code dataDir} (the 2PC path does not write
     * them). Fails unless the log store Narayana actually opened is the JDBC store.
     */
    static jakarta.transaction.TransactionManager narayanaJdbc(Path dataDir, DataSource dataSource,
            String tablePrefix) {
        ObjectStoreEnvironmentBean store = BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class);
        store.setJdbcDataSource(dataSource);
        store.setTablePrefix(tablePrefix);
        store.setDropTable(true);
        store.setCreateTable(true);
        jakarta.transaction.TransactionManager tm = narayanaManager(JDBCStore.class.getName(), dataDir);
        Object log = StoreManager.getTxLog();
        if (!(log instanceof JDBCStore)) {
            throw new IllegalStateException("Narayana opened " + log.getClass().getName() + " as its transaction log,"
                    + " not " + JDBCStore.class.getName());
        }
        return tm;
    }

    /** Stops Narayana's reaper and stores. */
    static AutoCloseable narayanaCloser() {
        return () -> {
            TransactionReaper.terminate(false);
            TxControl.disable(true);
            StoreManager.shutdown();
        };
    }

    private static TxDriver narayana(jakarta.transaction.TransactionManager tm, AutoCloseable closer) {
        return new JakartaDriver(tm, closer);
    }

    private static jakarta.transaction.TransactionManager narayanaManager(String storeType, Path dataDir) {
        String dir = dataDir.resolve("narayana").toString();
        boolean volatileStores = VolatileStore.class.getName().equals(storeType);
        for (String instance : new String[] {null, "stateStore", "communicationStore"}) {
            ObjectStoreEnvironmentBean store = BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class,
                    instance);
            store.setObjectStoreDir(dir);
            // The default instance holds the transaction log; the other two (participant state, inter-process
            // messages) stay Narayana's file store unless the whole manager is meant to keep nothing.
            if (instance == null || volatileStores) {
                store.setObjectStoreType(storeType);
            }
        }
        try {
            BeanPopulator.getDefaultInstance(CoreEnvironmentBean.class).setNodeIdentifier("bench");
        } catch (CoreEnvironmentBeanException e) {
            throw new IllegalStateException("Narayana refused node identifier \"bench\"", e);
        }
        CoordinatorEnvironmentBean coordinator = BeanPopulator.getDefaultInstance(CoordinatorEnvironmentBean.class);
        coordinator.setDefaultTimeout(TIMEOUT_SECONDS);
        coordinator.setTransactionStatusManagerEnable(false);
        coordinator.setCommitOnePhase(true);
        return com.arjuna.ats.jta.TransactionManager.transactionManager();
    }

    private static TxDriver atomikos(boolean logging, Path dataDir) {
        System.setProperty("com.atomikos.icatch.enable_logging", Boolean.toString(logging));
        System.setProperty("com.atomikos.icatch.log_base_dir", dataDir.resolve("atomikos").toString());
        System.setProperty("com.atomikos.icatch.tm_unique_name", "bench");
        System.setProperty("com.atomikos.icatch.max_actives", "-1");
        System.setProperty("com.atomikos.icatch.default_jta_timeout", Integer.toString(TIMEOUT_SECONDS * 1000));
        System.setProperty("com.atomikos.icatch.force_shutdown_on_vm_exit", "true");
        UserTransactionManager tm = new UserTransactionManager();
        tm.setForceShutdown(true);
        try {
            tm.init();
        } catch (javax.transaction.SystemException e) {
            throw new IllegalStateException("Atomikos did not start in " + dataDir, e);
        }
        Configuration.addResource(new AtomikosResource("a"));
        Configuration.addResource(new AtomikosResource("b"));
        return new JavaxDriver(tm, tm::close);
    }

    /** Deletes {@code dir} and everything in it; absent is fine. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete benchmark data in " + dir, e);
        }
    }
}
