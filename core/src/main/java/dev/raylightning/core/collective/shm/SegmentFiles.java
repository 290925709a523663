package dev.raylightning.core.collective.shm;

import dev.raylightning.core.collective.GroupSecret;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of shared-memory groups in one directory ({@code /dev/shm}): their names, their safe
 * creation and opening, and the removal of files whose creator died.
 *
 * <p>A name is {@code ray-lightning-<pid>-<32 hex digits>}: the creating process, then a value
 * derived from the launch's {@link GroupSecret} and the file's role, so no one outside the launch
 * can predict a name before the file exists, and one name tells nothing about the next. Files are
 * created new (never an existing file or link) and readable by their owner only; a peer's file
 * is opened only as a regular file owned by the same user.
 */
final class SegmentFiles {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentFiles.class);
    static final String PREFIX = "ray-lightning-";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "([0-9]{1,19})-[0-9a-f]{32}");
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> OPEN = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    private final Path dir;
    private final GroupSecret secret;

    SegmentFiles(Path dir, GroupSecret secret) {
        this.dir = dir;
        this.secret = secret;
    }

    Path dir() {
        return dir;
    }

    /** The probe file of {@code rank}, which runs as process {@code pid}. */
    Path probe(long pid, int rank) {
        return dir.resolve(PREFIX + pid + "-" + secret.deriveHex(16, "shm-probe", rank));
    }

    /** The segment of {@code rank} (process {@code pid}) for one generation and parity. */
    Path segment(long pid, int generation, int rank, int parity) {
        return dir.resolve(PREFIX + pid + "-" + secret.deriveHex(16, "shm-segment", generation, rank, parity));
    }

    /** Creates a new empty file, owner-only; refuses an existing file or link at {@code path}. */
    static FileChannel create(Path path) throws IOException {
        return FileChannel.open(path, CREATE, OWNER_ONLY);
    }

    /** Opens a peer's file for reading: a regular file, no link, owned by {@code owner}. */
    static FileChannel open(Path path, UserPrincipal owner) throws IOException {
        FileChannel ch = FileChannel.open(path, OPEN);
        try {
            if (!HostProbe.isFileOf(path, owner)) {
                throw new IOException(path + " is not a regular file of " + owner.getName());
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The owner of a file this process created. */
    static UserPrincipal ownerOf(Path mine) throws IOException {
        return Files.getOwner(mine, LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes {@code path} if it is there; quiet: this runs on failure paths. */
    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException | SecurityException e) {
            // not ours, or already gone
        }
    }

    /**
     * Removes the files of earlier groups whose creating process no longer runs: regular files of
     * {@code owner} named like ours. Returns how many went.
     */
    int removeStale(UserPrincipal owner) {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path f : files) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (m.matches() && isDeadFileOf(f, owner, m.group(1))) {
                    deleteQuietly(f);
                    removed += Files.exists(f, LinkOption.NOFOLLOW_LINKS) ? 0 : 1;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not look for stale shared-memory files in {}: {}", dir, e.toString());
        }
        if (removed > 0) {
            LOG.info("removed {} shared-memory file(s) of dead processes from {}", removed, dir);
        }
        return removed;
    }

    private static boolean isDeadFileOf(Path f, UserPrincipal owner, String pidDigits) {
        try {
            return HostProbe.isFileOf(f, owner) && ProcessHandle.of(Long.parseLong(pidDigits)).isEmpty();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
