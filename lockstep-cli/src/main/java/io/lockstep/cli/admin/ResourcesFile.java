package io.lockstep.cli.admin;

import io.lockstep.tm.XAResourceSource;
import io.lockstep.xa.jdbc.XADataSourceSource;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import javax.sql.XADataSource;

/**
 * The resources an operator's command recovers, described in a properties file:
 * <pre>
 * resource.pg-orders.type=postgres        # postgres | mysql | mariadb | h2 | artemis
 * resource.pg-orders.url=jdbc:postgresql://127.0.0.1:5432/orders
 * resource.pg-orders.user=postgres
 * resource.pg-orders.password=
 * </pre>
 * The name after {@code resource.} must be the name the application's resources use (it is in the commit records).
 */
final class ResourcesFile {
    private ResourcesFile() {
    }

    static List<XAResourceSource> read(Path file) throws IOException {
        Properties p = new Properties();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("resources file " + file.toAbsolutePath() + " does not exist or is"
                    + " not a file; --resources takes a properties file of resource.<name>.type|url|user|password");
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IOException("cannot read resources file " + file.toAbsolutePath() + ": " + e, e);
        }
        TreeSet<String> names = new TreeSet<>();
        for (String key : p.stringPropertyNames()) {
            String[] parts = key.split("\\.");
            if (parts.length != 3 || !parts[0].equals("resource")
                    || !List.of("type", "url", "user", "password").contains(parts[2])) {
                throw new IllegalArgumentException(file + ": unknown key " + key
                        + "; expected resource.<name>.type|url|user|password");
            }
            names.add(parts[1]);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException(file + ": no resource.<name>.type entries");
        }
        List<XAResourceSource> sources = new ArrayList<>();
        for (String name : names) {
            String type = required(p, file, name, "type");
            String url = required(p, file, name, "url");
            sources.add(jdbc(name, type, url, p.getProperty("resource." + name + ".user"),
                    p.getProperty("resource." + name + ".password")));
        }
        return sources;
    }

    private static String required(Properties p, Path file, String name, String what) {
        String v = p.getProperty("resource." + name + "." + what);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(file + ": resource." + name + "." + what + " is missing");
        }
        return v.trim();
    }

    static XAResourceSource jdbc(String name, String type, String url, String user, String password) {
        XADataSource ds;
        switch (type) {
            case "artemis": {
                org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory cf =
                        new org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory(url);
                if (user != null) {
                    cf.setUser(user);
                }
                if (password != null) {
                    cf.setPassword(password);
                }
                return new io.lockstep.xa.jms.ArtemisRecoverySource(name, cf);
            }
            case "postgres": {
                org.postgresql.xa.PGXADataSource pg = new org.postgresql.xa.PGXADataSource();
                pg.setUrl(url);
                if (user != null) {
                    pg.setUser(user);
                }
                if (password != null) {
                    pg.setPassword(password);
                }
                ds = pg;
                break;
            }
            case "mysql":
            case "mariadb": {
                com.mysql.cj.jdbc.MysqlXADataSource my = new com.mysql.cj.jdbc.MysqlXADataSource();
                my.setUrl(url);
                if (user != null) {
                    my.setUser(user);
                }
                if (password != null) {
                    my.setPassword(password);
                }
                ds = my;
                break;
            }
            case "h2": {
                org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
                h2.setURL(url);
                h2.setUser(user == null ? "sa" : user);
                h2.setPassword(password == null ? "" : password);
                ds = h2;
                break;
            }
            default:
                throw new IllegalArgumentException("resource." + name + ".type \"" + type
                        + "\": must be postgres, mysql, mariadb, h2 or artemis");
        }
        return new XADataSourceSource(name, ds, XADataSourceSource.withoutPassword(url));
    }

}
