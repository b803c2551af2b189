package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code lockstep.cdi.datasource.<name>.*}: what is accepted, and that every mistake names its key. */
class DataSourceSettingsTest {

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void readsEachNamedDataSourceAndIgnoresOtherKeys() {
        List<DataSourceSettings> settings = DataSourceSettings.parse(props(
                "lockstep.nodeId", "n1",
                "lockstep.cdi.datasource.pg-orders.url", " jdbc:postgresql://db/orders ",
                "lockstep.cdi.datasource.pg-orders.user", "app",
                "lockstep.cdi.datasource.pg-orders.password", "s3cret",
                "lockstep.cdi.datasource.pg-orders.maxSize", "10",
                "lockstep.cdi.datasource.ledger.v2.url", "jdbc:mariadb://db/ledger",
                "lockstep.cdi.datasource.ledger.v2.minSize", "0"));

        assertThat(settings).containsExactly(
                new DataSourceSettings("ledger.v2", "jdbc:mariadb://db/ledger", null, null, 0, null),
                new DataSourceSettings("pg-orders", "jdbc:postgresql://db/orders", "app", "s3cret", null, 10));
        assertThat(settings.get(1).toString()).doesNotContain("s3cret");
    }

    @Test
    void noDataSourceKeysMeansNoDataSources() {
        assertThat(DataSourceSettings.parse(props("lockstep.nodeId", "n1"))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "lockstep.cdi.datasource.y.user|app|lockstep.cdi.datasource.y.url is missing",
            "lockstep.cdi.datasource.x.maxsize|3|unknown configuration key lockstep.cdi.datasource.x.maxsize",
            "lockstep.cdi.datasources.x.url|jdbc:h2:mem:x|unknown configuration key lockstep.cdi.datasources.x.url",
            "lockstep.cdi.datasource.url|jdbc:h2:mem:x|unknown configuration key lockstep.cdi.datasource.url",
            "lockstep.cdi.timeout|5|unknown configuration key lockstep.cdi.timeout",
            "lockstep.cdi.datasource.a b.url|jdbc:h2:mem:x|data source name \"a b\"",
            "lockstep.cdi.datasource.x.maxSize|ten|lockstep.cdi.datasource.x.maxSize \"ten\": not an integer",
            "lockstep.cdi.datasource.x.maxSize|0|lockstep.cdi.datasource.x.maxSize 0: must be at least 1",
            "lockstep.cdi.datasource.x.minSize|-1|lockstep.cdi.datasource.x.minSize -1: must be at least 0",
    })
    void mistakesNameTheirKey(String key, String value, String message) {
        Properties p = props("lockstep.cdi.datasource.x.url", "jdbc:h2:mem:x");
        p.setProperty(key, value);
        assertThatThrownBy(() -> DataSourceSettings.parse(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void minSizeAboveMaxSizeIsRefused() {
        assertThatThrownBy(() -> DataSourceSettings.parse(props(
                "lockstep.cdi.datasource.x.url", "jdbc:h2:mem:x",
                "lockstep.cdi.datasource.x.minSize", "5",
                "lockstep.cdi.datasource.x.maxSize", "2")))
                .hasMessage("lockstep.cdi.datasource.x.minSize 5 > lockstep.cdi.datasource.x.maxSize 2");
    }
}
