package io.lockstep.tm.log.file;

import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.LogRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which records are still live and in which segment each lives, so reclaim knows what it may delete and what it
 * must copy forward.
 *
 * <p>A transaction is live while it has a COMMIT without END, or a HEURISTIC not forgotten (ADMIN FORGET). Its live
 * records are its COMMIT, its HEURISTICs and, while it is live, its ADMIN records. Each live record counts in
 * {@link Segment#liveRecords} of the segment that holds it. Fed in log order (replay, then the leader after every
 * write); owned by the group-commit leader, so it needs no lock.
 */
final class LiveRecords {

    /** A live record and the segment holding it. */
    static final class Located {
        final LogRecord record;
        Segment segment;

        Located(LogRecord record, Segment segment) {
            this.record = record;
            this.segment = segment;
            segment.liveRecords++;
        }

        void release() {
            segment.liveRecords--;
        }
    }

    /** The live records of one gtrid. */
    static final class Entry {
        Located commit;
        /** HEURISTIC and ADMIN records; empty (shared, immutable) until the first one, which is rare. */
        List<Located> others = List.of();

        List<Located> all() {
            if (others.isEmpty()) {
                return commit == null ? List.of() : List.of(commit);
            }
            List<Located> all = new ArrayList<>(1 + others.size());
            if (commit != null) {
                all.add(commit);
            }
            all.addAll(others);
            return all;
        }
    }

    private final Map<String, Entry> entries;

    /** @param expected how many live transactions to expect (sizes the map once instead of rehashing it) */
    LiveRecords(int expected) {
        entries = new HashMap<>(Math.max(16, (int) Math.min(1 << 24, expected * 4L / 3 + 1)));
    }

    /** Applies one record read from, or written to, {@code segment}. */
    void apply(LogRecord r, Segment segment) {
        switch (r.type()) {
            case COMMIT: {
                Entry e = entries.get(r.gtrid());
                if (e == null) {
                    e = new Entry();
                    entries.put(r.gtrid(), e);
                }
                if (e.commit != null) {
                    e.commit.release(); // a copy moved forward replaces the original
                }
                e.commit = new Located(r, segment);
                break;
            }
            case END: {
                Entry e = entries.get(r.gtrid());
                if (e != null && e.commit != null) {
                    e.commit.release();
                    e.commit = null;
                    removeIfDead(r.gtrid(), e);
                }
                break;
            }
            case HEURISTIC: {
                Entry e = entries.computeIfAbsent(r.gtrid(), g -> new Entry());
                addOther(e, r, segment);
                break;
            }
            default: {
                Entry e = entries.get(r.gtrid());
                if (e == null) {
                    return; // audit of a finished transaction: nothing to keep
                }
                if (((AdminRecord) r).action() == AdminAction.FORGET && !e.others.isEmpty()) {
                    e.others.removeIf(l -> {
                        if (l.record instanceof HeuristicRecord) {
                            l.release();
                            return true;
                        }
                        return false;
                    });
                }
                if (!removeIfDead(r.gtrid(), e)) {
                    addOther(e, r, segment);
                }
            }
        }
    }

    private static void addOther(Entry e, LogRecord r, Segment segment) {
        for (Located l : e.others) {
            if (l.record.equals(r)) {
                l.release(); // the same record copied forward: keep the newer location
                l.segment = segment;
                segment.liveRecords++;
                return;
            }
        }
        if (e.others.isEmpty()) {
            e.others = new ArrayList<>(2);
        }
        e.others.add(new Located(r, segment));
    }

    private boolean removeIfDead(String gtrid, Entry e) {
        boolean heuristics = false;
        for (Located l : e.others) {
            heuristics |= l.record instanceof HeuristicRecord;
        }
        if (e.commit == null && !heuristics) {
            e.others.forEach(Located::release);
            entries.remove(gtrid);
            return true;
        }
        return false;
    }

    /** The live records, each transaction's COMMIT first. */
    List<LogRecord> records() {
        List<LogRecord> all = new ArrayList<>();
        for (Entry e : entries.values()) {
            for (Located l : e.all()) {
                all.add(l.record);
            }
        }
        return all;
    }

    /** Live records located in {@code segment} with all the other live records of their transactions. */
    Collection<Entry> entriesIn(Segment segment) {
        List<Entry> found = new ArrayList<>();
        for (Entry e : entries.values()) {
            for (Located l : e.all()) {
                if (l.segment == segment) {
                    found.add(e);
                    break;
                }
            }
        }
        return found;
    }

    /** Moves every record of {@code e} to {@code segment} (they were just copied there). */
    static void moveTo(Entry e, Segment segment) {
        for (Located l : e.all()) {
            l.release();
            l.segment = segment;
            segment.liveRecords++;
        }
    }

    int size() {
        return entries.size();
    }
}
