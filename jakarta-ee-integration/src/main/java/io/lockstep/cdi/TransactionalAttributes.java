package io.lockstep.cdi;

import jakarta.enterprise.inject.Stereotype;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.Transactional;
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

    Transactional of(InvocationContext ctx) {
        Transactional binding;
        try {
            binding = ctx.getInterceptorBinding(Transactional.class);
        } catch (UnsupportedOperationException e) {
            binding = null;
        }
        if (binding != null) {
            return binding;
        }
        Object target = ctx.getTarget();
        Key key = new Key(ctx.getMethod(), target == null ? ctx.getMethod().getDeclaringClass() : target.getClass());
        return resolved.computeIfAbsent(key, k -> reflect(k.method(), k.targetClass()));
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
        throw new IllegalStateException("no @Transactional found for " + method + " on " + targetClass.getName()
                + ", although the Lockstep transactional interceptor was bound to it");
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
