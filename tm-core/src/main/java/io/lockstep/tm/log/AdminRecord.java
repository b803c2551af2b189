package io.lockstep.tm.log;

import java.util.Objects;

/**
 * Audit of a manual resolution: who did what to which transaction and when. {@code detail} is free text for the
 * audit trail (operator, resource, reason); empty when there is nothing to add.
 */
public record AdminRecord(String gtrid, AdminAction action, String detail, long timeMillis) implements LogRecord {
    public AdminRecord {
        Objects.requireNonNull(gtrid, "gtrid");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public RecordType type() {
        return RecordType.ADMIN;
    }
}
