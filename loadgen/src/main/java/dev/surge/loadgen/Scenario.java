package dev.surge.loadgen;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one spike run needs, validated: where to send, the profile, the keys, the mode and the bounds. Built
 * from a scenario file and command-line options by {@link ScenarioSettings}.
 *
 * @param target      the ingest-api base URL, e.g. {@code http://127.0.0.1:8080}
 * @param keyPrefix   prepended to every key of the run ({@code PREFIX-0} ...), unique per run so that the
 *                    integrity check reads back only this run's keys
 * @param maxInFlight requests sent and not yet answered, at most (a retry waiting for Retry-After holds its place);
 *                    an arrival due while the bound is reached is dropped and counted, never queued
 * @param settle      how long the integrity check waits at most for the counts to reach the acknowledged events and
 *                    stop changing
 */
public record Scenario(URI target, Profile profile, int keys, double zipf, long seed, String keyPrefix, Mode mode,
                       int batchSize, String ack, int maxInFlight, Duration timeout, int maxAttempts,
                       Duration settle, boolean verify, Optional<ApiKey> apiKey) {
    public static final int MAX_KEYS = 1_000_000;
    public static final int MAX_BATCH = 1000;
    public static final int MAX_IN_FLIGHT = 20_000;
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

    public Scenario {
        if (!"http".equals(target.getScheme()) || target.getHost() == null) {
            throw new ProfileException("target '" + target + "' is not an http:// URL with a host");
        }
        target = URI.create(target.toString().replaceAll("/+$", ""));
        if (keys < 1 || keys > MAX_KEYS) {
            throw new ProfileException("--keys must be 1 to " + MAX_KEYS + ", not " + keys);
        }
        if (zipf < 0 || zipf > 10 || Double.isNaN(zipf)) {
            throw new ProfileException("--zipf must be 0 (uniform) to 10, not " + zipf);
        }
        if (!keyPrefix.matches("[A-Za-z0-9._:-]{1,100}")) {
            throw new ProfileException("key prefix '" + keyPrefix + "' must be 1-100 characters of A-Z a-z 0-9 . _ : -");
        }
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            throw new ProfileException("--batch-size must be 1 to " + MAX_BATCH + ", not " + batchSize);
        }
        if (!ack.equals("count") && !ack.equals("durable")) {
            throw new ProfileException("--ack must be count or durable, not '" + ack + "'");
        }
        if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
            throw new ProfileException("--max-in-flight must be 1 to " + MAX_IN_FLIGHT + ", not " + maxInFlight);
        }
        if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new ProfileException("--timeout must be 1ms to 5m, not " + Rates.format(timeout));
        }
        if (maxAttempts < 1 || maxAttempts > 20) {
            throw new ProfileException("--max-attempts must be 1 to 20, not " + maxAttempts);
        }
        if (settle.isNegative() || settle.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new ProfileException("--settle must be 0 to 10m, not " + Rates.format(settle));
        }
        apiKey = apiKey == null ? Optional.empty() : apiKey;
    }

    /** Refuses a target that is not this machine, unless the caller said otherwise ({@code --allow-remote}). */
    public Scenario requireLoopback(boolean allowRemote) {
        if (!allowRemote && !isLoopback(target.getHost())) {
            throw new ProfileException("target '" + target + "' is not this machine (127.0.0.1, localhost or ::1): "
                    + "a spike can overload what it hits; pass --allow-remote to send it there anyway");
        }
        return this;
    }

    static boolean isLoopback(String host) {
        if (LOOPBACK_NAMES.contains(host)) {
            return true;
        }
        if (!host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+]?")) {
            return false; // a name other than localhost: not resolved, not trusted
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Arrivals per second = events per second / events per request. */
    public Profile arrivals() {
        return mode.batch() ? profile.scaled(1.0 / batchSize) : profile;
    }

    public String key(int index) {
        return keyPrefix + "-" + index;
    }
}
