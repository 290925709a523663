#!/usr/bin/env bash
# All-reduce bus bandwidth, 2 ranks in 2 processes on 127.0.0.1, in one invocation:
#   * ring        dev.raylightning.core.collective.tcp.TcpRingProcessGroup, ByteBuffer entry (zero-copy)
#   * ring-floats the same through the ProcessGroup SPI's FloatBuffer (one staging copy per send)
#   * shm         the ring wrapped in SharedMemoryGroup: the same-host shared-memory all-reduce
#   * shm-ring    the same with the ring's barriers instead of the futex ones in shared memory
#   * shm-1b      shm with every all-reduce in one barrier (each rank reduces all of it)
#   * shm-2b      shm with every all-reduce in chunks over two barriers
#   * gloo        torch.distributed all_reduce on the Gloo backend (bench/python/gloo_allreduce.py)
#   * tcp         raw loopback TCP between two JVMs, one way (the ceiling the brief names)
#   * tcp-bidir   raw loopback TCP, both ways at once (what a 2-rank ring actually moves)
# Sizes 1, 4, 16, 64 MiB of float32 by default (SIZES_KB for others), SUM; every timed call
# starts after a barrier; medians, and the p90/median tail of each.
#
#   bench/run-collective-bench.sh
#
# Every round runs each implementation once, one after the other (never two at a time); odd
# rounds run them in reverse order. At the end it prints the table of medians and ratios.
#
# Environment (defaults in brackets):
#   ROUNDS [3]  SIZES_KB [1024,4096,16384,65536] (or SIZES_MB)  ITERS [20]  WARMUP [5]  RANKS [2]
#   IMPLS        which to run, comma-separated [ring,gloo,tcp,shm,tcp-bidir,ring-floats]
#   RING_ARGS    extra flags for the ring, e.g. "--chunk-bytes 262144 --socket-buffer 0"
#   OUT          results directory [bench/target/collective-<date>]
#   SKIP_BUILD=1 use the jars already built
#   SKIP_PYTHON=1 Java only (also the fallback when the venv cannot be set up)
#   MVN_ARGS     extra Maven arguments, e.g. -o for offline builds
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROUNDS="${ROUNDS:-3}"
if [ -n "${SIZES_MB:-}" ] && [ -z "${SIZES_KB:-}" ]; then
  SIZES_KB="$(echo "$SIZES_MB" | tr ',' '\n' | awk '{printf "%s%d", (NR > 1 ? "," : ""), $1 * 1024}')"
fi
SIZES_KB="${SIZES_KB:-1024,4096,16384,65536}"
ITERS="${ITERS:-20}"
WARMUP="${WARMUP:-5}"
RANKS="${RANKS:-2}"
IMPLS="${IMPLS:-ring,gloo,tcp,shm,tcp-bidir,ring-floats}"
OUT="${OUT:-$ROOT/bench/target/collective-$(date +%Y%m%d-%H%M%S)}"

log() { echo "[collective-bench] $*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building core and bench"
  # shellcheck disable=SC2086  # MVN_ARGS is a list of flags
  mvn -B -q package -DskipTests -Dfetch.skip=true -pl bench -am ${MVN_ARGS:-}
fi
JAR="$ROOT/bench/target/ray-lightning-bench-0.1.0-SNAPSHOT.jar"
CP="$JAR:$(cat "$ROOT/bench/target/classpath.txt")"
MAIN=dev.raylightning.bench.collective.CollectiveBench
FLAGS=(--sizes-kb "$SIZES_KB" --iters "$ITERS" --warmup "$WARMUP")

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
  [ -n "$PY" ] && echo "python: $("$PY" --version 2>&1), torch $("$PY" -c 'import torch; print(torch.__version__)')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "rounds=$ROUNDS sizes_kb=$SIZES_KB iters=$ITERS warmup=$WARMUP ranks=$RANKS ring_args=${RING_ARGS:-}"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

run() {
  local round=$1 what=$2
  log "round $round: $what"
  case "$what" in
    # shellcheck disable=SC2086  # RING_ARGS is a list of flags
    ring) java -cp "$CP" "$MAIN" ring --ranks "$RANKS" --api bytes --round "$round" "${FLAGS[@]}" ${RING_ARGS:-} ;;
    # shellcheck disable=SC2086
    ring-floats) java -cp "$CP" "$MAIN" ring --ranks "$RANKS" --api floats --round "$round" "${FLAGS[@]}" ${RING_ARGS:-} ;;
    # shellcheck disable=SC2086
    shm|shm-ring|shm-1b|shm-2b) java -cp "$CP" "$MAIN" ring --ranks "$RANKS" --api "$what" --round "$round" "${FLAGS[@]}" ${RING_ARGS:-} ;;
    gloo) [ -n "$PY" ] && "$PY" bench/python/gloo_allreduce.py --ranks "$RANKS" --round "$round" "${FLAGS[@]}" ;;
    tcp|tcp-bidir) java -cp "$CP" "$MAIN" "$what" --round "$round" "${FLAGS[@]}" ;;
  esac >> "$RESULTS" 2>> "$OUT/stderr.log" || log "WARNING: $what failed in round $round (see stderr.log)"
}

# shellcheck disable=SC2206  # IMPLS is a comma-separated list of words
ORDER=(${IMPLS//,/ })
for (( r = 0; r < ROUNDS; r++ )); do
  if (( r % 2 == 0 )); then seq=("${ORDER[@]}"); else seq=(); for (( i=${#ORDER[@]}-1; i>=0; i-- )); do seq+=("${ORDER[i]}"); done; fi
  for what in "${seq[@]}"; do run "$r" "$what"; done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

java -cp "$CP" "$MAIN" summarize "$RESULTS" | tee "$OUT/summary.txt"
java -cp "$CP" "$MAIN" summarize "$RESULTS" --markdown > "$OUT/summary.md"
log "results in $OUT (results.jsonl, summary.txt, summary.md, machine.txt, stderr.log)"
