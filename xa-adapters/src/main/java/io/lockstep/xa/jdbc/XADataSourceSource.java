package io.lockstep.xa.jdbc;

import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;

/**
 * Recovery's way to a database: one fresh XA connection from a driver's {@link XADataSource} per pass, closed
 * after it. The name must be the one the database's enlisted resources carry.
 */
public final class XADataSourceSource implements XAResourceSource {
    private final String name;
    private final Connector connector;
    private final String where;

    /** How a source opens its XA connection. */
    @FunctionalInterface
    interface Connector {
        XAConnection connect() throws SQLException;
    }

    /**
     * @param where how to name the database in errors, e.g. its URL; it must not contain a password
     */
    public XADataSourceSource(String name, XADataSource dataSource, String where) {
        this(name, Objects.requireNonNull(dataSource, "dataSource")::getXAConnection, where);
    }

    XADataSourceSource(String name, Connector connector, String where) {
        this.name = Objects.requireNonNull(name, "name");
        this.connector = connector;
        this.where = Objects.requireNonNull(where, "where");
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
            xar = connection.getXAResource();
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
