package dev.raylightning.core.collective.shm;

/**
 * The sizes a shared-memory group takes from system properties, read and checked before any
 * collective: a value that is not a whole number (or a piece size out of range) fails every rank
 * alike, instead of being ignored for the default.
 *
 * @param pieceBytes {@link SharedMemoryGroup#PIECE_PROPERTY}
 * @param oneBarrierBytes {@link SharedMemoryGroup#ONE_BARRIER_PROPERTY}
 */
record SizeProperties(int pieceBytes, long oneBarrierBytes) {

    static SizeProperties read() {
        long piece = bytes(SharedMemoryGroup.PIECE_PROPERTY, SharedMemoryGroup.DEFAULT_PIECE_BYTES);
        if (piece < 4096 || piece > Integer.MAX_VALUE || piece % Float.BYTES != 0) {
            throw new IllegalArgumentException("-D" + SharedMemoryGroup.PIECE_PROPERTY
                    + " must be a multiple of 4 of at least 4096, got " + piece);
        }
        return new SizeProperties((int) piece,
                bytes(SharedMemoryGroup.ONE_BARRIER_PROPERTY, SharedMemoryGroup.DEFAULT_ONE_BARRIER_BYTES));
    }

    /** System property {@code name} as a number of bytes, {@code otherwise} when unset. */
    static long bytes(String name, long otherwise) {
        String value = System.getProperty(name);
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be a whole number of bytes, got '" + value + "'");
        }
    }
}
