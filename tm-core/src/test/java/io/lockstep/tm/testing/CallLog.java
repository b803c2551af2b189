package io.lockstep.tm.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import javax.transaction.xa.Xid;

/**
 * The ordered record of every XA call (and, for Lockstep, every log append) seen by a test, with Xids normalised
 * so sequences compare across transaction managers: the first global transaction seen is {@code tx1}, its first
 * branch {@code tx1.b1}, and so on. Entries read like {@code rm1.prepare(tx1.b2)}.
 *
 * <p>Thread-safe: resources called from the reaper and from several threads append to one log.
 */
public final class CallLog {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<String> entries = new ArrayList<>();
    private final Map<String, Integer> txNumbers = new HashMap<>();
    private final Map<String, Integer> branchNumbers = new HashMap<>();
    private final Map<Integer, Integer> branchesPerTx = new HashMap<>();

    /** Appends one entry in which {@code %s} is replaced by the normalised name of {@code xid}. */
    void xa(String resource, String call, Xid xid, String detail) {
        lock.lock();
        try {
            String branch = branchName(xid);
            entries.add(resource + "." + call + "(" + branch + (detail.isEmpty() ? "" : ", " + detail) + ")");
        } finally {
            lock.unlock();
        }
    }

    /** Appends a log-record entry about a gtrid given in Lockstep's text form. */
    public void logRecord(String text, String gtrid) {
        lock.lock();
        try {
            entries.add("log." + text.replace("%tx", "tx" + txNumber(gtrid)));
        } finally {
            lock.unlock();
        }
    }

    /** Appends a free-form event, e.g. a synchronization callback. */
    public void event(String text) {
        lock.lock();
        try {
            entries.add(text);
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot of all entries, in order. */
    public List<String> entries() {
        lock.lock();
        try {
            return List.copyOf(entries);
        } finally {
            lock.unlock();
        }
    }

    /** The entries that start with {@code prefix} (e.g. {@code "rm1."}), in order. */
    public List<String> entriesOf(String prefix) {
        return entries().stream().filter(e -> e.startsWith(prefix)).toList();
    }

    /** Forgets all entries but keeps the numbering, so later transactions keep distinct names. */
    public void clear() {
        lock.lock();
        try {
            entries.clear();
        } finally {
            lock.unlock();
        }
    }

    private String branchName(Xid xid) {
        String gtrid = new String(xid.getGlobalTransactionId(), StandardCharsets.ISO_8859_1);
        int tx = txNumber(gtrid);
        String key = xid.getFormatId() + "/" + gtrid + "/"
                + new String(xid.getBranchQualifier(), StandardCharsets.ISO_8859_1);
        Integer b = branchNumbers.get(key);
        if (b == null) {
            b = branchesPerTx.merge(tx, 1, Integer::sum);
            branchNumbers.put(key, b);
        }
        return "tx" + tx + ".b" + b;
    }

    private int txNumber(String gtrid) {
        return txNumbers.computeIfAbsent(gtrid, g -> txNumbers.size() + 1);
    }
}
