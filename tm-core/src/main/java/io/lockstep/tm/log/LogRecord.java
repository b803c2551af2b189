package io.lockstep.tm.log;

/**
 * One fact in the transaction log. The set of record kinds is closed: each has a type byte that is never reused
 * (see {@link RecordType}) and one encoding, owned by {@link RecordCodec}.
 *
 * <p>Every record names the global transaction it is about by its gtrid, the text form of the Xid's global
 * transaction id (see {@code io.lockstep.tm.xa.Gtrid}).
 */
public sealed interface LogRecord permits CommitRecord, EndRecord, HeuristicRecord, AdminRecord {

    /** The kind of this record; fixes its type byte on disk. */
    RecordType type();

    /** The global transaction this record is about; never null, at most 64 bytes of US-ASCII. */
    String gtrid();
}
