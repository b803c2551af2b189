package io.lockstep.tm.log;

import java.util.Objects;

/** Every branch of the transaction's {@link CommitRecord} is accounted for. Written without forcing. */
public record EndRecord(String gtrid) implements LogRecord {
    public EndRecord {
        Objects.requireNonNull(gtrid, "gtrid");
    }

    @Override
    public RecordType type() {
        return RecordType.END;
    }
}
