package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.InMemoryLog;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.util.Hashtable;
import javax.naming.Context;
import javax.naming.InitialContext;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import javax.naming.NoInitialContextException;
import org.apache.naming.ContextAccessController;
import org.apache.naming.NamingContext;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JNDI names of Jakarta EE ({@code java:comp/UserTransaction}, {@code java:comp/TransactionSynchronizationRegistry})
 * and {@code java:/TransactionManager}, on Tomcat's in-memory naming context (a real, writable JNDI provider).
 */
class LockstepJndiTest {

    private static final String TOMCAT_FACTORY = "org.apache.naming.java.javaURLContextFactory";

    private LockstepTransactionManager tm;

    @BeforeEach
    void startManager() {
        tm = Lockstep.builder().nodeId("jndi-test").transactionLog(new InMemoryLog()).build();
    }

    @AfterEach
    void stopManager() {
        tm.close();
        System.clearProperty(Context.INITIAL_CONTEXT_FACTORY);
    }

    private static NamingContext freshContext(String name) {
        return new NamingContext(new Hashtable<>(), name);
    }

    @Test
    void bindMakesManagerAvailableUnderTheStandardNames() throws Exception {
        NamingContext ctx = freshContext("bind");
        assertThat(LockstepJndi.bind(ctx, tm)).containsExactly(LockstepJndi.USER_TRANSACTION,
                LockstepJndi.TRANSACTION_SYNCHRONIZATION_REGISTRY, LockstepJndi.TRANSACTION_MANAGER);
        assertThat(ctx.lookup("java:comp/UserTransaction")).isSameAs(tm);
        assertThat(ctx.lookup("java:comp/TransactionSynchronizationRegistry")).isSameAs(tm);
        assertThat(ctx.lookup("java:/TransactionManager")).isSameAs(tm);
    }

    @Test
    void bindReplacesEarlierBindings() throws Exception {
        NamingContext ctx = freshContext("rebind");
        LockstepJndi.bind(ctx, tm);
        try (LockstepTransactionManager second = Lockstep.builder().nodeId("jndi-test-2")
                .transactionLog(new InMemoryLog()).build()) {
            LockstepJndi.bind(ctx, second);
            assertThat(ctx.lookup(LockstepJndi.USER_TRANSACTION)).isSameAs(second);
            assertThat(ctx.lookup(LockstepJndi.TRANSACTION_MANAGER)).isSameAs(second);
        }
    }

    @Test
    void unbindRemovesTheNamesAndToleratesMissingOnes() throws Exception {
        NamingContext ctx = freshContext("unbind");
        LockstepJndi.bind(ctx, tm);
        ctx.unbind(LockstepJndi.TRANSACTION_MANAGER);
        LockstepJndi.unbind(ctx);
        for (String name : new String[] {LockstepJndi.USER_TRANSACTION,
            LockstepJndi.TRANSACTION_SYNCHRONIZATION_REGISTRY, LockstepJndi.TRANSACTION_MANAGER}) {
            assertThatThrownBy(() -> ctx.lookup(name)).as(name).isInstanceOf(NameNotFoundException.class);
        }
    }

    @Test
    void readOnlyContextMakesBindThrowNamingException() {
        NamingContext ctx = freshContext("read-only");
        ContextAccessController.setSecurityToken("read-only", this);
        ContextAccessController.setReadOnly("read-only");
        try {
            assertThatThrownBy(() -> LockstepJndi.bind(ctx, tm)).isInstanceOf(NamingException.class);
        } finally {
            ContextAccessController.setWritable("read-only", this);
            ContextAccessController.unsetSecurityToken("read-only", this);
        }
    }

    @Test
    void extensionBindsItsGuardedUserTransactionWhenInitialContextIsWritable() throws Exception {
        System.setProperty(Context.INITIAL_CONTEXT_FACTORY, TOMCAT_FACTORY);
        try (WeldContainer container = TestContainers.weld(TxBeans.Required.class).initialize()) {
            InitialContext jndi = new InitialContext();
            UserTransaction ut = (UserTransaction) jndi.lookup(LockstepJndi.USER_TRANSACTION);
            LockstepTransactionManager manager = container.select(LockstepTransactionManager.class).get();
            assertThat(jndi.lookup(LockstepJndi.TRANSACTION_SYNCHRONIZATION_REGISTRY)).isSameAs(manager);
            assertThat(jndi.lookup(LockstepJndi.TRANSACTION_MANAGER)).isSameAs(manager);

            assertThat(ut.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
            TxBeans.Required required = container.select(TxBeans.Required.class).get();
            assertThatThrownBy(() -> required.call(ut::getStatus)).isExactlyInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void extensionUnbindsNamesWhenContainerShutsDown() throws Exception {
        System.setProperty(Context.INITIAL_CONTEXT_FACTORY, TOMCAT_FACTORY);
        try (WeldContainer container = TestContainers.weld().initialize()) {
            assertThat(new InitialContext().lookup(LockstepJndi.TRANSACTION_MANAGER))
                    .isInstanceOf(TransactionManager.class);
        }
        InitialContext jndi = new InitialContext();
        assertThatThrownBy(() -> jndi.lookup(LockstepJndi.USER_TRANSACTION)).isInstanceOf(NameNotFoundException.class);
        assertThatThrownBy(() -> jndi.lookup(LockstepJndi.TRANSACTION_SYNCHRONIZATION_REGISTRY))
                .isInstanceOf(NameNotFoundException.class);
    }

    @Test
    void extensionStartsWithoutJndiWhenNoInitialContextIsConfigured() throws Exception {
        try (WeldContainer container = TestContainers.weld().initialize()) {
            assertThatThrownBy(() -> new InitialContext().lookup(LockstepJndi.USER_TRANSACTION))
                    .isInstanceOf(NoInitialContextException.class);
            TransactionSynchronizationRegistry tsr = container.select(TransactionSynchronizationRegistry.class).get();
            assertThat(tsr.getTransactionStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        }
    }
}
