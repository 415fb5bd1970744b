package dev.surge.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The JDK a stack's services run on: the one {@code SURGE_JAVA_HOME} names, else the newest JDK (17 or later)
 * installed next to the JDK that runs {@code ./surge}, else that JDK. A newer JDK warms up faster: on this project's
 * 2-core machine the services on JDK 25 counted more in their first 10 s after ready than on JDK 17 in most runs, at
 * about the same rate once warm (BENCHMARKS.md, "Which JDK the services run on").
 *
 * @param home    the JDK's directory ({@code bin/java} in it)
 * @param version its runtime version ({@code JAVA_RUNTIME_VERSION} of its {@code release} file), which names its class
 *                data archives: the JVM refuses an archive another JDK build wrote
 * @param feature its feature release: 17, 21, 25, ...
 * @param named   whether {@code SURGE_JAVA_HOME} named it (else it was found)
 */
public record ServiceJdk(Path home, String version, int feature, boolean named) {
    /** The environment variable naming the JDK the services run on. */
    public static final String ENV = "SURGE_JAVA_HOME";
    /** The oldest JDK Surge runs on. */
    static final int MINIMUM_FEATURE = 17;

    /** The JDK the services of a stack started by this process run on ({@code env}: this process's environment). */
    public static ServiceJdk forServices(Map<String, String> env) {
        Optional<String> named = named(env);
        if (named.isPresent()) {
            String chosen = named.get();
            return of(Path.of(chosen)).map(jdk -> new ServiceJdk(jdk.home(), jdk.version(), jdk.feature(), true))
                    .orElseThrow(() -> new IllegalStateException(ENV + "=" + chosen
                    + " is not a JDK " + MINIMUM_FEATURE + " or later (no bin/java, or no release file saying "
                    + "JAVA_VERSION)"));
        }
        return newest(running(), installedNextTo(Path.of(System.getProperty("java.home"))));
    }

    /**
     * The JDK an instance added to a running stack runs on ({@code ./surge start}): the one {@code SURGE_JAVA_HOME}
     * names, else the stack's own ({@code stackJdk}: the one {@code ./surge up} chose, kept in {@code stack.json}) while
     * it still is a JDK Surge runs on, else as {@link #forServices} chooses (and then {@code warning} says why). So the
     * instances of one stack run on one JDK, whatever was installed since.
     */
    public static ServiceJdk forAddedInstance(Map<String, String> env, Optional<Path> stackJdk,
                                              Consumer<String> warning) {
        if (named(env).isPresent() || stackJdk.isEmpty()) {
            return forServices(env);
        }
        Optional<ServiceJdk> stacks = stackJdk.flatMap(ServiceJdk::of);
        if (stacks.isPresent()) {
            return stacks.get();
        }
        ServiceJdk chosen = forServices(env);
        warning.accept("the stack's JDK (" + stackJdk.get() + ") is no longer a JDK Surge runs on; this instance runs "
                + "on " + chosen);
        return chosen;
    }

    /** What {@code SURGE_JAVA_HOME} names, when it is set. */
    private static Optional<String> named(Map<String, String> env) {
        return Optional.ofNullable(env.get(ENV)).filter(value -> !value.isBlank());
    }

    /** The JDK this process runs on. */
    static ServiceJdk running() {
        return new ServiceJdk(Path.of(System.getProperty("java.home")), Runtime.version().toString(),
                Runtime.version().feature(), false);
    }

    /** The newest of {@code candidates}, {@code current} unless one is of a later feature release. */
    static ServiceJdk newest(ServiceJdk current, List<ServiceJdk> candidates) {
        return candidates.stream().filter(jdk -> jdk.feature() > current.feature())
                .max(Comparator.comparingInt(ServiceJdk::feature).thenComparing(jdk -> jdk.home().toString()))
                .orElse(current);
    }

    /**
     * The JDKs installed beside {@code javaHome}: its siblings ({@code /usr/lib/jvm/*}, {@code ~/.sdkman/candidates/
     * java/*}), or on macOS, where {@code javaHome} is {@code NAME.jdk/Contents/Home}, the other bundles' homes.
     */
    static List<ServiceJdk> installedNextTo(Path javaHome) {
        Path home = javaHome.toAbsolutePath().normalize();
        boolean bundle = home.endsWith(Path.of("Contents", "Home")) && home.getNameCount() >= 3;
        Path directory = bundle ? home.getParent().getParent().getParent() : home.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(entry -> !entry.getFileName().toString().startsWith("."))
                    .map(entry -> bundle ? entry.resolve("Contents").resolve("Home") : entry)
                    .map(ServiceJdk::of).flatMap(Optional::stream).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The JDK in {@code home}, when it has an executable {@code bin/java} and a release file saying JDK 17 or later. */
    static Optional<ServiceJdk> of(Path home) {
        Path java = home.resolve("bin").resolve("java");
        Path release = home.resolve("release");
        if (!Files.isExecutable(java) || !Files.isRegularFile(release)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(release);
        } catch (IOException e) {
            return Optional.empty();
        }
        Optional<String> javaVersion = value(lines, "JAVA_VERSION");
        Optional<Integer> feature = javaVersion.flatMap(ServiceJdk::featureOf);
        if (feature.isEmpty() || feature.get() < MINIMUM_FEATURE) {
            return Optional.empty();
        }
        String version = value(lines, "JAVA_RUNTIME_VERSION").orElse(javaVersion.get());
        return Optional.of(new ServiceJdk(home, version, feature.get(), false));
    }

    /** {@code KEY="value"} of a JDK's release file. */
    private static Optional<String> value(List<String> lines, String key) {
        return lines.stream().filter(line -> line.startsWith(key + "=")).findFirst()
                .map(line -> line.substring(key.length() + 1).replace("\"", "").trim())
                .filter(value -> !value.isEmpty());
    }

    /** 25 for {@code 25.0.3}, 26 for {@code 26-ea}, 8 for {@code 1.8.0_402}. */
    static Optional<Integer> featureOf(String javaVersion) {
        String[] parts = javaVersion.split("[.\\-+_]");
        try {
            int first = Integer.parseInt(parts[0]);
            return Optional.of(first == 1 && parts.length > 1 ? Integer.parseInt(parts[1]) : first);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Its {@code java} launcher. */
    public String java() {
        return home.resolve("bin").resolve("java").toString();
    }

    /** {@code 25.0.3+9-LTS (/usr/lib/jvm/temurin-25-jdk-amd64)}. */
    @Override
    public String toString() {
        return version + " (" + home + ")";
    }

    /** For {@code ./surge up}'s summary: the JDK and how it was chosen. */
    public String summary() {
        return this + (named ? "   (" + ENV + ")" : "   (the newest JDK found; " + ENV + " chooses one)");
    }
}
