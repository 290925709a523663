package dev.raylightning.core.collective.shm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Native;
import com.sun.jna.Platform;

import dev.raylightning.core.util.DirectBuffers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linux futexes on 32-bit words of shared mappings, through JNA's direct mapping of
 * {@code syscall(2)}: a process sleeps in the kernel until the word changes or another process
 * wakes it, which is what a barrier in shared memory needs to wait without taking a CPU from the
 * rank it waits for. The operations are the shared (not process-private) ones, keyed by the
 * mapped file and offset, so they work between processes that map the same file.
 *
 * <p>Only JNA calls that JNA 5.8 has are used: Ray's worker JVMs load the JNA that Ray's own jar
 * bundles (5.8.0) ahead of ours.
 */
final class Futex {

    private static final Logger LOG = LoggerFactory.getLogger(Futex.class);
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final long SYS_FUTEX = syscallNumber();
    private static final boolean AVAILABLE = SYS_FUTEX >= 0 && register();

    private Futex() {}

    private static long syscallNumber() {
        if (!Platform.isLinux()) {
            return -1;
        }
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> 202;
            case "aarch64" -> 98;
            default -> -1;
        };
    }

    private static boolean register() {
        try {
            Native.register(Futex.class, Platform.C_LIBRARY_NAME);
            // waking a word no one waits on returns 0; a kernel without futexes, -1
            ByteBuffer word = ByteBuffer.allocateDirect(4);
            return syscall(SYS_FUTEX, DirectBuffers.address(word), FUTEX_WAKE, 1, 0, 0, 0) == 0;
        } catch (LinkageError | RuntimeException e) {
            LOG.warn("futexes unavailable ({}); shared-memory calls wait through the wrapped group", e.toString());
            return false;
        }
    }

    private static native long syscall(long number, long address, int op, int value, long timeout, long address2,
            int value3);

    /** Whether this process can use futexes (Linux on x86-64 or AArch64, JNA's native part loaded). */
    static boolean available() {
        return AVAILABLE;
    }

    /**
     * A {@code struct timespec} of {@code nanos} for {@link #await}: 16 bytes of native memory,
     * freed with the buffer, so the caller keeps the buffer while it uses the address.
     */
    static ByteBuffer timespec(long nanos) {
        ByteBuffer t = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        t.putLong(0, nanos / 1_000_000_000L);
        t.putLong(8, nanos % 1_000_000_000L);
        return t;
    }

    /**
     * Sleeps while the word at {@code address} holds {@code expected}, at most about the timespec
     * at {@code timeout} (see {@link #timespec}). Returns early on a wake-up, a changed word, a
     * signal or a spurious wake-up: callers re-check their condition.
     */
    static void await(long address, int expected, long timeout) {
        syscall(SYS_FUTEX, address, FUTEX_WAIT, expected, timeout, 0, 0);
    }

    /** Wakes every process sleeping on the word at {@code address}. */
    static void wakeAll(long address) {
        syscall(SYS_FUTEX, address, FUTEX_WAKE, Integer.MAX_VALUE, 0, 0, 0);
    }
}
