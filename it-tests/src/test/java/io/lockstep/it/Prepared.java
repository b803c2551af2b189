package io.lockstep.it;

import io.lockstep.tm.xa.LockstepXid;
import java.util.ArrayList;
import java.util.List;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/** Prepared Lockstep branches of one node in a database, read with XA recover on a fresh connection. */
final class Prepared {
    private Prepared() {
    }

    static List<String> branches(XADataSource xa, String nodeId) throws Exception {
        XAConnection xc = xa.getXAConnection();
        try {
            List<String> ours = new ArrayList<>();
            Xid[] all = xc.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
            for (Xid x : all == null ? new Xid[0] : all) {
                LockstepXid xid = LockstepXid.from(x);
                if (xid != null && xid.nodeId().equals(nodeId)) {
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
