package io.lockstep.xa.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.SuspendMode;
import java.sql.SQLException;
import javax.transaction.xa.XAException;
import org.junit.jupiter.api.Test;

class VendorTest {

    @Test
    void vendorFromUrlAndItsSuspendRule() {
        assertThat(Vendor.of("jdbc:postgresql://h/db")).isEqualTo(Vendor.POSTGRESQL);
        assertThat(Vendor.of("JDBC:MySQL://h/db")).isEqualTo(Vendor.MYSQL);
        assertThat(Vendor.of("jdbc:mariadb://h/db")).isEqualTo(Vendor.MARIADB);
        assertThat(Vendor.of("jdbc:h2:mem:x")).isEqualTo(Vendor.H2);
        assertThat(Vendor.POSTGRESQL.suspendMode()).isEqualTo(SuspendMode.END_JOIN);
        assertThat(Vendor.MARIADB.suspendMode()).isEqualTo(SuspendMode.END_RESUME);
        assertThatThrownBy(() -> Vendor.of("jdbc:oracle:thin:@h:1521/x?password=hunter2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdbc:postgresql:")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void passwordsAreMaskedInEveryUrlForm() {
        assertThat(Vendor.safeUrl("jdbc:postgresql://h:5432/db?user=u&password=hunter2&ssl=true"))
                .isEqualTo("jdbc:postgresql://h:5432/db?user=u&password=****&ssl=true");
        assertThat(Vendor.safeUrl("jdbc:h2:mem:x;USER=sa;PASSWORD=hunter2;MODE=MySQL"))
                .isEqualTo("jdbc:h2:mem:x;USER=sa;PASSWORD=****;MODE=MySQL");
        assertThat(Vendor.safeUrl("jdbc:mysql://root:hunter2@h:3306/db?ssl=true"))
                .isEqualTo("jdbc:mysql://root:****@h:3306/db?ssl=true");
        assertThat(Vendor.safeUrl("jdbc:mysql://root:hunter2@h1:3306,h2:3306/db"))
                .isEqualTo("jdbc:mysql://root:****@h1:3306,h2:3306/db");
        assertThat(Vendor.safeUrl("jdbc:postgresql://h:5432/db")).isEqualTo("jdbc:postgresql://h:5432/db");
        assertThat(Vendor.safeUrl("jdbc:mysql://root@h/db")).isEqualTo("jdbc:mysql://root@h/db");
    }

    @Test
    void defaultNamesAreStableAndLegal() {
        assertThat(Vendor.POSTGRESQL.defaultName("jdbc:postgresql://db.example:5432/orders?ssl=true"))
                .isEqualTo("postgresql-db.example-5432-orders");
        assertThat(Vendor.MYSQL.defaultName("jdbc:mysql://127.0.0.1/stock")).isEqualTo("mysql-127.0.0.1-stock");
        assertThat(Vendor.H2.defaultName("jdbc:h2:/var/data/bank;AUTO_SERVER=TRUE")).isEqualTo("h2-var-data-bank");
        String longUrl = "jdbc:postgresql://" + "a".repeat(100) + "/db";
        assertThat(Vendor.POSTGRESQL.defaultName(longUrl)).hasSizeLessThanOrEqualTo(64).matches("[A-Za-z0-9._-]+");
    }

    /** MySQL 8's refusal of XA RECOVER (error 1227), as Connector/J reports it; MariaDB has no such privilege. */
    @Test
    void missingXaRecoverAdminIsExplainedWithTheGrant() {
        SQLException mysql = new SQLException("Access denied; you need (at least one of) the XA_RECOVER_ADMIN"
                + " privilege(s) for this operation", "42000", 1227);
        XAException xa = new XAException(XAException.XAER_RMERR);
        xa.initCause(mysql);
        assertThat(Vendor.explain(xa)).contains("XA_RECOVER_ADMIN").contains("GRANT XA_RECOVER_ADMIN ON *.*");
    }

    @Test
    void otherFailuresAreExplainedOnlyWhenThereIsSomethingToAdd() {
        assertThat(Vendor.explain(new SQLException("prepared transactions are disabled", "55000")))
                .contains("ALTER SYSTEM SET max_prepared_transactions");
        assertThat(Vendor.explain(new SQLException("password authentication failed", "28P01")))
                .contains("user name or password");
        assertThat(Vendor.explain(new SQLException("connection refused", "08001"))).isNull();
    }
}
