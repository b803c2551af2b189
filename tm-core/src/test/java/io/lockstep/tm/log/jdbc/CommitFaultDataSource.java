package io.lockstep.tm.log.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Real connections to a real database, with one injected fault: when armed, the next {@code commit()} commits and
 * then throws, as when the connection breaks after the server committed but before the client heard so.
 */
final class CommitFaultDataSource extends DelegatingDataSource {
    private final AtomicBoolean armed = new AtomicBoolean();

    CommitFaultDataSource(UrlDataSource target) {
        super(target);
    }

    void failNextCommitAfterCommitting() {
        armed.set(true);
    }

    @Override
    Connection wrap(Connection real) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    try {
                        Object result = method.invoke(real, args);
                        if (method.getName().equals("commit") && armed.compareAndSet(true, false)) {
                            throw new SQLException("connection reset after COMMIT was sent (injected)", "08006");
                        }
                        return result;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
