package dev.raylightning.strategies.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RayBinariesTest {

    @TempDir
    Path dir;

    @Test
    void systemPropertyWinsOverEnvironment() throws IOException {
        Path fromProperty = fakeRay(dir.resolve("a"));
        Path fromEnv = fakeRay(dir.resolve("b"));

        Path found = RayBinaries.locate(
                key -> key.equals(RayBinaries.BIN_PROPERTY) ? fromProperty.toString() : null,
                Map.of(RayBinaries.BIN_ENV, fromEnv.toString()));

        assertEquals(fromProperty, found);
    }

    @Test
    void environmentMayNameTheBinDirectory() throws IOException {
        Path ray = fakeRay(dir.resolve("venv/bin"));

        Path found = RayBinaries.locate(key -> null, Map.of(RayBinaries.BIN_ENV, ray.getParent().toString()));

        assertEquals(ray, found);
    }

    @Test
    void explicitSettingThatNamesNothingFailsInsteadOfFallingBack() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RayBinaries.locate(
                key -> key.equals(RayBinaries.BIN_PROPERTY) ? dir.resolve("missing").toString() : null,
                Map.of()));

        assertTrue(e.getMessage().contains(RayBinaries.BIN_PROPERTY), e.getMessage());
        assertTrue(e.getMessage().contains(RayBinaries.SETUP_SCRIPT), e.getMessage());
    }

    @Test
    void defaultLookupFindsTheVenvThatTheBuildInstalled() {
        Path ray = RayBinaries.locate();

        assertTrue(RayBinaries.version(ray).contains("version " + RayBinaries.RAY_VERSION),
                () -> ray + " --version: " + RayBinaries.version(ray));
    }

    /** An executable file named ray in {@code binDir}. */
    private static Path fakeRay(Path binDir) throws IOException {
        Files.createDirectories(binDir);
        Path ray = binDir.resolve("ray");
        Files.writeString(ray, "#!/bin/sh\necho 'ray, version 0.0.0'\n");
        Files.setPosixFilePermissions(ray, PosixFilePermissions.fromString("rwxr-xr-x"));
        return ray;
    }
}
