package dev.raylightning.strategies.cluster;

import java.nio.file.Path;
import java.util.List;

/** Test access to the runtime's code search path. */
public final class RayRuntimeAccess {

    private RayRuntimeAccess() {}

    public static List<Path> codeSearchPath() {
        return RayRuntime.codeSearchPath();
    }
}
