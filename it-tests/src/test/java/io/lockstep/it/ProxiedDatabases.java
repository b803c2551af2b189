package io.lockstep.it;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import java.io.IOException;
import java.net.URI;
import java.util.function.UnaryOperator;
import javax.sql.XADataSource;

/**
 * The fixture of the network fault tests: one database behind a loopback {@link TcpProxy}, the other reached
 * directly, each an XA data source of the JDBC adapter on the same manager. PostgreSQL's data source is named
 * {@code <prefix>-pg}, MariaDB's {@code <prefix>-maria}, wherever each one is.
 */
final class ProxiedDatabases implements AutoCloseable {
    /** The database behind the proxy, and the driver that reaches it. */
    enum Proxied {
        POSTGRES, MARIADB_VIA_MYSQL_DRIVER, MARIADB_VIA_MARIADB_DRIVER
    }

    final TcpProxy proxy;
    /** The data source through the proxy, and the one that is reached directly. */
    final LockstepDataSource proxied;
    final LockstepDataSource direct;
    /** The proxied database reached directly, to see what it has prepared. */
    final XADataSource proxiedXa;

    /** @param tune applied to the proxied data source's builder before it is built (e.g. its xaCallTimeout) */
    ProxiedDatabases(LockstepTransactionManager tm, Proxied which, String prefix,
            UnaryOperator<LockstepDataSources.Builder> tune) throws IOException {
        boolean pg = which == Proxied.POSTGRES;
        URI target = URI.create((pg ? Servers.postgresPlain() : Servers.mysqlPlain()).substring("jdbc:".length()));
        proxy = new TcpProxy(target.getHost(), target.getPort());
        String scheme = pg ? "jdbc:postgresql://" : which == Proxied.MARIADB_VIA_MYSQL_DRIVER ? "jdbc:mysql://"
                : "jdbc:mariadb://";
        String user = pg ? Servers.PG_USER : Servers.MYSQL_USER;
        String password = pg ? Servers.PG_PASSWORD : Servers.MYSQL_PASSWORD;
        proxied = tune.apply(LockstepDataSources.forUrl(tm, scheme + "127.0.0.1:" + proxy.port() + target.getPath(),
                user, password).name(prefix + (pg ? "-pg" : "-maria"))).build();
        direct = pg
                ? LockstepDataSources.mysql(tm, Servers.mysqlPlain(), Servers.MYSQL_USER, Servers.MYSQL_PASSWORD)
                        .name(prefix + "-maria").build()
                : LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER, Servers.PG_PASSWORD)
                        .name(prefix + "-pg").build();
        proxiedXa = pg ? Prepared.postgres(Servers.PG_URL) : Prepared.mysql(Servers.MYSQL_URL);
    }

    @Override
    public void close() throws IOException {
        direct.close();
        proxied.close();
        proxy.close();
    }
}
