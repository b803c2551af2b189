package io.lockstep.cdi;

import jakarta.enterprise.inject.Stereotype;
import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the {@code @Transactional} that governs one invocation: the method's, else the class's (inherited), else one
 * declared on a stereotype of the class (stereotypes may nest). The container's interceptor bindings are asked first
 * (Interceptors 2.2 {@code getInterceptorBinding}, which already applies "method wins"); reflection is the fallback for
 * containers that do not expose them, cached per method and target class. Thread-safe.
 */
final class TransactionalAttributes {

    private record Key(Method method, Class<?> targetClass) {
    }

    private final ConcurrentHashMap<Key, Transactional> resolved = new ConcurrentHashMap<>();

    /** The governing {@code @Transactional}; defaults of {@code type} when none can be seen. */
    Transactional of(InvocationContext ctx, TxType type) {
        Transactional binding;
        try {
            binding = ctx.getInterceptorBinding(Transactional.class);
        } catch (UnsupportedOperationException e) {
            binding = null;
        }
        if (binding != null && binding.value() == type) {
            return binding;
        }
        Object target = ctx.getTarget();
        Key key = new Key(ctx.getMethod(), target == null ? ctx.getMethod().getDeclaringClass() : target.getClass());
        return resolved.computeIfAbsent(key, k -> {
            Transactional found = reflect(k.method(), k.targetClass());
            // an extension may have added the binding where reflection cannot see it: the type is the interceptor's
            return found != null && found.value() == type ? found : new Defaults(type);
        });
    }

    /** {@code @Transactional(type)} without rollback rules. */
    private static final class Defaults extends AnnotationLiteral<Transactional> implements Transactional {
        private static final long serialVersionUID = 1L;
        private final TxType type;

        Defaults(TxType type) {
            this.type = type;
        }

        @Override
        public TxType value() {
            return type;
        }

        @Override
        public Class<?>[] rollbackOn() {
            return new Class<?>[0];
        }

        @Override
        public Class<?>[] dontRollbackOn() {
            return new Class<?>[0];
        }
    }

    private static Transactional reflect(Method method, Class<?> targetClass) {
        Transactional onMethod = method.getAnnotation(Transactional.class);
        if (onMethod != null) {
            return onMethod;
        }
        for (Class<?> c = targetClass; c != null && c != Object.class; c = c.getSuperclass()) {
            Transactional onClass = c.getAnnotation(Transactional.class);
            if (onClass != null) {
                return onClass;
            }
            Transactional viaStereotype = fromStereotypes(c.getAnnotations(), new HashSet<>());
            if (viaStereotype != null) {
                return viaStereotype;
            }
        }
        return null;
    }

    private static Transactional fromStereotypes(Annotation[] annotations, Set<Class<?>> seen) {
        for (Annotation a : annotations) {
            Class<? extends Annotation> type = a.annotationType();
            if (!type.isAnnotationPresent(Stereotype.class) || !seen.add(type)) {
                continue;
            }
            Transactional direct = type.getAnnotation(Transactional.class);
            if (direct != null) {
                return direct;
            }
            Transactional nested = fromStereotypes(type.getAnnotations(), seen);
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }
}
