package io.lockstep.tm.log.file;

import io.lockstep.tm.log.TransactionLogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive use of a log directory: an OS file lock on {@code lockstep.lock}, which also holds the holder's pid so a
 * second opener can say who has it. The OS releases the lock when the process dies, so a crash never leaves the
 * directory locked.
 *
 * <p>Within one JVM the lock file is never opened a second time while it is locked: POSIX record locks belong to
 * the process, and closing <em>any</em> descriptor of the file releases them all, so a refused second opener that
 * closed its channel would silently unlock the directory for other processes (found by the bad-input catalogue of
 * issue 10). {@link #HELD} is that JVM-wide fact, the one piece of static state here.
 */
final class DirectoryLock implements AutoCloseable {
    static final String FILE = "lockstep.lock";

    /** Lock files this JVM holds (absolute, normalised paths). */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    static DirectoryLock acquire(Path directory) throws TransactionLogException {
        Path file = directory.resolve(FILE).toAbsolutePath().normalize();
        if (!HELD.add(file)) {
            throw inUse(directory, file, ProcessHandle.current().pid() + " (this JVM)");
        }
        try {
            return lock(directory, file);
        } catch (TransactionLogException | RuntimeException e) {
            HELD.remove(file);
            throw e;
        }
    }

    private static TransactionLogException inUse(Path directory, Path file, String holder) {
        return new TransactionLogException("log directory " + directory + " is in use by pid " + holder
                + " (lock file " + file + "); stop that process or give this manager its own log directory");
    }

    private static DirectoryLock lock(Path directory, Path file) throws TransactionLogException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            Files600.restrict(file);
        } catch (IOException e) {
            throw new TransactionLogException("cannot open " + file + ": " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            close(channel);
            throw new TransactionLogException("cannot lock " + file + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            String holder = readHolder(channel);
            close(channel);
            throw inUse(directory, file, holder);
        }
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
                    0);
            channel.force(true);
        } catch (IOException e) {
            close(channel);
            throw new TransactionLogException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return new DirectoryLock(file, channel, lock);
    }

    private static String readHolder(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            channel.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return s.isEmpty() ? "unknown" : s;
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        close(channel);
        HELD.remove(file);
    }
}
