package dev.surge.bench;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options the load commands ({@code openloop}, {@code batch}) share: where the requests go (loopback only), for
 * how long, over how many keys, and where the summary is written.
 */
final class LoadTarget {
    @Spec(Spec.Target.MIXEE) CommandSpec command;
    @Option(names = "--url", required = true) String url;
    @Option(names = "--seconds", defaultValue = "10") double seconds;
    @Option(names = "--warmup-seconds", defaultValue = "0") double warmup;
    @Option(names = "--keys", defaultValue = "100") int keys;
    @Option(names = "--out", required = true) Path out;

    /**
     * The URL to load, once the settings are checked: a usage error (exit code 2, nothing sent) when its host is not a
     * loopback address, or the keys or seconds are out of range.
     */
    URI uri() {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw usage("--url " + url + " is not a URL: " + e.getMessage());
        }
        if (uri.getHost() == null || !loopback(uri.getHost())) {
            throw usage("load goes to the loopback interface only, not to " + url);
        }
        if (keys < 1 || seconds <= 0 || warmup < 0) {
            throw usage("--keys >= 1, --seconds > 0, --warmup-seconds >= 0");
        }
        return uri;
    }

    /** A usage error of the command this mixin is part of. */
    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(command.commandLine(), command.name() + ": " + message);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
