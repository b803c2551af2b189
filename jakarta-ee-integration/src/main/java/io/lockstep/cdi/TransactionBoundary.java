package io.lockstep.cdi;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionRequiredException;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import jakarta.transaction.TransactionalException;

/**
 * What the {@link TransactionalInterceptors} do around one invocation, per {@link TxType} (Jakarta Transactions 2.0
 * §3.7):
 * <ul>
 *   <li>{@code REQUIRED}: joins the caller's transaction, or begins one and completes it after the method;</li>
 *   <li>{@code REQUIRES_NEW}: suspends the caller's transaction (if any), begins and completes its own, resumes;</li>
 *   <li>{@code MANDATORY}: joins the caller's; without one, {@link TransactionalException} caused by
 *       {@link TransactionRequiredException};</li>
 *   <li>{@code SUPPORTS}: runs in the caller's transaction if there is one, else without;</li>
 *   <li>{@code NOT_SUPPORTED}: suspends the caller's transaction (if any) while the method runs, then resumes it;</li>
 *   <li>{@code NEVER}: runs without a transaction; with one, {@link TransactionalException} caused by
 *       {@link InvalidTransactionException}.</li>
 * </ul>
 * An exception leaving the method marks the transaction it ran in (its own or the caller's) rollback-only when it is
 * unchecked ({@link RuntimeException} or {@link Error}) or an instance of a {@code rollbackOn} class, unless it is an
 * instance of a {@code dontRollbackOn} class, which wins. A transaction begun here is then rolled back if it is marked
 * rollback-only (silently, when the method returned normally) and committed otherwise; a failed commit surfaces as a
 * {@link TransactionalException} with the JTA exception as cause, or, when the method itself threw, as a suppressed
 * exception of the method's exception, which is rethrown unchanged.
 *
 * <p>Application scoped, stateless apart from the per-thread {@link UserTransactionGuard}; thread-safe.
 */
@ApplicationScoped
class TransactionBoundary {

    @Inject
    LockstepExtension extension;

    private final TransactionalAttributes attributes = new TransactionalAttributes();

    /**
     * Runs {@code ctx} as {@code type} says; {@code type} is the interceptor's, the {@code @Transactional} found for
     * the invocation supplies the rollback rules.
     */
    Object invoke(InvocationContext ctx, TxType type) throws Exception {
        Transactional attribute = attributes.of(ctx, type);
        TransactionManager tm = extension.transactionManager();
        UserTransactionGuard guard = extension.userTransactionGuard();
        switch (type) {
            case REQUIRED:
                return tm.getTransaction() == null
                        ? inNew(ctx, type, attribute, tm, guard)
                        : inCallers(ctx, type, attribute, tm, guard);
            case REQUIRES_NEW:
                return suspended(ctx, type, attribute, tm, guard);
            case MANDATORY:
                if (tm.getTransaction() == null) {
                    throw new TransactionalException(describe(ctx, type) + " called without a transaction",
                            new TransactionRequiredException("@Transactional(MANDATORY) requires the caller's"
                                    + " transaction; begin one or call from a @Transactional(REQUIRED) method"));
                }
                return inCallers(ctx, type, attribute, tm, guard);
            case SUPPORTS:
                return tm.getTransaction() == null ? without(ctx, guard) : inCallers(ctx, type, attribute, tm, guard);
            case NOT_SUPPORTED:
                return suspended(ctx, type, attribute, tm, guard);
            case NEVER:
                Transaction callers = tm.getTransaction();
                if (callers != null) {
                    throw new TransactionalException(describe(ctx, type) + " called inside transaction " + callers,
                            new InvalidTransactionException("@Transactional(NEVER) must not be called with a"
                                    + " transaction; complete or suspend it first"));
                }
                return without(ctx, guard);
            default:
                throw new IllegalStateException("unknown TxType " + type);
        }
    }

    private static Object inCallers(InvocationContext ctx, TxType type, Transactional attribute, TransactionManager tm,
            UserTransactionGuard guard) throws Exception {
        TxType previous = guard.enter(type);
        try {
            return ctx.proceed();
        } catch (Exception | Error e) {
            if (marksRollback(attribute, e)) {
                markRollbackOnly(tm, e);
            }
            throw e;
        } finally {
            guard.exit(previous);
        }
    }

    private static Object inNew(InvocationContext ctx, TxType type, Transactional attribute, TransactionManager tm,
            UserTransactionGuard guard) throws Exception {
        Transaction began = begin(ctx, type, tm);
        TxType previous = guard.enter(type);
        Object result;
        try {
            result = ctx.proceed();
        } catch (Exception | Error e) {
            if (marksRollback(attribute, e)) {
                markRollbackOnly(tm, e);
            }
            guard.exit(previous);
            try {
                complete(ctx, type, tm, began);
            } catch (TransactionalException completion) {
                e.addSuppressed(completion);
            }
            throw e;
        }
        guard.exit(previous);
        complete(ctx, type, tm, began);
        return result;
    }

    /** REQUIRES_NEW and NOT_SUPPORTED: suspend the caller's transaction, run, resume it whatever happened. */
    private static Object suspended(InvocationContext ctx, TxType type, Transactional attribute,
            TransactionManager tm, UserTransactionGuard guard) throws Exception {
        Transaction callers = null;
        if (tm.getTransaction() != null) {
            try {
                callers = tm.suspend();
            } catch (SystemException e) {
                throw new TransactionalException(describe(ctx, type) + ": cannot suspend the caller's transaction",
                        e);
            }
        }
        Object result;
        try {
            result = type == TxType.REQUIRES_NEW ? inNew(ctx, type, attribute, tm, guard) : without(ctx, guard);
        } catch (Exception | Error e) {
            if (callers != null) {
                try {
                    resume(ctx, type, tm, callers);
                } catch (TransactionalException resumeFailure) {
                    e.addSuppressed(resumeFailure);
                }
            }
            throw e;
        }
        if (callers != null) {
            resume(ctx, type, tm, callers);
        }
        return result;
    }

    private static Object without(InvocationContext ctx, UserTransactionGuard guard) throws Exception {
        TxType previous = guard.enter(null);
        try {
            return ctx.proceed();
        } finally {
            guard.exit(previous);
        }
    }

    private static Transaction begin(InvocationContext ctx, TxType type, TransactionManager tm) {
        try {
            tm.begin();
            return tm.getTransaction();
        } catch (NotSupportedException | SystemException e) {
            throw new TransactionalException(describe(ctx, type) + ": cannot begin a transaction", e);
        }
    }

    /** Commits {@code began}, or rolls it back when it is marked rollback-only. */
    private static void complete(InvocationContext ctx, TxType type, TransactionManager tm, Transaction began) {
        try {
            Transaction current = tm.getTransaction();
            if (current == null) {
                return; // the method completed it through the TransactionManager; nothing left to do
            }
            if (current != began) {
                throw new TransactionalException(describe(ctx, type) + " returned with transaction " + current
                        + " associated instead of " + began + ", which it began; a method must not leave a"
                        + " different transaction on the thread", null);
            }
            if (tm.getStatus() == Status.STATUS_MARKED_ROLLBACK) {
                tm.rollback();
            } else {
                tm.commit();
            }
        } catch (TransactionalException e) {
            throw e;
        } catch (Exception e) {
            throw new TransactionalException(describe(ctx, type) + ": completion of transaction " + began
                    + " failed: " + e, e);
        }
    }

    private static void resume(InvocationContext ctx, TxType type, TransactionManager tm, Transaction callers) {
        try {
            tm.resume(callers);
        } catch (InvalidTransactionException | SystemException | IllegalStateException e) {
            throw new TransactionalException(describe(ctx, type) + ": cannot resume the caller's transaction "
                    + callers + ": " + e.getMessage(), e);
        }
    }

    private static void markRollbackOnly(TransactionManager tm, Throwable cause) {
        try {
            tm.setRollbackOnly();
        } catch (IllegalStateException | SystemException e) {
            cause.addSuppressed(e);
        }
    }

    /** §3.7: unchecked or rollbackOn → rollback, unless dontRollbackOn, which takes precedence. */
    static boolean marksRollback(Transactional attribute, Throwable t) {
        for (Class<?> c : attribute.dontRollbackOn()) {
            if (c.isInstance(t)) {
                return false;
            }
        }
        for (Class<?> c : attribute.rollbackOn()) {
            if (c.isInstance(t)) {
                return true;
            }
        }
        return t instanceof RuntimeException || t instanceof Error;
    }

    private static String describe(InvocationContext ctx, TxType type) {
        return "@Transactional(" + type + ") " + ctx.getMethod().getDeclaringClass().getSimpleName() + "."
                + ctx.getMethod().getName();
    }
}
