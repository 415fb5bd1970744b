package dev.surge.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.ingest.admission.ConcurrencyLimiter.Result;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdmissionGateTest {
    @ParameterizedTest(name = "{0} (durable {1}) -> {2}")
    @CsvSource({
        "200, false, ANSWERED",
        "202, true, ANSWERED",
        "202, false, DROPPED",
        "503, false, DROPPED",
        "504, false, DROPPED",
        "400, false, IGNORED",
        "401, false, IGNORED",
        "413, false, IGNORED",
        "429, false, IGNORED"
    })
    void shouldTellTheLimitWhatEachAnswerSaysAboutTheCountPath(int status, boolean durable, Result expected) {
        assertThat(AdmissionGate.resultOf(status, durable)).isEqualTo(expected);
    }
}
