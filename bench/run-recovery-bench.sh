#!/usr/bin/env bash
# Fault tolerance with 2 Ray workers on the Fashion-MNIST example, in one invocation (one JVM):
# the throughput cost of recovery snapshots (none, the default interval, a short one; order
# rotates by round), and the time from killing a worker (SIGKILL) to the next training step with
# maxFailures(1) against failing and fitting again from a checkpoint by hand.
#
#   bench/run-recovery-bench.sh
#
# Environment: ROUNDS [5]  MODEL [MLP]  KILL_AT [300]  OUT [bench/target/recovery-<date>]
#   SKIP_BUILD=1 use the jars already built;  MVN_ARGS extra Maven arguments (e.g. -o)
#   RAY_LIGHTNING_DATA  data directory holding fashion-mnist/ [data/]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${OUT:-$ROOT/bench/target/recovery-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # shellcheck disable=SC2086  # MVN_ARGS is a list of flags
  mvn -B -q install -DskipTests -pl bench -am ${MVN_ARGS:-} >&2
fi
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
CP="$(bench_classpath "$ROOT")"
bench_java_flags
java "${JAVA_FLAGS[@]}" -cp "$CP" dev.raylightning.bench.recovery.RecoveryBench \
  --data "${RAY_LIGHTNING_DATA:-$ROOT/data}" --rounds "${ROUNDS:-5}" --model "${MODEL:-MLP}" \
  --kill-at "${KILL_AT:-300}" --work-dir "$OUT/work" --json-out "$OUT/results.jsonl" \
  2> "$OUT/java.log" | tee "$OUT/summary.txt"
echo "[recovery-bench] results in $OUT" >&2
