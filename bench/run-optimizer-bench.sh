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
OUT="${OUT:-$ROOT/bench/target/optimizer-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # shellcheck disable=SC2086  # MVN_ARGS is a list of flags
  mvn -B -q install -DskipTests -Dfetch.skip=true -pl bench -am ${MVN_ARGS:-} >&2
fi
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
CP="$(bench_classpath "$ROOT")"
bench_java_flags
java "${JAVA_FLAGS[@]}" -cp "$CP" dev.raylightning.bench.optim.OptimizerKernelBench \
  --rounds "${ROUNDS:-5}" --models "${MODELS:-mlp,cnn-m,cnn-l}" --optimizers "${OPTIMIZERS:-adam,sgd-momentum}" \
  --json-out "$OUT/results.jsonl" 2> "$OUT/java.log"
echo "[optimizer-bench] results in $OUT" >&2
