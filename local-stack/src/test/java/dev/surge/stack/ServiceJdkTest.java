package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceJdkTest {
    @TempDir
    Path jvms;

    @Test
    void shouldRunTheServicesOnTheNewestJdkInstalledBesideTheOneRunningSurge() throws IOException {
        Path jdk17 = jdk(jvms.resolve("java-17-openjdk-amd64"), "17.0.15", "17.0.15+6-Debian-1deb12u1");
        jdk(jvms.resolve("temurin-21-jdk"), "21.0.5", "21.0.5+11-LTS");
        Path jdk25 = jdk(jvms.resolve("temurin-25-jdk-amd64"), "25.0.3", "25.0.3+9-LTS");
        ServiceJdk current = ServiceJdk.of(jdk17).orElseThrow();

        ServiceJdk chosen = ServiceJdk.newest(current, ServiceJdk.installedNextTo(jdk17));

        assertThat(chosen.home()).isEqualTo(jdk25);
        assertThat(chosen.feature()).isEqualTo(25);
        // the class data archives are named after it: the JVM refuses one another JDK build wrote
        assertThat(chosen.version()).isEqualTo("25.0.3+9-LTS");
        assertThat(chosen.java()).isEqualTo(jdk25.resolve("bin").resolve("java").toString());
    }

    @Test
    void shouldKeepTheRunningJdkWhenNoneBesideItIsNewer() throws IOException {
        Path jdk25 = jdk(jvms.resolve("temurin-25"), "25.0.3", "25.0.3+9-LTS");
        jdk(jvms.resolve("other-25"), "25.0.1", "25.0.1+8");
        jdk(jvms.resolve("java-17"), "17.0.15", "17.0.15+6");
        ServiceJdk current = ServiceJdk.of(jdk25).orElseThrow();

        assertThat(ServiceJdk.newest(current, ServiceJdk.installedNextTo(jdk25))).isEqualTo(current);
    }

    @Test
    void shouldPassOverDirectoriesThatAreNoJdkSurgeCanRunOn() throws IOException {
        Path jdk17 = jdk(jvms.resolve("java-17"), "17.0.15", "17.0.15+6");
        jdk(jvms.resolve("java-8"), "1.8.0_402", "1.8.0_402-b06");
        Files.createDirectories(jvms.resolve("openjdk-17")); // Debian's: neither release file nor bin/java
        Path noJava = jvms.resolve("jre-only-26");
        Files.createDirectories(noJava);
        Files.writeString(noJava.resolve("release"), "JAVA_VERSION=\"26\"\n");
        Path notExecutable = jvms.resolve("broken-26");
        Files.createDirectories(notExecutable.resolve("bin"));
        Files.writeString(notExecutable.resolve("bin").resolve("java"), "");
        Files.writeString(notExecutable.resolve("release"), "JAVA_VERSION=\"26\"\n");
        Files.writeString(jvms.resolve("a-file"), "not a directory");

        assertThat(ServiceJdk.installedNextTo(jdk17)).extracting(ServiceJdk::home).containsExactly(jdk17);
    }

    @Test
    void shouldFindTheOtherJdkBundlesOnMacOs() throws IOException {
        Path jdk17 = jdk(jvms.resolve("temurin-17.jdk").resolve("Contents").resolve("Home"), "17.0.13",
                "17.0.13+11");
        Path jdk25 = jdk(jvms.resolve("temurin-25.jdk").resolve("Contents").resolve("Home"), "25.0.1", "25.0.1+8");

        assertThat(ServiceJdk.newest(ServiceJdk.of(jdk17).orElseThrow(), ServiceJdk.installedNextTo(jdk17)).home())
                .isEqualTo(jdk25);
    }

    @Test
    void shouldRunTheServicesOnTheJdkSurgeJavaHomeNamesAndRefuseOneThatIsNone() throws IOException {
        Path jdk21 = jdk(jvms.resolve("jdk-21"), "21.0.5", "21.0.5+11");

        ServiceJdk named = ServiceJdk.forServices(Map.of(ServiceJdk.ENV, jdk21.toString()));
        assertThat(named.home()).isEqualTo(jdk21);
        assertThat(named.summary()).isEqualTo("21.0.5+11 (" + jdk21 + ")   (SURGE_JAVA_HOME)");
        assertThat(ServiceJdk.of(jdk21).orElseThrow().summary()).endsWith("(the newest JDK found; SURGE_JAVA_HOME "
                + "chooses one)");
        assertThatThrownBy(() -> ServiceJdk.forServices(Map.of(ServiceJdk.ENV, jvms.resolve("nothing").toString())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(ServiceJdk.ENV + "=" + jvms.resolve("nothing"))
                .hasMessageContaining("is not a JDK 17 or later");
    }

    @Test
    void shouldRunAnInstanceAddedToAStackOnTheStacksJdkEvenWhenANewerOneWasInstalledSince() throws IOException {
        Path jdk21 = jdk(jvms.resolve("temurin-21"), "21.0.5", "21.0.5+11");
        Path jdk17 = jdk(jvms.resolve("java-17"), "17.0.15", "17.0.15+6");

        List<String> warnings = new ArrayList<>();

        assertThat(ServiceJdk.forAddedInstance(Map.of(), Optional.of(jdk21), warnings::add).home()).isEqualTo(jdk21);
        assertThat(ServiceJdk.forAddedInstance(Map.of(ServiceJdk.ENV, jdk17.toString()), Optional.of(jdk21),
                warnings::add)).extracting(ServiceJdk::home, ServiceJdk::named).containsExactly(jdk17, true);
        assertThat(warnings).isEmpty();
    }

    @Test
    void shouldChooseAsUpDoesWhenTheStacksJdkIsGoneOrUnknown() {
        ServiceJdk asUp = ServiceJdk.forServices(Map.of());
        List<String> warnings = new ArrayList<>();

        assertThat(ServiceJdk.forAddedInstance(Map.of(), Optional.of(jvms.resolve("uninstalled-25")), warnings::add))
                .isEqualTo(asUp);
        assertThat(warnings).containsExactly("the stack's JDK (" + jvms.resolve("uninstalled-25") + ") is no longer "
                + "a JDK Surge runs on; this instance runs on " + asUp);
        assertThat(ServiceJdk.forAddedInstance(Map.of(), Optional.empty(), warnings::add)).isEqualTo(asUp);
        assertThat(warnings).as("a stack that recorded no JDK (written before it was kept) gets no warning").hasSize(1);
    }

    @Test
    void shouldReadTheFeatureReleaseOfEveryVersionScheme() {
        assertThat(List.of("25.0.3", "26-ea", "21", "1.8.0_402", "17.0.15+6"))
                .map(version -> ServiceJdk.featureOf(version).orElseThrow())
                .containsExactly(25, 26, 21, 8, 17);
        assertThat(ServiceJdk.featureOf("unknown")).isEmpty();
    }

    /** A directory that looks like a JDK: an executable bin/java and a release file. */
    private static Path jdk(Path home, String javaVersion, String runtimeVersion) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path java = Files.writeString(bin.resolve("java"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_RUNTIME_VERSION=\"" + runtimeVersion
                + "\"\nJAVA_VERSION=\"" + javaVersion + "\"\n");
        return home;
    }
}
