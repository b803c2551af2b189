package io.lockstep.it;

import io.lockstep.tm.xa.LockstepXid;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/** Prepared Lockstep branches of one node in a database, read with XA recover on a fresh connection. */
final class Prepared {
    private Prepared() {
    }

    static List<String> branches(XADataSource xa, String nodeId) throws Exception {
        return visit(xa, nodeId::equals, null);
    }

    /**
     * Rolls back the prepared Lockstep branches of the nodes {@code nodes} accepts (what a failed earlier run of a
     * test left behind: they would hold locks and prepared-transaction slots); returns them.
     */
    static List<String> rollBack(XADataSource xa, Predicate<String> nodes) throws Exception {
        return visit(xa, nodes, XAResource::rollback);
    }

    private interface Action {
        void apply(XAResource xar, Xid xid) throws Exception;
    }

    private static List<String> visit(XADataSource xa, Predicate<String> nodes, Action action) throws Exception {
        XAConnection xc = xa.getXAConnection();
        try {
            List<String> ours = new ArrayList<>();
            XAResource xar = xc.getXAResource();
            Xid[] all = xar.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
            for (Xid x : all == null ? new Xid[0] : all) {
                LockstepXid xid = LockstepXid.from(x);
                if (xid != null && nodes.test(xid.nodeId())) {
                    if (action != null) {
                        action.apply(xar, x);
                    }
                    ours.add(xid.toString());
                }
            }
            return ours;
        } finally {
            xc.close();
        }
    }

    static XADataSource postgres(String url) {
        org.postgresql.xa.PGXADataSource ds = new org.postgresql.xa.PGXADataSource();
        ds.setUrl(url);
        ds.setUser(Servers.PG_USER);
        ds.setPassword(Servers.PG_PASSWORD);
        return ds;
    }

    static XADataSource mysql(String url) {
        com.mysql.cj.jdbc.MysqlXADataSource ds = new com.mysql.cj.jdbc.MysqlXADataSource();
        ds.setUrl(url);
        ds.setUser(Servers.MYSQL_USER);
        ds.setPassword(Servers.MYSQL_PASSWORD);
        return ds;
    }
}
