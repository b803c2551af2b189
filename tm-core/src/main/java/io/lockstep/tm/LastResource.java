package io.lockstep.tm;

import javax.transaction.xa.XAResource;

/**
 * A non-XA resource (e.g. a local JDBC connection) that joins a global transaction as its one last resource
 * (Last Resource Commit Optimisation). The engine never calls {@code start}, {@code end} or {@code prepare} on it:
 * after every XA branch has prepared it calls {@code commit(xid, true)}, and only then forces the commit record; on
 * any earlier failure it calls {@code rollback(xid)}. An XAException from {@code commit} means the local
 * transaction did not commit, so the XA branches are rolled back.
 *
 * <p>A transaction holds at most one last resource; enlisting a second one throws {@link IllegalStateException}.
 * The window between the local commit and the forced commit record is the known LRCO risk: a crash there leaves
 * the local work committed and the XA branches presumed aborted.
 */
public interface LastResource extends NamedXAResource {
}
