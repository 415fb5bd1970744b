package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HeadlessChromiumTest {
    @Test
    void shouldFailNamingTheMissingBinariesAndThatCiRunInstallsThem() {
        Path chromium = Path.of("/nonexistent/chromium");
        Path chromedriver = Path.of("/nonexistent/chromedriver");

        assertThatThrownBy(() -> HeadlessChromium.start("missing", chromium, chromedriver))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("/nonexistent/chromium (Debian package chromium)")
                .hasMessageContaining("/nonexistent/chromedriver (Debian package chromium-driver)")
                .hasMessageContaining("`bash .ci/run` installs them");
    }
}
