package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServiceLauncherTest {
    @Test
    void shouldGiveAnIngestApiTheSameInstanceIdEachTimeItStartsOnItsPort() {
        assertThat(ServiceLauncher.apiInstanceId(8080)).isEqualTo(ServiceLauncher.apiInstanceId(8080))
                .startsWith("ingest-api-").endsWith("-8080")
                .matches("[A-Za-z0-9._-]{1,249}");
        assertThat(ServiceLauncher.apiInstanceId(8081)).isNotEqualTo(ServiceLauncher.apiInstanceId(8080));
    }
}
