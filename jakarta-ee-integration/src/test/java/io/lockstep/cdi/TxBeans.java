package io.lockstep.cdi;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Stereotype;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.Callable;

/** Beans whose methods run the caller's work under one {@code @Transactional} declaration each. */
final class TxBeans {

    private TxBeans() {
    }

    @ApplicationScoped
    @Transactional(TxType.REQUIRED)
    static class Required {
        public <T> T call(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    @ApplicationScoped
    @Transactional(TxType.REQUIRES_NEW)
    static class RequiresNew {
        public <T> T call(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    @ApplicationScoped
    @Transactional(TxType.MANDATORY)
    static class Mandatory {
        public <T> T call(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    @ApplicationScoped
    @Transactional(TxType.SUPPORTS)
    static class Supports {
        public <T> T call(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    @ApplicationScoped
    @Transactional(TxType.NOT_SUPPORTED)
    static class NotSupported {
        public <T> T call(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    @ApplicationScoped
    @Transactional(TxType.NEVER)
    static class Never {
        public <T> T call(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    /** Class says NEVER; one method says REQUIRES_NEW. */
    @ApplicationScoped
    @Transactional(TxType.NEVER)
    static class MethodOverridesClass {
        @Transactional(TxType.REQUIRES_NEW)
        public <T> T annotatedMethod(Callable<T> work) throws Exception {
            return work.call();
        }

        public <T> T plainMethod(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    /** Only the method is transactional. */
    @ApplicationScoped
    static class MethodOnly {
        @Transactional(TxType.MANDATORY)
        public <T> T annotatedMethod(Callable<T> work) throws Exception {
            return work.call();
        }

        public <T> T plainMethod(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    @Stereotype
    @Transactional(TxType.MANDATORY)
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface MandatoryService {
    }

    @ApplicationScoped
    @MandatoryService
    static class StereotypedService {
        public <T> T call(Callable<T> work) throws Exception {
            return work.call();
        }
    }

    /** Each method runs {@code first}, then throws {@code t}, under different rollback rules. */
    @ApplicationScoped
    static class ExceptionRules {
        @Transactional
        public void defaults(Callable<?> first, Throwable t) throws Exception {
            first.call();
            throwIt(t);
        }

        @Transactional(rollbackOn = IOException.class)
        public void rollbackOnIo(Callable<?> first, Throwable t) throws Exception {
            first.call();
            throwIt(t);
        }

        @Transactional(dontRollbackOn = IllegalArgumentException.class)
        public void dontRollbackOnIllegalArgument(Callable<?> first, Throwable t) throws Exception {
            first.call();
            throwIt(t);
        }

        @Transactional(rollbackOn = IOException.class, dontRollbackOn = FileNotFoundException.class)
        public void rollbackOnIoButNotFileNotFound(Callable<?> first, Throwable t) throws Exception {
            first.call();
            throwIt(t);
        }

        @Transactional(rollbackOn = IllegalStateException.class, dontRollbackOn = IllegalStateException.class)
        public void sameClassInBoth(Callable<?> first, Throwable t) throws Exception {
            first.call();
            throwIt(t);
        }

        private static void throwIt(Throwable t) throws Exception {
            if (t instanceof Error) {
                throw (Error) t;
            }
            throw (Exception) t;
        }
    }

    /** Records the status its lifecycle callbacks ran with; MANDATORY would fail them if they were intercepted. */
    @Dependent
    @Transactional(TxType.MANDATORY)
    static class WithLifecycle {
        static volatile int postConstructStatus = -1;
        static volatile int preDestroyStatus = -1;

        @Inject
        TransactionManager tm;

        @PostConstruct
        void created() {
            postConstructStatus = status();
        }

        @PreDestroy
        void destroyed() {
            preDestroyStatus = status();
        }

        public int business() throws Exception {
            return tm.getStatus();
        }

        private int status() {
            try {
                return tm.getStatus();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
