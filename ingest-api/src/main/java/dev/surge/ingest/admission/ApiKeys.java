package dev.surge.ingest.admission;

import java.util.Locale;

import dev.surge.common.config.SettingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API keys a client may present as {@code Authorization: Bearer <raw key>}, held only as SHA-256 hashes.
 *
 * <p>The file ({@code SURGE_API_KEYS_FILE}) has one key per line, {@code name:sha256-hex-of-the-raw-key}; blank
 * lines and lines starting with {@code #} are ignored. A presented key is hashed and compared with every stored
 * hash in constant time ({@link MessageDigest#isEqual}), so neither a match nor its position shows in the timing.
 * Neither a raw key nor a line of the file ever appears in a message.
 */
public final class ApiKeys {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final String SETTING = "SURGE_API_KEYS_FILE (api.keys.file)";
    private static final ApiKeys NONE = new ApiKeys(List.of());

    private final List<Entry> entries;

    private record Entry(String name, byte[] hash) {
    }

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** Keys off: every client is known by its remote address. */
    public static ApiKeys none() {
        return NONE;
    }

    /** Named hashes, for tests and for building a key set in code. */
    public static ApiKeys of(Map<String, String> sha256HexByName) {
        List<String> lines = new ArrayList<>();
        sha256HexByName.forEach((name, hash) -> lines.add(name + ":" + hash));
        return parse(lines, "(in code)");
    }

    public static ApiKeys load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SettingException(SETTING + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        return parse(lines, file.toString());
    }

    private static ApiKeys parse(List<String> lines, String source) {
        Map<String, Integer> lineOfName = new LinkedHashMap<>();
        Map<String, Integer> lineOfHash = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNumber = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String where = SETTING + " " + source + " line " + lineNumber;
            if (colon < 0) {
                throw new SettingException(where + " should be name:sha256-hex-of-the-raw-key");
            }
            String name = line.substring(0, colon).strip();
            String hash = line.substring(colon + 1).strip().toLowerCase(java.util.Locale.ROOT);
            if (!NAME.matcher(name).matches()) {
                throw new SettingException(where + ": the name should be 1-64 characters of A-Z a-z 0-9 . _ -");
            }
            if (!SHA256_HEX.matcher(hash).matches()) {
                throw new SettingException(where + ": after the name should come 64 hex digits, the SHA-256 of the "
                        + "raw key (printf %s \"$KEY\" | sha256sum), never the raw key itself");
            }
            Integer sameName = lineOfName.putIfAbsent(name, lineNumber);
            if (sameName != null) {
                throw new SettingException(where + ": the name '" + name + "' is already used on line " + sameName);
            }
            Integer sameHash = lineOfHash.putIfAbsent(hash, lineNumber);
            if (sameHash != null) {
                throw new SettingException(where + ": the same key as line " + sameHash);
            }
            entries.add(new Entry(name, HexFormat.of().parseHex(hash)));
        }
        if (entries.isEmpty()) {
            throw new SettingException(SETTING + " " + source + " holds no keys: every request would be refused");
        }
        return new ApiKeys(entries);
    }

    public boolean enabled() {
        return !entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    /** The name of the key whose hash matches {@code rawKey}'s; every stored hash is compared, match or not. */
    public Optional<String> nameOf(String rawKey) {
        byte[] presented = sha256(rawKey);
        String found = null;
        for (Entry entry : entries) {
            boolean equal = MessageDigest.isEqual(presented, entry.hash());
            found = equal ? entry.name() : found;
        }
        return Optional.ofNullable(found);
    }

    static byte[] sha256(String rawKey) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(rawKey.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }

    /** The hex SHA-256 of a raw key: what a line of the keys file holds after the name. */
    public static String sha256Hex(String rawKey) {
        return HexFormat.of().formatHex(sha256(rawKey));
    }

    /** Names only: hashes stay out of logs too. */
    @Override
    public String toString() {
        return enabled() ? "ApiKeys" + entries.stream().map(Entry::name).toList() : "ApiKeys[off]";
    }

    /** The token of an {@code Authorization: Bearer <token>} field, if that is what {@code authorization} is. */
    public static Optional<String> bearerToken(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return Optional.empty();
        }
        String token = value.substring(space + 1).strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
