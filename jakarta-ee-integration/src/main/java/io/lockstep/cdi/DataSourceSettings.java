package io.lockstep.cdi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One data source declared in the configuration: {@code lockstep.cdi.datasource.<name>.url} (required),
 * {@code .user}, {@code .password}, {@code .minSize}, {@code .maxSize}. Parsing validates every
 * {@code lockstep.cdi.*} key, so a typo fails the deployment instead of being ignored.
 *
 * @param minSize  null: the JDBC adapter's default
 * @param maxSize  null: the JDBC adapter's default
 */
record DataSourceSettings(String name, String url, String user, String password, Integer minSize, Integer maxSize) {

    static final String PREFIX = "lockstep.cdi.";
    static final String DATASOURCE_PREFIX = PREFIX + "datasource.";
    private static final List<String> PROPERTIES = List.of("url", "user", "password", "minSize", "maxSize");
    /** The JDBC adapter's rule for data source names (they are written into the transaction log). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * The data sources declared in {@code properties}, in name order.
     *
     * @throws IllegalArgumentException naming the key, the value and the rule
     */
    static List<DataSourceSettings> parse(Properties properties) {
        Map<String, Map<String, String>> byName = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            int dot = key.lastIndexOf('.');
            String name = key.startsWith(DATASOURCE_PREFIX) && dot > DATASOURCE_PREFIX.length()
                    ? key.substring(DATASOURCE_PREFIX.length(), dot) : null;
            String property = key.substring(dot + 1);
            if (name == null || !PROPERTIES.contains(property)) {
                throw new IllegalArgumentException("unknown configuration key " + key + "; valid keys: "
                        + DATASOURCE_PREFIX + "<name>." + String.join("|", PROPERTIES));
            }
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(key + ": data source name \"" + name + "\": only [A-Za-z0-9._-],"
                        + " 1 to 64 characters (it is the bean's @Named value and is written into the transaction"
                        + " log)");
            }
            byName.computeIfAbsent(name, n -> new TreeMap<>()).put(property, properties.getProperty(key).trim());
        }
        List<DataSourceSettings> result = new ArrayList<>(byName.size());
        byName.forEach((name, values) -> result.add(of(name, values)));
        return result;
    }

    private static DataSourceSettings of(String name, Map<String, String> values) {
        String keyPrefix = DATASOURCE_PREFIX + name + ".";
        String url = values.get("url");
        if (url == null || url.isEmpty()) {
            throw new IllegalArgumentException(keyPrefix + "url is missing: every data source needs a JDBC URL"
                    + " (e.g. jdbc:postgresql://host:5432/db)");
        }
        Integer minSize = size(keyPrefix + "minSize", values.get("minSize"), 0);
        Integer maxSize = size(keyPrefix + "maxSize", values.get("maxSize"), 1);
        if (minSize != null && maxSize != null && minSize > maxSize) {
            throw new IllegalArgumentException(keyPrefix + "minSize " + minSize + " > " + keyPrefix + "maxSize "
                    + maxSize);
        }
        return new DataSourceSettings(name, url, values.get("user"), values.get("password"), minSize, maxSize);
    }

    private static Integer size(String key, String value, int min) {
        if (value == null) {
            return null;
        }
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " \"" + value + "\": not an integer", e);
        }
        if (n < min) {
            throw new IllegalArgumentException(key + " " + n + ": must be at least " + min);
        }
        return n;
    }

    /** Without the password, nor the URL (which may carry one). */
    @Override
    public String toString() {
        return "DataSourceSettings[name=" + name + ", user=" + user + ", minSize=" + minSize
                + ", maxSize=" + maxSize + "]";
    }
}
