package io.lockstep.cdi;

import io.lockstep.tm.LockstepTransactionManager;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.util.List;
import javax.naming.CompositeName;
import javax.naming.Context;
import javax.naming.Name;
import javax.naming.NameAlreadyBoundException;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds Lockstep under the JNDI names Jakarta EE components look up: {@value #USER_TRANSACTION} and
 * {@value #TRANSACTION_SYNCHRONIZATION_REGISTRY} (Jakarta EE Platform, "UserTransaction References" and
 * "TransactionSynchronizationRegistry References"), and {@value #TRANSACTION_MANAGER}, where integrations such as
 * Hibernate look for the TransactionManager. Intermediate contexts are created when missing; existing bindings are
 * replaced. {@link LockstepExtension} calls this itself when the default {@code InitialContext} is writable.
 *
 * <p>Stateless; thread-safety is the context's.
 */
public final class LockstepJndi {

    public static final String USER_TRANSACTION = "java:comp/UserTransaction";
    public static final String TRANSACTION_SYNCHRONIZATION_REGISTRY = "java:comp/TransactionSynchronizationRegistry";
    public static final String TRANSACTION_MANAGER = "java:/TransactionManager";

    private static final List<String> NAMES = List.of(USER_TRANSACTION, TRANSACTION_SYNCHRONIZATION_REGISTRY,
            TRANSACTION_MANAGER);
    private static final Logger LOG = LoggerFactory.getLogger(LockstepJndi.class);

    private LockstepJndi() {
    }

    /**
     * Binds {@code tm} under the three names. Outside CDI there is no {@code @Transactional}, so the manager itself
     * serves as the UserTransaction.
     *
     * @return the names bound
     * @throws NamingException if the context refuses a binding (e.g. a read-only {@code java:comp})
     */
    public static List<String> bind(Context context, LockstepTransactionManager tm) throws NamingException {
        return bind(context, tm, tm, tm);
    }

    /** Binds the three objects under their names; see {@link #bind(Context, LockstepTransactionManager)}. */
    public static List<String> bind(Context context, UserTransaction userTransaction,
            TransactionSynchronizationRegistry registry, TransactionManager transactionManager) throws NamingException {
        rebind(context, USER_TRANSACTION, userTransaction);
        rebind(context, TRANSACTION_SYNCHRONIZATION_REGISTRY, registry);
        rebind(context, TRANSACTION_MANAGER, transactionManager);
        return NAMES;
    }

    /** Removes the three names; names that are not bound are skipped, other failures logged at WARN. */
    public static void unbind(Context context) {
        for (String name : NAMES) {
            try {
                context.unbind(name);
            } catch (NameNotFoundException e) {
                // already gone
            } catch (NamingException e) {
                LOG.warn("cannot unbind {} from JNDI: {}", name, e.toString());
            }
        }
    }

    private static void rebind(Context context, String name, Object value) throws NamingException {
        try {
            context.rebind(name, value);
        } catch (NameNotFoundException e) {
            createParents(context, new CompositeName(name));
            context.rebind(name, value);
        }
    }

    private static void createParents(Context context, Name name) throws NamingException {
        for (int i = 1; i < name.size(); i++) {
            Name parent = name.getPrefix(i);
            try {
                context.createSubcontext(parent);
            } catch (NameAlreadyBoundException e) {
                // exists: go deeper
            }
        }
    }
}
