#!/usr/bin/env bash
# Optimizer-state bytes and resident memory per worker, RayDdpStrategy vs RayShardedStrategy,
# on a wide MLP (784-4096-4096-10, about 20 million parameters) with Adam, at 2 and 4 workers
# of half a CPU each, in one invocation (one JVM; every fit starts its own worker JVMs).
#
#   bench/run-sharded-memory.sh
#
# Environment: WORKERS ["2,4"]  STEPS [4]  HIDDEN [4096] (width of both hidden layers; 8192 gives
#   about 73.6 million parameters)  OUT [bench/target/sharded-memory-<date>]
#   SKIP_BUILD=1 use the jars already built;  MVN_ARGS extra Maven arguments (e.g. -o)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup sharded-memory -Dfetch.skip=true
java "${JAVA_FLAGS[@]}" -cp "$CP" dev.raylightning.bench.sharded.ShardedMemoryBench \
  --workers "${WORKERS:-2,4}" --steps "${STEPS:-4}" --hidden "${HIDDEN:-4096}" --json-out "$OUT/results.jsonl" 2> "$OUT/java.log"
cat "$OUT/results.jsonl"
echo "[sharded-memory] results in $OUT" >&2
