package io.lockstep.tm.log.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Passwords never leave a UrlDataSource through toString or messages. */
class UrlDataSourceTest {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
        "jdbc:postgresql://db:5432/app | jdbc:postgresql://db:5432/app",
        "jdbc:postgresql://db/app?user=u&password=pw1&ssl=true | jdbc:postgresql://db/app?user=u&password=****&ssl=true",
        "jdbc:mariadb://db/app?PASSWORD=pw1 | jdbc:mariadb://db/app?PASSWORD=****",
        "jdbc:sqlserver://db;user=u;pwd=pw1;encrypt=true | jdbc:sqlserver://db;user=u;pwd=****;encrypt=true",
        "jdbc:mariadb://u:pw1@db:3306/app | jdbc:mariadb://u:****@db:3306/app"})
    void passwordsInUrlsAreMasked(String url, String shown) {
        assertThat(UrlDataSource.redact(url)).isEqualTo(shown);
        assertThat(new UrlDataSource(url, "u", "secret-pw").toString()).isEqualTo(shown + " as u")
                .doesNotContain("pw1").doesNotContain("secret-pw");
    }
}
