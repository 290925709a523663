#!/usr/bin/env bash
# One optimizer step over the benchmark models' parameters (example MLP, cnn-m, cnn-l): DJL's
# native update kernels against ParameterOptimizer's Java loops, alternating in one JVM on one
# thread. Prints microseconds per step of each and the ratio native/java (median of the rounds).
#
#   bench/run-optimizer-bench.sh
#
# Environment: ROUNDS [5]  MODELS ["mlp,cnn-m,cnn-l"]  OPTIMIZERS ["adam,sgd-momentum"]
#   OUT [bench/target/optimizer-<date>]  SKIP_BUILD=1 use the jars already built;
#   MVN_ARGS extra Maven arguments (e.g. -o)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup optimizer -Dfetch.skip=true
java "${JAVA_FLAGS[@]}" -cp "$CP" dev.raylightning.bench.optim.OptimizerKernelBench \
  --rounds "${ROUNDS:-5}" --models "${MODELS:-mlp,cnn-m,cnn-l}" --optimizers "${OPTIMIZERS:-adam,sgd-momentum}" \
  --json-out "$OUT/results.jsonl" 2> "$OUT/java.log"
echo "[optimizer-bench] results in $OUT" >&2
