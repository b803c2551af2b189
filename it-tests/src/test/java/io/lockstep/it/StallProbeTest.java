package io.lockstep.it;

import io.lockstep.tm.xa.LockstepXid;
import java.net.URI;
import java.sql.Connection;
import java.sql.Statement;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;

class StallProbeTest {
    static XADataSource ds(String vendor, int port) throws Exception {
        switch (vendor) {
            case "pg": {
                org.postgresql.xa.PGXADataSource d = new org.postgresql.xa.PGXADataSource();
                d.setUrl("jdbc:postgresql://127.0.0.1:" + port + "/test");
                d.setUser("postgres");
                d.setLoginTimeout(2);
                return d;
            }
            case "mysql": {
                com.mysql.cj.jdbc.MysqlXADataSource d = new com.mysql.cj.jdbc.MysqlXADataSource();
                d.setUrl("jdbc:mysql://127.0.0.1:" + port + "/test?connectTimeout=2000");
                d.setUser("root");
                d.setPassword("");
                d.setLoginTimeout(2);
                return d;
            }
            default: {
                org.mariadb.jdbc.MariaDbDataSource d = new org.mariadb.jdbc.MariaDbDataSource();
                d.setUrl("jdbc:mariadb://127.0.0.1:" + port + "/test?connectTimeout=2000");
                d.setUser("root");
                d.setPassword("");
                d.setLoginTimeout(2);
                return d;
            }
        }
    }

    static final io.lockstep.tm.xa.Gtrid GEN = new io.lockstep.tm.xa.Gtrid("probe", System.currentTimeMillis());

    static java.io.PrintStream out;
    @Test
    void probe() throws Exception {
        out = new java.io.PrintStream(new java.io.FileOutputStream("/tmp/stall-probe.txt"), true);
        for (String v : new String[] {"pg", "mysql", "mariadb"}) {
            int target = v.equals("pg") ? 5432 : 3306;
            String prep = v.equals("pg") ? "PREPARE TRANSACTION" : "XA PREPARE";
            String com = v.equals("pg") ? "COMMIT PREPARED" : "XA COMMIT";
            String rec = v.equals("pg") ? "pg_prepared_xacts" : "XA RECOVER";
            try (TcpProxy proxy = new TcpProxy("127.0.0.1", target)) {
                XADataSource ds = ds(v, proxy.port());
                try (Connection c0 = ds.getXAConnection().getConnection(); Statement s = c0.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS probe_stall (id INT)");
                }
                for (String what : new String[] {"prepare", "commit", "recover", "rollback"}) {
                    for (TcpProxy.At at : TcpProxy.At.values()) {
                        XAConnection xc = ds.getXAConnection();
                        Connection c = xc.getConnection();
                        c.setNetworkTimeout(Runnable::run, 2000);
                        XAResource xar = xc.getXAResource();
                        Xid xid = LockstepXid.of(GEN.next(), 1);
                        xar.start(xid, XAResource.TMNOFLAGS);
                        try (Statement s = c.createStatement()) {
                            s.execute("INSERT INTO probe_stall VALUES (1)");
                        }
                        xar.end(xid, XAResource.TMSUCCESS);
                        long t0 = System.nanoTime();
                        try {
                            switch (what) {
                                case "prepare": proxy.stallAt(prep, at); xar.prepare(xid); break;
                                case "commit": xar.prepare(xid); proxy.stallAt(com, at); t0 = System.nanoTime(); xar.commit(xid, false); break;
                                case "rollback": xar.prepare(xid); proxy.stallAt("ROLLBACK", at); t0 = System.nanoTime(); xar.rollback(xid); break;
                                default: xar.prepare(xid); proxy.stallAt(rec, at); t0 = System.nanoTime(); xar.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN); break;
                            }
                            out.println("PROBE " + v + " " + what + " " + at + ": no error in " + (System.nanoTime() - t0) / 1_000_000 + " ms struck=" + proxy.struck());
                        } catch (XAException e) {
                            out.println("PROBE " + v + " " + what + " " + at + ": code " + e.errorCode + " after " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + e);
                            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                                out.println("PROBE    cause " + t);
                            }
                        }
                        proxy.restore();
                        try { xc.close(); } catch (Exception e) { }
                        // clean up
                        XAConnection cl = ds.getXAConnection();
                        for (Xid x : cl.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
                            LockstepXid l = LockstepXid.from(x);
                            if (l != null && l.nodeId().equals("probe")) {
                                out.println("PROBE    left prepared; rolled back " + l);
                                cl.getXAResource().rollback(x);
                            }
                        }
                        cl.close();
                    }
                }
                // connect under full stall
                proxy.stall();
                long t0 = System.nanoTime();
                Thread th = new Thread(() -> {
                try {
                    ds.getXAConnection().close();
                    out.println("PROBE " + v + " connect-stall: connected?! " + (System.nanoTime() - t0) / 1_000_000);
                } catch (Exception e) {
                    out.println("PROBE " + v + " connect-stall: after " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + e);
                }});
                th.setDaemon(true);
                th.start();
                th.join(10_000);
                if (th.isAlive()) out.println("PROBE " + v + " connect-stall: STILL BLOCKED after 10 s");
                proxy.restore();
            }
        }
    }
}
