package io.lockstep.cdi;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.Transactional;
import java.io.Serializable;

/**
 * The interceptor of {@link Transactional}: one class for all six {@link Transactional.TxType}s, because
 * {@code value} is {@code @Nonbinding} and every binding of {@code @Transactional} therefore matches every interceptor
 * bound to it. Enabled globally at {@code Interceptor.Priority.PLATFORM_BEFORE + 200}, as Jakarta Transactions 2.0
 * §3.7 requires. Registered by {@link LockstepExtension}; applications do not list it in {@code beans.xml}.
 *
 * <p>Only {@code @AroundInvoke}: lifecycle callbacks ({@code @PostConstruct}, {@code @PreDestroy}) are never run in a
 * transaction by it. Serializable so that passivating beans may be {@code @Transactional}; the behaviour lives in
 * the application-scoped {@link TransactionBoundary}.
 */
@Interceptor
@Transactional
@Priority(Interceptor.Priority.PLATFORM_BEFORE + 200)
public class TransactionalInterceptor implements Serializable {

    private static final long serialVersionUID = 1L;

    @Inject
    TransactionBoundary boundary;

    /** Runs the invocation in, out of, or around a transaction as its {@code @Transactional} says. */
    @AroundInvoke
    public Object aroundInvoke(InvocationContext ctx) throws Exception {
        return boundary.invoke(ctx);
    }
}
