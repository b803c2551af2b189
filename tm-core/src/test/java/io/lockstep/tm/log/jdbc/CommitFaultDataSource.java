package io.lockstep.tm.log.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real connections to a real database, with one injected fault: while armed, a call that commits — a
 * {@code commit()}, or the execution of a prepared statement with autocommit on — commits and then throws, as when
 * the connection breaks after the server committed but before the client heard so.
 */
final class CommitFaultDataSource extends DelegatingDataSource {
    /** Commits still to fail. */
    private final AtomicInteger faults = new AtomicInteger();

    CommitFaultDataSource(UrlDataSource target) {
        super(target);
    }

    /** From now on every commit fails after committing, until {@link #disarm}. */
    void failCommitsAfterCommitting() {
        faults.set(Integer.MAX_VALUE);
    }

    /** The next commit fails after committing. */
    void failNextCommitAfterCommitting() {
        faults.set(1);
    }

    void disarm() {
        faults.set(0);
    }

    @Override
    Connection wrap(Connection real) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    Object result = invoke(real, method, args);
                    if (method.getName().equals("prepareStatement")) {
                        return statement(real, (PreparedStatement) result);
                    }
                    if (method.getName().equals("commit")) {
                        failIfArmed();
                    }
                    return result;
                });
    }

    private PreparedStatement statement(Connection connection, PreparedStatement real) {
        return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    boolean commits = method.getName().startsWith("execute") && connection.getAutoCommit();
                    Object result = invoke(real, method, args);
                    if (commits) {
                        failIfArmed();
                    }
                    return result;
                });
    }

    private void failIfArmed() throws SQLException {
        if (faults.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new SQLException("connection reset after COMMIT was sent (injected)", "08006");
        }
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
