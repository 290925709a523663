package dev.raylightning.tune.schedulers;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.search.RandomDomain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Population-based training (Ray Tune's {@code PopulationBasedTraining}): every
 * {@code perturbationInterval} units of the time attribute, a trial in the bottom quantile of the
 * population takes over the latest checkpoint of a random trial in the top quantile (exploit)
 * and continues with that trial's config, mutated (explore): each hyper-parameter named in
 * {@code hyperparamMutations} is resampled with probability {@code resampleProbability}, else a
 * number is multiplied by one of {@code perturbationFactors} and a list value moves to a
 * neighbouring entry. Trials must report with checkpoints (e.g. {@code TuneReportCheckpointCallback})
 * and resume from {@code TrialContext.checkpoint()}.
 */
public final class PopulationBasedTraining implements TrialScheduler {

    private final String timeAttr;
    private String metric;
    private Mode mode;
    private final double perturbationInterval;
    private final double burnInPeriod;
    private final Map<String, Object> mutations;
    private final double quantileFraction;
    private final double resampleProbability;
    private final double[] perturbationFactors;
    private final Random rng;

    private final Map<String, TrialConfig> configs = new LinkedHashMap<>();
    private final Map<String, Double> lastScore = new HashMap<>();
    private final Map<String, Boolean> hasCheckpoint = new HashMap<>();
    private final Map<String, Double> lastPerturbation = new HashMap<>();
    private final Map<String, Exploit> exploits = new HashMap<>();
    private int numPerturbations;

    private PopulationBasedTraining(Builder b) {
        this.timeAttr = b.timeAttr;
        this.metric = b.metric;
        this.mode = b.mode;
        this.perturbationInterval = b.perturbationInterval;
        this.burnInPeriod = b.burnInPeriod;
        this.mutations = new LinkedHashMap<>(b.mutations);
        this.quantileFraction = b.quantileFraction;
        this.resampleProbability = b.resampleProbability;
        this.perturbationFactors = b.perturbationFactors.clone();
        this.rng = new Random(b.seed);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized void setDefaults(String defaultMetric, Mode defaultMode) {
        if (metric == null) {
            metric = defaultMetric;
        }
        if (mode == null) {
            mode = defaultMode;
        }
        checkArgument(metric != null && mode != null,
                "PopulationBasedTraining has no " + (metric == null ? "metric" : "mode")
                + ": give it to the scheduler's builder or to Tune's options");
    }

    @Override
    public synchronized void onTrialAdd(String trialId, TrialConfig config) {
        configs.put(trialId, config);
        lastPerturbation.putIfAbsent(trialId, 0.0);
    }

    @Override
    public synchronized Decision onTrialResult(String trialId, TrialResult result) {
        if (metric == null) {
            throw new IllegalStateException("setDefaults was not called");
        }
        double t = result.require(timeAttr, "PopulationBasedTraining (time attribute)");
        double value = result.require(metric, "PopulationBasedTraining (metric)");
        lastScore.put(trialId, Double.isNaN(value) ? Double.NEGATIVE_INFINITY : mode.score(value));
        hasCheckpoint.put(trialId, result.checkpoint() != null);
        if (t < burnInPeriod || t - lastPerturbation.getOrDefault(trialId, 0.0) < perturbationInterval) {
            return Decision.CONTINUE;
        }
        lastPerturbation.put(trialId, t);
        List<String> ranked = new ArrayList<>(lastScore.keySet());
        ranked.sort(Comparator.comparingDouble(lastScore::get));
        int n = (int) Math.ceil(ranked.size() * quantileFraction);
        n = Math.min(n, ranked.size() / 2);
        if (n == 0 || !ranked.subList(0, n).contains(trialId)) {
            return Decision.CONTINUE;
        }
        List<String> upper = new ArrayList<>();
        for (String id : ranked.subList(ranked.size() - n, ranked.size())) {
            if (hasCheckpoint.getOrDefault(id, false)) {
                upper.add(id);
            }
        }
        if (upper.isEmpty()) {
            return Decision.CONTINUE;
        }
        String source = upper.get(rng.nextInt(upper.size()));
        TrialConfig explored = explore(configs.get(source));
        exploits.put(trialId, new Exploit(source, explored));
        configs.put(trialId, explored);
        // the exploited trial now carries the source's score until it reports again
        lastScore.put(trialId, lastScore.get(source));
        numPerturbations++;
        return Decision.EXPLOIT;
    }

    @Override
    public synchronized Optional<Exploit> exploitFor(String trialId) {
        return Optional.ofNullable(exploits.remove(trialId));
    }

    /** The source's config with every mutated hyper-parameter resampled or perturbed. */
    TrialConfig explore(TrialConfig source) {
        TrialConfig out = source;
        for (Map.Entry<String, Object> m : mutations.entrySet()) {
            String key = m.getKey();
            Object spec = m.getValue();
            Object current = source.find(key).orElse(null);
            Object next;
            if (spec instanceof List<?> options) {
                int idx = options.indexOf(normalise(current, options));
                if (idx < 0 || rng.nextDouble() < resampleProbability) {
                    next = options.get(rng.nextInt(options.size()));
                } else {
                    idx = Math.max(0, Math.min(options.size() - 1, idx + (rng.nextBoolean() ? 1 : -1)));
                    next = options.get(idx);
                }
            } else {
                RandomDomain domain = (RandomDomain) spec;
                if (!(current instanceof Number) || rng.nextDouble() < resampleProbability) {
                    next = domain.sample(rng);
                } else {
                    double factor = perturbationFactors[rng.nextInt(perturbationFactors.length)];
                    double v = ((Number) current).doubleValue() * factor;
                    next = current instanceof Double || current instanceof Float ? (Object) v : (Object) Math.round(v);
                }
            }
            out = out.with(key, next);
        }
        return out;
    }

    /** Configs hold whole numbers as Long; match them against the options' own number types. */
    private static Object normalise(Object current, List<?> options) {
        if (current instanceof Long l) {
            for (Object o : options) {
                if (o instanceof Number n && !(o instanceof Double || o instanceof Float) && n.longValue() == l) {
                    return o;
                }
            }
        }
        return current;
    }

    @Override
    public synchronized void onTrialComplete(String trialId, TrialResult lastOrNull) {
        exploits.remove(trialId);
    }

    @Override
    public synchronized void onTrialError(String trialId) {
        lastScore.remove(trialId);
        exploits.remove(trialId);
    }

    @Override
    public synchronized void onTrialRemove(String trialId) {
        onTrialError(trialId);
    }

    /** How many exploits so far. */
    public synchronized int numPerturbations() {
        return numPerturbations;
    }

    @Override
    public synchronized String describe() {
        return "PopulationBasedTraining: " + numPerturbations + " perturbs";
    }

    /** Builder of {@link PopulationBasedTraining}; defaults as Ray Tune's. */
    public static final class Builder {
        private String timeAttr = TrialResult.TRAINING_ITERATION;
        private String metric;
        private Mode mode;
        private double perturbationInterval = 60;
        private double burnInPeriod;
        private final Map<String, Object> mutations = new LinkedHashMap<>();
        private double quantileFraction = 0.25;
        private double resampleProbability = 0.25;
        private double[] perturbationFactors = {1.2, 0.8};
        private long seed;

        private Builder() {}

        public Builder timeAttr(String attr) {
            checkArgument(attr != null && !attr.isBlank(), "timeAttr must not be blank");
            this.timeAttr = attr;
            return this;
        }

        public Builder metric(String metric) {
            this.metric = metric;
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Time-attribute units between two exploit/explore steps of a trial (default 60). */
        public Builder perturbationInterval(double interval) {
            checkArgument(interval > 0, "perturbationInterval must be > 0, got " + interval);
            this.perturbationInterval = interval;
            return this;
        }

        /** No perturbation before this much of the time attribute (default 0). */
        public Builder burnInPeriod(double period) {
            checkArgument(period >= 0, "burnInPeriod must be >= 0, got " + period);
            this.burnInPeriod = period;
            return this;
        }

        /**
         * A hyper-parameter to explore (dotted path) with its choices: a list of values, or a
         * {@link RandomDomain} such as {@code SearchSpace.loguniform(1e-4, 1e-1)}.
         */
        public Builder mutate(String key, Object choices) {
            checkArgument(choices instanceof RandomDomain || choices instanceof List<?> l && !l.isEmpty(),
                    "hyperparamMutations['" + key + "'] must be a non-empty list or a "
                    + "random domain (uniform, loguniform, choice, ...), got " + choices);
            mutations.put(key, choices);
            return this;
        }

        /** Fraction of the population in each of the bottom and top quantiles (default 0.25, at most 0.5). */
        public Builder quantileFraction(double q) {
            if (!(q > 0 && q <= 0.5)) {
                throw new IllegalArgumentException("quantileFraction must be in (0, 0.5], got " + q);
            }
            this.quantileFraction = q;
            return this;
        }

        public Builder resampleProbability(double p) {
            checkArgument(p >= 0 && p <= 1, "resampleProbability must be in [0, 1], got " + p);
            this.resampleProbability = p;
            return this;
        }

        public Builder perturbationFactors(double... factors) {
            checkArgument(factors.length != 0, "perturbationFactors must not be empty");
            this.perturbationFactors = factors.clone();
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public PopulationBasedTraining build() {
            checkArgument(!mutations.isEmpty(), "PopulationBasedTraining needs at least one hyper-parameter to mutate");
            return new PopulationBasedTraining(this);
        }
    }
}
