package io.lockstep.tm.log.file;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR event: one group-commit write (and force) of the file log. Off unless a recording enables it. */
@Name("io.lockstep.LogForce")
@Label("Lockstep log write")
@Category({"Lockstep", "Log"})
@Description("One group-commit batch written (and forced) by the transaction log")
final class LogForceEvent extends Event {
    @Label("Records")
    int records;

    @Label("Bytes")
    int bytes;

    @Label("Forced")
    boolean forced;

    @Label("Failed")
    boolean failed;
}
