package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.surge.common.config.SettingException;
import dev.surge.ingest.admission.ApiKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API keys file: {@code name:sha256hex} lines, read once at start, refused with a message that says why. */
class ApiKeysFileTest {
    @TempDir
    Path dir;

    private Path file(String content) throws Exception {
        return Files.writeString(dir.resolve("api-keys"), content);
    }

    @Test
    void shouldReadNamedHashesAndSkipCommentsAndBlankLines() throws Exception {
        ApiKeys keys = ApiKeys.load(file("# team keys\n\ncheckout:" + ApiKeys.sha256Hex("k1") + "\n"
                + "  search : " + ApiKeys.sha256Hex("k2").toUpperCase(java.util.Locale.ROOT) + "  \n"));

        assertThat(keys.size()).isEqualTo(2);
        assertThat(keys.nameOf("k1")).contains("checkout");
        assertThat(keys.nameOf("k2")).contains("search");
        assertThat(keys.nameOf("k3")).isEmpty();
        assertThat(keys.nameOf("")).isEmpty();
        assertThat(keys.toString()).isEqualTo("ApiKeys[checkout, search]");
    }

    @Test
    void shouldRefuseARawKeyInPlaceOfItsHashWithoutRepeatingIt() throws Exception {
        Path keys = file("checkout:my-raw-secret\n");

        assertThatThrownBy(() -> ApiKeys.load(keys))
                .isInstanceOf(SettingException.class)
                .hasMessageContaining("SURGE_API_KEYS_FILE")
                .hasMessageContaining("line 1")
                .hasMessageContaining("64 hex digits")
                .hasMessageNotContaining("my-raw-secret");
    }

    @Test
    void shouldRefuseALineWithoutAName() throws Exception {
        Path keys = file("# ok\n" + ApiKeys.sha256Hex("k1") + "\n");

        assertThatThrownBy(() -> ApiKeys.load(keys)).isInstanceOf(SettingException.class)
                .hasMessageContaining("line 2");
    }

    @Test
    void shouldRefuseTheSameNameOrKeyTwice() throws Exception {
        Path sameName = file("a:" + ApiKeys.sha256Hex("k1") + "\na:" + ApiKeys.sha256Hex("k2") + "\n");
        assertThatThrownBy(() -> ApiKeys.load(sameName)).hasMessageContaining("line 2")
                .hasMessageContaining("already used on line 1");

        Path sameKey = file("a:" + ApiKeys.sha256Hex("k1") + "\nb:" + ApiKeys.sha256Hex("k1") + "\n");
        assertThatThrownBy(() -> ApiKeys.load(sameKey)).hasMessageContaining("same key as line 1");
    }

    @Test
    void shouldRefuseAFileWithoutKeysOrAFileThatCannotBeRead() throws Exception {
        Path empty = file("# nothing yet\n");
        assertThatThrownBy(() -> ApiKeys.load(empty)).isInstanceOf(SettingException.class)
                .hasMessageContaining("holds no keys");

        assertThatThrownBy(() -> ApiKeys.load(dir.resolve("missing"))).isInstanceOf(SettingException.class)
                .hasMessageContaining("cannot read");
    }
}
