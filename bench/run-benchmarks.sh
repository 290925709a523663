#!/usr/bin/env bash
# Trainer overhead benchmark, Java and Python, in one invocation:
#   * our Trainer (dev.raylightning.core.Trainer) against a hand-written DJL loop, same JVM;
#   * PyTorch Lightning 2.6.6 and a bare torch loop (bench/python/lightning_mlp.py);
# all on the Fashion-MNIST MLP 784-128-10, Adam 1e-3, one torch thread, batch 64 and 256.
#
#   bench/run-benchmarks.sh
#
# Every round runs one JVM (all Java variants, interleaved, after a discarded JIT warm-up
# round) and the Python modes, one after the other (never at the same time); odd rounds put
# Python first. At the end it prints medians, min/max and the ratios
# trainer/djl-baseline, trainer/lightning and trainer/torch.
#
# Environment (defaults in brackets):
#   ROUNDS [5]  STEPS [1000]  WARMUP [50]  BATCH_SIZES ["64 256"]
#   CHUNK [50]   Java variants take turns every CHUNK steps; divides STEPS and WARMUP
#   OUT          results directory [bench/target/results-<date>]
#   SKIP_BUILD=1 use the jars already built
#   SKIP_PYTHON=1 Java only (also the fallback when the venv cannot be set up)
#   MVN_ARGS     extra Maven arguments, e.g. -o for offline builds
#   JAVA_OPTS    extra JVM options, e.g. -XX:StartFlightRecording=filename=bench.jfr
#   RAY_LIGHTNING_DATA  data directory holding fashion-mnist/ [data/]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROUNDS="${ROUNDS:-5}"
STEPS="${STEPS:-1000}"
WARMUP="${WARMUP:-50}"
CHUNK="${CHUNK:-50}"
BATCH_SIZES="${BATCH_SIZES:-64 256}"
OUT="${OUT:-$ROOT/bench/target/results-$(date +%Y%m%d-%H%M%S)}"
DATA="${RAY_LIGHTNING_DATA:-$ROOT/data}"

log() { echo "[bench] $*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building core, examples and bench"
  # shellcheck disable=SC2086  # MVN_ARGS is a list of flags
  mvn -B -q install -DskipTests -pl core,examples,bench -am ${MVN_ARGS:-}
fi
[ -f "$DATA/fashion-mnist/train-images-idx3-ubyte.gz" ] || scripts/fetch-data.sh "$DATA"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
CP="$(bench_classpath "$ROOT")"
# one intra-op and one inter-op torch thread, as the Python side
bench_java_flags

PY=""
if [ "${SKIP_PYTHON:-0}" != 1 ]; then
  if PY="$(bench/python/setup-venv.sh | tail -n 1)" && [ -x "$PY" ]; then
    log "python: $PY"
  else
    log "WARNING: Python venv could not be set up; measuring Java only"
    PY=""
  fi
fi

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpus: $(getconf _NPROCESSORS_ONLN) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "java: $(java -version 2>&1 | head -n 1)"
  [ -n "$PY" ] && echo "python: $("$PY" --version 2>&1)"
  echo "rounds=$ROUNDS steps=$STEPS warmup=$WARMUP chunk=$CHUNK batch_sizes=$BATCH_SIZES threads=1"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

run_java() {
  local round=$1
  log "round $round: java"
  # shellcheck disable=SC2086  # JAVA_OPTS is a list of flags
  java "${JAVA_FLAGS[@]}" ${JAVA_OPTS:-} -cp "$CP" dev.raylightning.bench.TrainerOverheadBench \
    --rounds 1 --round-offset "$round" --batch-sizes "${BATCH_SIZES// /,}" \
    --warmup "$WARMUP" --steps "$STEPS" --chunk "$CHUNK" --data "$DATA" --json-out "$RESULTS" --no-summary \
    >> "$OUT/java.log" 2>&1
}

run_python() {
  local round=$1 modes=(torch lightning)
  [ -n "$PY" ] || return 0
  if (( round % 2 == 1 )); then modes=(lightning torch); fi
  for bs in $BATCH_SIZES; do
    for mode in "${modes[@]}"; do
      log "round $round: python $mode, batch $bs"
      "$PY" bench/python/lightning_mlp.py --mode "$mode" --model mlp --optimizer adam --lr 0.001 \
        --batch-size "$bs" --threads 1 --warmup "$WARMUP" --steps "$STEPS" --data "$DATA" \
        2>> "$OUT/python.log" | tail -n 1 >> "$RESULTS"
    done
  done
}

for (( r = 0; r < ROUNDS; r++ )); do
  if (( r % 2 == 0 )); then run_java "$r"; run_python "$r"; else run_python "$r"; run_java "$r"; fi
done

java -cp "$CP" dev.raylightning.bench.SummarizeResults "$RESULTS" | tee "$OUT/summary.txt"
java -cp "$CP" dev.raylightning.bench.SummarizeResults --markdown "$RESULTS" > "$OUT/summary.md"
log "results in $OUT (results.jsonl, summary.txt, summary.md, machine.txt, java.log, python.log)"
