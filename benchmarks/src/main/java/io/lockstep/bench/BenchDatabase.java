package io.lockstep.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One of the two real databases of {@link JdbcBenchmark}, from the environment with this machine's defaults (the
 * same variables as the integration tests): PostgreSQL ({@code LOCKSTEP_PG_URL}, {@code LOCKSTEP_PG_USER},
 * {@code LOCKSTEP_PG_PASSWORD}) and MariaDB through MySQL Connector/J ({@code LOCKSTEP_MYSQL_URL},
 * {@code LOCKSTEP_MYSQL_USER}, {@code LOCKSTEP_MYSQL_PASSWORD}). Each holds the table {@value #TABLE} of accounts
 * {@code 0 .. accounts-1}; other work on the same servers uses other tables.
 */
final class BenchDatabase {
    static final String TABLE = "bench_accounts";
    /** The one statement of a transfer in each database: debit in PostgreSQL, credit in MariaDB. */
    static final String DEBIT = "UPDATE " + TABLE + " SET balance = balance - 1 WHERE id = ?";
    static final String CREDIT = "UPDATE " + TABLE + " SET balance = balance + 1 WHERE id = ?";

    final String service;
    final String url;
    final String user;
    final String password;
    private final String createTable;
    private final String vars;

    private BenchDatabase(String service, String url, String user, String password, String createTable,
            String vars) {
        this.service = service;
        this.url = url;
        this.user = user;
        this.password = password;
        this.createTable = createTable;
        this.vars = vars;
    }

    static BenchDatabase postgres() {
        return new BenchDatabase("PostgreSQL", env("LOCKSTEP_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test"),
                env("LOCKSTEP_PG_USER", "postgres"), env("LOCKSTEP_PG_PASSWORD", ""),
                "CREATE TABLE IF NOT EXISTS " + TABLE + " (id INT PRIMARY KEY, balance BIGINT NOT NULL)",
                "LOCKSTEP_PG_URL / LOCKSTEP_PG_USER / LOCKSTEP_PG_PASSWORD");
    }

    static BenchDatabase mysql() {
        return new BenchDatabase("MariaDB", env("LOCKSTEP_MYSQL_URL", "jdbc:mysql://127.0.0.1:3306/test"),
                env("LOCKSTEP_MYSQL_USER", "root"), env("LOCKSTEP_MYSQL_PASSWORD", ""),
                "CREATE TABLE IF NOT EXISTS " + TABLE + " (id INT PRIMARY KEY, balance BIGINT NOT NULL)"
                        + " ENGINE=InnoDB",
                "LOCKSTEP_MYSQL_URL / LOCKSTEP_MYSQL_USER / LOCKSTEP_MYSQL_PASSWORD");
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** A plain (non-pooled, auto-commit) connection for setup and checks. */
    Connection connect() {
        try {
            return DriverManager.getConnection(url, user, password);
        } catch (SQLException e) {
            throw new IllegalStateException(service + " is not reachable at " + url + " as " + user + " ("
                    + e.getMessage() + "). Start it (bin/test does for the local servers) or point the benchmark"
                    + " at one with " + vars + ".", e);
        }
    }

    /** Creates the table if needed so that it holds exactly accounts 0 .. {@code accounts}-1, each with {@code balance}. */
    void reset(int accounts, long balance) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(createTable);
            long rows = count(s, "SELECT COUNT(*) FROM " + TABLE + " WHERE id >= 0 AND id < " + accounts);
            long all = count(s, "SELECT COUNT(*) FROM " + TABLE);
            if (rows != accounts || all != accounts) {
                s.executeUpdate("DELETE FROM " + TABLE);
                c.setAutoCommit(false);
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE
                        + " (id, balance) VALUES (?, ?)")) {
                    for (int id = 0; id < accounts; id++) {
                        insert.setInt(1, id);
                        insert.setLong(2, balance);
                        insert.addBatch();
                        if (id % 1000 == 999) {
                            insert.executeBatch();
                        }
                    }
                    insert.executeBatch();
                }
                c.commit();
                c.setAutoCommit(true);
            } else {
                s.executeUpdate("UPDATE " + TABLE + " SET balance = " + balance);
            }
            if (service.equals("PostgreSQL")) {
                s.execute("VACUUM ANALYZE " + TABLE); // every peer starts without the dead rows of the previous one
            }
        } catch (SQLException e) {
            throw new IllegalStateException(service + " at " + url + ": cannot prepare table " + TABLE + ": "
                    + e.getMessage(), e);
        }
    }

    /** The sum of all balances. */
    long sum() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            return count(s, "SELECT COALESCE(SUM(balance), 0) FROM " + TABLE);
        } catch (SQLException e) {
            throw new IllegalStateException(service + " at " + url + ": cannot sum " + TABLE + ": " + e.getMessage(),
                    e);
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public String toString() {
        return service + " " + url;
    }
}
