package io.lockstep.tm.recovery;

import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.LogStatistics;
import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.log.TransactionLogException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The log as recovery and the admin view need it: a {@link TransactionLog} decorator that keeps, in memory, every
 * COMMIT record without its END and every HEURISTIC record not forgotten — seeded by replay at start, then kept
 * current by watching appends. The engine writes through it, so a transaction whose phase 2 could not finish is
 * known to recovery without re-reading the log.
 *
 * <p>Thread-safe. Cost on the hot path: one map insert per COMMIT and one removal per END.
 */
public final class RecordIndex implements TransactionLog {
    private final TransactionLog log;
    private final ConcurrentMap<String, CommitRecord> commits = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, List<HeuristicRecord>> heuristics = new ConcurrentHashMap<>();

    /** Wraps {@code log} and folds its replay: END cancels COMMIT, ADMIN FORGET cancels HEURISTIC. */
    public RecordIndex(TransactionLog log, List<LogRecord> replayed) {
        this.log = log;
        List<String> ended = new ArrayList<>();
        List<String> forgotten = new ArrayList<>();
        for (LogRecord r : replayed) {
            if (r instanceof EndRecord) {
                ended.add(r.gtrid());
            } else if (r instanceof AdminRecord && ((AdminRecord) r).action() == AdminAction.FORGET) {
                forgotten.add(r.gtrid());
            }
        }
        for (LogRecord r : replayed) {
            observe(r);
        }
        ended.forEach(commits::remove);
        forgotten.forEach(heuristics::remove);
    }

    private void observe(LogRecord r) {
        if (r instanceof CommitRecord) {
            commits.put(r.gtrid(), (CommitRecord) r);
        } else if (r instanceof EndRecord) {
            commits.remove(r.gtrid());
        } else if (r instanceof HeuristicRecord) {
            heuristics.compute(r.gtrid(), (g, list) -> {
                List<HeuristicRecord> l = list == null ? new ArrayList<>(2) : new ArrayList<>(list);
                l.add((HeuristicRecord) r);
                return List.copyOf(l);
            });
        } else if (r instanceof AdminRecord && ((AdminRecord) r).action() == AdminAction.FORGET) {
            heuristics.remove(r.gtrid());
        }
    }

    @Override
    public long append(LogRecord record, boolean force) throws TransactionLogException {
        long lsn = log.append(record, force);
        observe(record);
        return lsn;
    }

    @Override
    public void awaitDurable(long lsn) throws TransactionLogException {
        log.awaitDurable(lsn);
    }

    @Override
    public List<LogRecord> replay() throws TransactionLogException {
        return log.replay();
    }

    @Override
    public LogStatistics statistics() {
        return log.statistics();
    }

    @Override
    public void close() {
        log.close();
    }

    /** The underlying log. */
    public TransactionLog log() {
        return log;
    }

    /** COMMIT records without END: transactions whose phase 2 is not known to be finished. */
    public Collection<CommitRecord> liveCommits() {
        return List.copyOf(commits.values());
    }

    /** The live COMMIT record of {@code gtrid}, or null. */
    public CommitRecord commit(String gtrid) {
        return commits.get(gtrid);
    }

    /** HEURISTIC records not forgotten. */
    public List<HeuristicRecord> heuristics() {
        List<HeuristicRecord> all = new ArrayList<>();
        heuristics.values().forEach(all::addAll);
        return all;
    }

    /** HEURISTIC records of one transaction not forgotten. */
    public List<HeuristicRecord> heuristics(String gtrid) {
        return heuristics.getOrDefault(gtrid, List.of());
    }
}
