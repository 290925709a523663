package dev.raylightning.core.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class FileTreesTest {

    @TempDir
    Path tmp;

    @Test
    void removesAFolderWithEverythingInItButNothingBehindALink() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "1");
        Path root = Files.createDirectories(tmp.resolve("root/a/b"));
        Files.writeString(root.resolve("f"), "1");
        Files.createSymbolicLink(tmp.resolve("root/link"), outside);

        FileTrees.delete(tmp.resolve("root"));

        assertFalse(Files.exists(tmp.resolve("root")));
        assertTrue(Files.exists(outside.resolve("keep")), "a link is removed, not followed");
        FileTrees.delete(tmp.resolve("root")); // gone already: nothing to do
    }
}
