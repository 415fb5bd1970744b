package dev.surge.stack;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * {@code DATA_DIR/stack.json}, read and changed safely by several commands at once. Every change happens while
 * holding an exclusive {@link FileChannel} lock on {@code DATA_DIR/stack.lock} (so two {@code ./surge} commands never
 * lose each other's entries), and is written to a temporary file that is then renamed over the old one (so a reader
 * never sees half a file).
 */
public final class StackFile {
    public static final String NAME = "stack.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dataDir;
    // A FileLock excludes other processes only; threads of this process (the launcher's supervisor and its
    // shutdown hook) take this first, or the second FileChannel.lock() would throw OverlappingFileLockException.
    private final ReentrantLock inProcess = new ReentrantLock();

    public StackFile(Path dataDir) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path path() {
        return dataDir.resolve(NAME);
    }

    /** The stack as last written; empty when none is listed here. Takes no lock: writes are atomic renames. */
    public Optional<StackState> read() {
        Path file = path();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), StackState.class));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Changes the stack under the lock; returns what was written. Fails when no stack is listed here. */
    public StackState update(UnaryOperator<StackState> change) {
        try (Lock lock = lock()) {
            StackState next = change.apply(lock.read().orElseThrow(() -> new IllegalStateException(
                    "No Surge stack is running from " + dataDir + " (" + NAME + " not found)")));
            lock.write(next);
            return next;
        }
    }

    /** Holds {@code stack.lock} until closed; for a read-decide-write that must not interleave with another. */
    public Lock lock() {
        inProcess.lock();
        try {
            Files.createDirectories(dataDir);
            FileChannel channel = FileChannel.open(dataDir.resolve("stack.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                return new Lock(channel, channel.lock());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            inProcess.unlock();
            throw new UncheckedIOException("Cannot lock " + dataDir.resolve("stack.lock") + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            inProcess.unlock();
            throw e;
        }
    }

    /** The held lock, and the reads and writes allowed while holding it. */
    public final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        public Optional<StackState> read() {
            return StackFile.this.read();
        }

        public void write(StackState state) {
            Path temp = dataDir.resolve(NAME + ".tmp");
            try {
                JSON.writeValue(temp.toFile(), state);
                Files.move(temp, path(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write " + path() + ": " + e.getMessage(), e);
            }
        }

        public void delete() {
            try {
                Files.deleteIfExists(path());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot remove " + path() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot release " + dataDir.resolve("stack.lock"), e);
            } finally {
                inProcess.unlock();
            }
        }
    }
}
