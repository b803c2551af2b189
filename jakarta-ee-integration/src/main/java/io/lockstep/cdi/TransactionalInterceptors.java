package io.lockstep.cdi;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.io.Serializable;

/**
 * The interceptors of {@link Transactional}, one per {@link TxType}: {@code value} is a binding member (only
 * {@code rollbackOn} and {@code dontRollbackOn} are {@code @Nonbinding}), so {@code @Transactional(REQUIRES_NEW)}
 * selects exactly the {@link RequiresNew} interceptor, and a method-level {@code @Transactional} replaces the
 * class-level one by the CDI rules for bindings of the same type. All are enabled globally at
 * {@code Interceptor.Priority.PLATFORM_BEFORE + 200}, as Jakarta Transactions 2.0 §3.7 requires, and registered by
 * {@link LockstepExtension}: applications do not list them in {@code beans.xml}.
 *
 * <p>Only {@code @AroundInvoke}: lifecycle callbacks ({@code @PostConstruct}, {@code @PreDestroy}) are never run in a
 * transaction by them. Serializable so that passivating beans may be {@code @Transactional}; the behaviour lives in
 * the application-scoped {@link TransactionBoundary}.
 */
public final class TransactionalInterceptors {

    /** Interceptor priority required by Jakarta Transactions 2.0 §3.7. */
    public static final int PRIORITY = Interceptor.Priority.PLATFORM_BEFORE + 200;

    private TransactionalInterceptors() {
    }

    /** Common body: hands the invocation to the boundary with this interceptor's type. */
    abstract static class Base implements Serializable {
        private static final long serialVersionUID = 1L;

        private final TxType type;

        @Inject
        TransactionBoundary boundary;

        Base(TxType type) {
            this.type = type;
        }

        @AroundInvoke
        Object aroundInvoke(InvocationContext ctx) throws Exception {
            return boundary.invoke(ctx, type);
        }
    }

    /** {@code @Transactional(REQUIRED)}: join the caller's transaction or run in a new one. */
    @Interceptor
    @Transactional(TxType.REQUIRED)
    @Priority(PRIORITY)
    public static class Required extends Base {
        private static final long serialVersionUID = 1L;

        public Required() {
            super(TxType.REQUIRED);
        }
    }

    /** {@code @Transactional(REQUIRES_NEW)}: always a new transaction; the caller's is suspended meanwhile. */
    @Interceptor
    @Transactional(TxType.REQUIRES_NEW)
    @Priority(PRIORITY)
    public static class RequiresNew extends Base {
        private static final long serialVersionUID = 1L;

        public RequiresNew() {
            super(TxType.REQUIRES_NEW);
        }
    }

    /** {@code @Transactional(MANDATORY)}: the caller's transaction, which must exist. */
    @Interceptor
    @Transactional(TxType.MANDATORY)
    @Priority(PRIORITY)
    public static class Mandatory extends Base {
        private static final long serialVersionUID = 1L;

        public Mandatory() {
            super(TxType.MANDATORY);
        }
    }

    /** {@code @Transactional(SUPPORTS)}: the caller's transaction if any. */
    @Interceptor
    @Transactional(TxType.SUPPORTS)
    @Priority(PRIORITY)
    public static class Supports extends Base {
        private static final long serialVersionUID = 1L;

        public Supports() {
            super(TxType.SUPPORTS);
        }
    }

    /** {@code @Transactional(NOT_SUPPORTED)}: no transaction; the caller's is suspended meanwhile. */
    @Interceptor
    @Transactional(TxType.NOT_SUPPORTED)
    @Priority(PRIORITY)
    public static class NotSupported extends Base {
        private static final long serialVersionUID = 1L;

        public NotSupported() {
            super(TxType.NOT_SUPPORTED);
        }
    }

    /** {@code @Transactional(NEVER)}: no transaction, and the caller must not have one. */
    @Interceptor
    @Transactional(TxType.NEVER)
    @Priority(PRIORITY)
    public static class Never extends Base {
        private static final long serialVersionUID = 1L;

        public Never() {
            super(TxType.NEVER);
        }
    }

    static final Class<?>[] ALL = {Required.class, RequiresNew.class, Mandatory.class, Supports.class,
        NotSupported.class, Never.class};
}
