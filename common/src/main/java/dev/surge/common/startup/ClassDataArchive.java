package dev.surge.common.startup;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this JVM's loaded classes to a class data sharing archive once the service has started, so that the next
 * start of the same jar maps them instead of loading, verifying and linking them again (a restarted ingest-api was
 * ready 3.0-3.4 s after its start with one, 4.6 s without, measured here). On JDK 17 and 18 the launcher asks for it
 * by starting the JVM with {@code -XX:+RecordDynamicDumpInfo} and naming the archive in {@value #ENV}; it passes the
 * archive with {@code -XX:SharedArchiveFile} to later starts. From JDK 19 on the JVM writes the archive itself, at
 * exit (see the launcher's {@code ServiceLauncher.archiveOptions}). Without that variable this does nothing.
 *
 * <p>The dump is the JDK's {@code jcmd VM.cds dynamic_dump} (JDK 17+), run through the DiagnosticCommand MBean on a
 * thread of its own, once per build of the jar; the JDK writes the archive (about 40-50 MB here) at a safepoint. It
 * is written to a file of this process's own and then moved into place, so that two instances started at once never
 * write the same file, and a reader sees a whole archive or none.
 */
public final class ClassDataArchive {
    public static final String ENV = "SURGE_CDS_ARCHIVE";
    private static final Logger LOG = LoggerFactory.getLogger(ClassDataArchive.class);

    private ClassDataArchive() {
    }

    /** Dumps the archive {@value #ENV} names, in the background, unless it exists already. */
    public static void dumpIfAsked(Map<String, String> environment) {
        String target = environment.get(ENV);
        if (target == null || target.isBlank() || Files.exists(Path.of(target))) {
            return;
        }
        Thread dump = new Thread(() -> dump(Path.of(target)), "class-data-archive");
        dump.setDaemon(true);
        dump.start();
    }

    private static void dump(Path archive) {
        Path partial = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".part");
        try {
            Files.createDirectories(archive.toAbsolutePath().getParent());
            long started = System.nanoTime();
            ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmCds",
                    new Object[] {new String[] {"dynamic_dump", partial.toString()}},
                    new String[] {String[].class.getName()});
            if (!Files.exists(partial)) {
                LOG.info("No class data archive written (the JVM was not started with -XX:+RecordDynamicDumpInfo)");
                return;
            }
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.info("Class data archive for the next start written in {} ms: {}",
                    (System.nanoTime() - started) / 1_000_000, archive);
        } catch (Exception e) {
            LOG.info("No class data archive written: {}", e.toString());
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (java.io.IOException ignored) {
                // a leftover .part file is never read
            }
        }
    }
}
