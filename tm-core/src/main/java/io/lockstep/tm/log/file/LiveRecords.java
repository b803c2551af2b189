package io.lockstep.tm.log.file;

import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.LogRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which records are still live and in which segment each lives, so reclaim knows what it may delete and what it
 * must copy forward.
 *
 * <p>A transaction is live while it has a COMMIT without END, or a HEURISTIC not forgotten (ADMIN FORGET). Its live
 * records are its COMMIT, its HEURISTICs and, while it is live, its ADMIN records. Each live record counts in
 * {@link Segment#liveRecords} of the segment that holds it. Fed in log order (replay, then the leader after every
 * write); owned by the group-commit leader, so it needs no lock.
 *
 * <p>A replay of a large log keeps every in-doubt transaction here, so the structure is lean: an open hash table
 * (chained) whose nodes are the {@link Entry}s themselves, one object per live transaction besides its records
 * (a {@code HashMap} would add a node and, per record, a holder).
 */
final class LiveRecords {
    private static final int MIN_CAPACITY = 64;
    private static final int MAX_CAPACITY = 1 << 30;

    /** A live HEURISTIC or ADMIN record and the segment holding it. */
    static final class Located {
        final LogRecord record;
        Segment segment;

        Located(LogRecord record, Segment segment) {
            this.record = record;
            this.segment = segment;
        }
    }

    /** The live records of one gtrid; also the node of the hash table. */
    static final class Entry {
        final String gtrid;
        final int hash;
        Entry next;
        LogRecord commit;
        Segment commitSegment;
        /** HEURISTIC and ADMIN records; empty (shared, immutable) until the first one, which is rare. */
        List<Located> others = List.of();

        Entry(String gtrid, int hash) {
            this.gtrid = gtrid;
            this.hash = hash;
        }

        /** The live records of this transaction, its COMMIT first. */
        List<LogRecord> records() {
            if (others.isEmpty()) {
                return commit == null ? List.of() : List.of(commit);
            }
            List<LogRecord> all = new ArrayList<>(1 + others.size());
            if (commit != null) {
                all.add(commit);
            }
            for (Located l : others) {
                all.add(l.record);
            }
            return all;
        }

        boolean holdsRecordIn(Segment segment) {
            if (commit != null && commitSegment == segment) {
                return true;
            }
            for (Located l : others) {
                if (l.segment == segment) {
                    return true;
                }
            }
            return false;
        }
    }

    private Entry[] table;
    private int size;
    /** Live records in all entries (COMMITs and others). */
    private int records;

    /** @param expected how many live transactions to expect (sizes the table once instead of growing it) */
    LiveRecords(int expected) {
        table = new Entry[capacityFor(expected)];
    }

    private static int capacityFor(long entries) {
        long wanted = Math.max(MIN_CAPACITY, entries * 4 / 3 + 1);
        return (int) Math.min(MAX_CAPACITY, Long.highestOneBit(wanted - 1) << 1);
    }

    private static int hash(String gtrid) {
        int h = gtrid.hashCode();
        return h ^ (h >>> 16);
    }

    private Entry get(String gtrid) {
        int h = hash(gtrid);
        for (Entry e = table[h & (table.length - 1)]; e != null; e = e.next) {
            if (e.hash == h && e.gtrid.equals(gtrid)) {
                return e;
            }
        }
        return null;
    }

    private Entry getOrAdd(String gtrid) {
        int h = hash(gtrid);
        int i = h & (table.length - 1);
        for (Entry e = table[i]; e != null; e = e.next) {
            if (e.hash == h && e.gtrid.equals(gtrid)) {
                return e;
            }
        }
        Entry e = new Entry(gtrid, h);
        e.next = table[i];
        table[i] = e;
        if (++size > table.length - (table.length >>> 2)) {
            resize(table.length * 2);
        }
        return e;
    }

    private void remove(Entry gone) {
        int i = gone.hash & (table.length - 1);
        Entry prev = null;
        for (Entry e = table[i]; e != null; prev = e, e = e.next) {
            if (e == gone) {
                if (prev == null) {
                    table[i] = e.next;
                } else {
                    prev.next = e.next;
                }
                e.next = null;
                size--;
                return;
            }
        }
    }

    private void resize(int capacity) {
        if (capacity > MAX_CAPACITY || capacity == table.length) {
            return;
        }
        Entry[] old = table;
        Entry[] fresh = new Entry[capacity];
        for (Entry head : old) {
            for (Entry e = head; e != null; ) {
                Entry next = e.next;
                int i = e.hash & (capacity - 1);
                e.next = fresh[i];
                fresh[i] = e;
                e = next;
            }
        }
        table = fresh;
    }

    /** Shrinks the table to what the live transactions need (after a replay that was sized for a full log). */
    void trim() {
        int fit = capacityFor(size * 2L);
        if (fit < table.length) {
            resize(fit);
        }
    }

    private void hold(Segment segment) {
        segment.liveRecords++;
        records++;
    }

    private void release(Segment segment) {
        segment.liveRecords--;
        records--;
    }

    /** Applies one record read from, or written to, {@code segment}. */
    void apply(LogRecord r, Segment segment) {
        switch (r.type()) {
            case COMMIT: {
                Entry e = getOrAdd(r.gtrid());
                if (e.commit != null) {
                    release(e.commitSegment); // a copy moved forward replaces the original
                }
                e.commit = r;
                e.commitSegment = segment;
                hold(segment);
                break;
            }
            case END: {
                Entry e = get(r.gtrid());
                if (e != null && e.commit != null) {
                    release(e.commitSegment);
                    e.commit = null;
                    e.commitSegment = null;
                    removeIfDead(e);
                }
                break;
            }
            case HEURISTIC: {
                addOther(getOrAdd(r.gtrid()), r, segment);
                break;
            }
            default: {
                Entry e = get(r.gtrid());
                if (e == null) {
                    return; // audit of a finished transaction: nothing to keep
                }
                if (((AdminRecord) r).action() == AdminAction.FORGET && !e.others.isEmpty()) {
                    e.others.removeIf(l -> {
                        if (l.record instanceof HeuristicRecord) {
                            release(l.segment);
                            return true;
                        }
                        return false;
                    });
                }
                if (!removeIfDead(e)) {
                    addOther(e, r, segment);
                }
            }
        }
    }

    private void addOther(Entry e, LogRecord r, Segment segment) {
        for (Located l : e.others) {
            if (l.record.equals(r)) {
                release(l.segment); // the same record copied forward: keep the newer location
                l.segment = segment;
                hold(segment);
                return;
            }
        }
        if (e.others.isEmpty()) {
            e.others = new ArrayList<>(2);
        }
        e.others.add(new Located(r, segment));
        hold(segment);
    }

    private boolean removeIfDead(Entry e) {
        boolean heuristics = false;
        for (Located l : e.others) {
            heuristics |= l.record instanceof HeuristicRecord;
        }
        if (e.commit == null && !heuristics) {
            for (Located l : e.others) {
                release(l.segment);
            }
            e.others = List.of();
            remove(e);
            return true;
        }
        return false;
    }

    /** The live records, each transaction's COMMIT first; an unmodifiable list of exactly that size. */
    List<LogRecord> records() {
        List<LogRecord> all = new ArrayList<>(records);
        for (Entry head : table) {
            for (Entry e = head; e != null; e = e.next) {
                if (e.others.isEmpty()) {
                    if (e.commit != null) {
                        all.add(e.commit);
                    }
                } else {
                    all.addAll(e.records());
                }
            }
        }
        return Collections.unmodifiableList(all);
    }

    /** Entries with a live record located in {@code segment}, with all the other live records of their transactions. */
    List<Entry> entriesIn(Segment segment) {
        List<Entry> found = new ArrayList<>();
        for (Entry head : table) {
            for (Entry e = head; e != null; e = e.next) {
                if (e.holdsRecordIn(segment)) {
                    found.add(e);
                }
            }
        }
        return found;
    }

    /** Moves every record of {@code e} to {@code segment} (they were just copied there). */
    void moveTo(Entry e, Segment segment) {
        if (e.commit != null) {
            release(e.commitSegment);
            e.commitSegment = segment;
            hold(segment);
        }
        for (Located l : e.others) {
            release(l.segment);
            l.segment = segment;
            hold(segment);
        }
    }

    /** Live transactions. */
    int size() {
        return size;
    }
}
