package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.enterprise.inject.Stereotype;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How the governing {@code @Transactional} is found: from the container's interceptor bindings when it exposes them
 * (Weld does, and the CDI tests use that path), else by reflection, which these tests exercise with an invocation
 * that exposes no bindings (the {@code InvocationContext} defaults of Interceptors 2.2).
 */
class TransactionalAttributesTest {

    @Transactional(value = TxType.REQUIRES_NEW, rollbackOn = IOException.class)
    static class Annotated {
        @Transactional(TxType.MANDATORY)
        public void annotatedMethod() {
        }

        public void plainMethod() {
        }
    }

    /** As a container's subclass of a bean would be: the class annotation is inherited. */
    static class ContainerSubclass extends Annotated {
    }

    @Stereotype
    @Transactional(TxType.NOT_SUPPORTED)
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Inner {
    }

    @Stereotype
    @Inner
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Outer {
    }

    @Outer
    static class ViaNestedStereotype {
        public void work() {
        }
    }

    static class NotAnnotated {
        public void work() {
        }
    }

    /** An invocation whose container exposes no interceptor bindings, or the given ones. */
    private record Invocation(Object target, Method method, Set<Annotation> bindings) implements InvocationContext {
        Invocation(Object target, String method) throws NoSuchMethodException {
            this(target, target.getClass().getMethod(method), Set.of());
        }

        @Override
        public Set<Annotation> getInterceptorBindings() {
            return bindings;
        }

        @Override
        public Object getTarget() {
            return target;
        }

        @Override
        public Object getTimer() {
            return null;
        }

        @Override
        public Method getMethod() {
            return method;
        }

        @Override
        public Constructor<?> getConstructor() {
            return null;
        }

        @Override
        public Object[] getParameters() {
            return new Object[0];
        }

        @Override
        public void setParameters(Object[] params) {
        }

        @Override
        public Map<String, Object> getContextData() {
            return Map.of();
        }

        @Override
        public Object proceed() {
            return null;
        }
    }

    private final TransactionalAttributes attributes = new TransactionalAttributes();

    @Test
    void methodAnnotationWinsOverClassAnnotation() throws Exception {
        Transactional found = attributes.of(new Invocation(new Annotated(), "annotatedMethod"), TxType.MANDATORY);
        assertThat(found.value()).isEqualTo(TxType.MANDATORY);
        assertThat(found.rollbackOn()).isEmpty();
    }

    @Test
    void classAnnotationIsFoundThroughTheContainerSubclassWithItsRollbackRules() throws Exception {
        Transactional found = attributes.of(new Invocation(new ContainerSubclass(), "plainMethod"),
                TxType.REQUIRES_NEW);
        assertThat(found.value()).isEqualTo(TxType.REQUIRES_NEW);
        assertThat(found.rollbackOn()).containsExactly(IOException.class);
    }

    @Test
    void annotationOnAStereotypeOfAStereotypeIsFound() throws Exception {
        Transactional found = attributes.of(new Invocation(new ViaNestedStereotype(), "work"), TxType.NOT_SUPPORTED);
        assertThat(found.value()).isEqualTo(TxType.NOT_SUPPORTED);
    }

    @Test
    void invisibleBindingGivesTheInterceptorTypeWithoutRollbackRules() throws Exception {
        Transactional found = attributes.of(new Invocation(new NotAnnotated(), "work"), TxType.SUPPORTS);
        assertThat(found.value()).isEqualTo(TxType.SUPPORTS);
        assertThat(found.rollbackOn()).isEmpty();
        assertThat(found.dontRollbackOn()).isEmpty();
    }

    @Test
    void bindingExposedByTheContainerIsUsedAsIs() throws Exception {
        Transactional exposed = Annotated.class.getAnnotation(Transactional.class);
        Invocation invocation = new Invocation(new NotAnnotated(), NotAnnotated.class.getMethod("work"),
                Set.of(exposed));
        assertThat(attributes.of(invocation, TxType.REQUIRES_NEW)).isSameAs(exposed);
    }
}
