package io.lockstep.xa.jdbc;

import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * Recovery's way to a database: one fresh XA connection from a driver's {@link XADataSource} per pass, closed
 * after it. The name must be the one the database's enlisted resources carry.
 *
 * <p>The sources of {@link LockstepDataSources} bound every call of the session by the data source's
 * {@code xaCallTimeout} (the recovery connection's network timeout, set once when it is opened): a stalled
 * {@code recover} or {@code commit} fails with {@code XAER_RMFAIL} naming the resource and the bound, so the pass
 * reports this source and goes on. A source made with the public constructor has no such bound; the manager's
 * {@code recoveryCallTimeout} still keeps its pass from waiting for it indefinitely.
 */
public final class XADataSourceSource implements XAResourceSource {
    private final String name;
    private final Connector connector;
    private final String where;
    private final XaCallTimeout timeout;

    /** How a source opens its XA connection. */
    @FunctionalInterface
    interface Connector {
        XAConnection connect() throws SQLException;
    }

    /**
     * @param where how to name the database in errors, e.g. its URL; it must not contain a password
     */
    public XADataSourceSource(String name, XADataSource dataSource, String where) {
        this(name, Objects.requireNonNull(dataSource, "dataSource")::getXAConnection, where,
                new XaCallTimeout(name, Vendor.H2, Duration.ZERO));
    }

    XADataSourceSource(String name, Connector connector, String where, XaCallTimeout timeout) {
        this.name = Objects.requireNonNull(name, "name");
        this.connector = connector;
        this.where = Objects.requireNonNull(where, "where");
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public RecoverySession open() throws SQLException {
        XAConnection connection;
        try {
            connection = connector.connect();
        } catch (SQLException e) {
            String hint = Vendor.explain(e);
            throw new SQLException("resource " + name + " at " + where + ": " + e.getMessage()
                    + (hint == null ? "" : " — " + hint), e.getSQLState(), e);
        }
        XAResource xar;
        try {
            if (timeout.enabled()) {
                // The handle shares the physical connection; it is closed with the XAConnection after the pass.
                timeout.arm(connection.getConnection());
            }
            xar = timeout.enabled() ? bounded(connection.getXAResource()) : connection.getXAResource();
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return new RecoverySession() {
            @Override
            public XAResource xaResource() {
                return xar;
            }

            @Override
            public void close() throws SQLException {
                connection.close();
            }
        };
    }

    /**
     * The session's XAResource, whose failures after the bound say so ({@link XaCallTimeout#explain}, with the
     * method's name as the call). A dynamic proxy: the rule is the same for every method of the interface.
     */
    private XAResource bounded(XAResource xar) {
        InvocationHandler handler = (proxy, method, args) -> {
            long t0 = System.nanoTime();
            try {
                return method.invoke(xar, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof XAException) {
                    Xid xid = args != null && args.length > 0 && args[0] instanceof Xid ? (Xid) args[0] : null;
                    throw timeout.explain(method.getName(), xid, t0, (XAException) cause);
                }
                throw cause;
            }
        };
        return (XAResource) Proxy.newProxyInstance(XADataSourceSource.class.getClassLoader(),
                new Class<?>[] {XAResource.class}, handler);
    }

    /**
     * A JDBC URL with its passwords masked, for messages and logs: {@code password=} parameters (any case,
     * {@code ?&;} separated) and the password of a user-info part ({@code jdbc:mysql://user:secret@host/db}).
     */
    public static String withoutPassword(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1****")
                .replaceAll("(//[^/?#@:]*:)[^/?#@]*@", "$1****@");
    }

    @Override
    public String toString() {
        return name + " (" + where + ")";
    }
}
