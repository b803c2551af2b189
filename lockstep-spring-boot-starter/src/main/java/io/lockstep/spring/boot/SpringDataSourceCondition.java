package io.lockstep.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code spring.datasource.url} is set and no {@code lockstep.datasources.*} is configured. */
final class SpringDataSourceCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        if (!LockstepDataSourceRegistrar.configured(context.getEnvironment()).isEmpty()) {
            return ConditionOutcome.noMatch("lockstep.datasources.* is configured");
        }
        String url = context.getEnvironment().getProperty(LockstepDataSourceRegistrar.SPRING_URL);
        if (url == null || url.isBlank()) {
            return ConditionOutcome.noMatch(LockstepDataSourceRegistrar.SPRING_URL + " is not set");
        }
        return ConditionOutcome.match(LockstepDataSourceRegistrar.SPRING_URL + " is set");
    }
}
