package dev.raylightning.bench.ddp;

/**
 * One throughput configuration: a {@link DdpVariant} plus diagnostics that change the run
 * ({@code +sync}: the one-float all-reduce probe before each optimizer step; {@code +noprefetch}:
 * batches collated on the training thread). Written {@code ray2}, {@code ray2+sync},
 * {@code ray2+noprefetch}, ...; the mode name carries the suffixes.
 */
record RunVariant(DdpVariant base, boolean syncProbe, int prefetch) {

    /** The data loader's default prefetch depth, which the example's data module uses. */
    static final int DEFAULT_PREFETCH = 2;

    static RunVariant parse(String spec) {
        String[] parts = spec.split("\\+");
        boolean sync = false;
        int prefetch = DEFAULT_PREFETCH;
        for (int i = 1; i < parts.length; i++) {
            switch (parts[i]) {
                case "sync" -> sync = true;
                case "noprefetch" -> prefetch = 0;
                default -> throw new IllegalArgumentException("unknown suffix +" + parts[i] + " in " + spec
                        + " (+sync, +noprefetch)");
            }
        }
        return new RunVariant(DdpVariant.parse(parts[0]), sync, prefetch);
    }

    /** Without diagnostics: the configuration users run, which the Lightning peer is compared with. */
    boolean isPlain() {
        return !syncProbe && prefetch == DEFAULT_PREFETCH;
    }

    String mode() {
        return base.mode() + (syncProbe ? "-sync" : "") + (prefetch == 0 ? "-noprefetch" : "");
    }
}
