package io.lockstep.tm.tx;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** JFR event: a transaction ended (committed, rolled back or heuristically). Off unless a recording enables it. */
@Name("io.lockstep.TransactionCompletion")
@Label("Lockstep transaction completion")
@Category({"Lockstep", "Transactions"})
@Description("A global transaction reached its final state")
final class TransactionCompletionEvent extends Event {
    @Label("Gtrid")
    String gtrid;

    @Label("Outcome")
    String outcome;

    @Label("Protocol")
    String protocol;

    @Label("Branches")
    int branches;

    @Label("Age")
    @Timespan(Timespan.NANOSECONDS)
    long ageNanos;
}
