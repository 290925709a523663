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
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup recovery
java "${JAVA_FLAGS[@]}" -cp "$CP" dev.raylightning.bench.recovery.RecoveryBench \
  --data "${RAY_LIGHTNING_DATA:-$ROOT/data}" --rounds "${ROUNDS:-5}" --model "${MODEL:-MLP}" \
  --kill-at "${KILL_AT:-300}" --work-dir "$OUT/work" --json-out "$OUT/results.jsonl" \
  2> "$OUT/java.log" | tee "$OUT/summary.txt"
echo "[recovery-bench] results in $OUT" >&2
