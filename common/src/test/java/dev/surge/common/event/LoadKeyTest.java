package dev.surge.common.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoadKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"default", "checkout", "a", "Shop-1.eu_west:v2"})
    void shouldAcceptKeysMadeOfTheAllowedCharacters(String key) {
        assertThat(LoadKey.isValid(key)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "slash/no", "ümlaut", "emoji😀", "new\nline", "at@", "tick`", "brace{",
            "A[1]", "semi;"})
    void shouldRefuseOtherKeys(String key) {
        assertThat(LoadKey.isValid(key)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void shouldBoundTheLengthAt128() {
        assertThat(LoadKey.isValid("k".repeat(128))).isTrue();
        assertThat(LoadKey.isValid("k".repeat(129))).isFalse();
        assertThat(LoadKey.isValid(null)).isFalse();
    }
}
