#!/usr/bin/env bash
# RayDdpStrategy benchmark, Java and Python, in one invocation:
#   * steady-state global samples/s with 2 Ray workers (RayDdpStrategy), 1 Ray worker and a
#     single device, on the Fashion-MNIST MLP and CNN (batch 64 per worker, Adam 1e-3, one torch
#     thread per process), against PyTorch Lightning 2.6.6 with one process and with DDP over
#     gloo (2 processes): ours / Lightning-DDP and the scaling efficiency 1 -> 2 workers;
#   * time from fit to the first training step: ours on a cold and on a warm private cluster,
#     Lightning DDP (fit -> first step, launch -> first step, whole command), and Ray Train's
#     TorchTrainer (2 workers) on a warm local cluster;
#   * a per-phase profile of every step (data, forward+backward, optimizer step incl. the
#     all-reduce; wall, CPU and run-queue wait) on both ranks, and the cost of one all-reduce
#     of the same gradient sizes on an otherwise idle ring.
#
#   bench/run-ddp-benchmarks.sh
#
# Java and Python never run at the same time. Each round is one JVM: a cold fit (starts the
# private Ray cluster), warm fits, then every throughput variant in an order that rotates with
# the round; the JVM starts the Lightning peer of each single-device and two-worker run itself,
# right before or after it (alternating by round), so compared runs are seconds apart on this
# shared machine. Then the Python time-to-first-step measurements (Lightning DDP, Ray Train);
# odd rounds run those first. At the end it prints the tables (also summary.txt, summary.md).
#
# Environment (defaults in brackets):
#   ROUNDS [3]  MLP_WARMUP [300]  MLP_STEPS [1500]  CNN_WARMUP [30]  CNN_STEPS [200]
#   MODELS ["mlp,cnn"]  also the CNN family of the compute-bound goal: cnn-s, cnn-m, cnn-l
#   BATCHES [64]   batch sizes per worker, e.g. "32,64,128" (CNN step counts are given for 64
#                  and scaled to the same number of samples)
#   WARM_FITS [2]  warm time-to-first-step fits per Java round (after the cold one); -1 skips
#                  the time-to-first-step part, Java and Python
#   LATENCY_STEPS [5]  steps of each of those fits, ours and Lightning DDP's (469: one epoch at 64
#                  per worker; then both report samples/s from the first step to the fit's end)
#   RT_FITS [1]    measured Ray Train fits per round (after its warm-up fit)
#   VARIANTS ["single,ray1,ray2"]  Java variants (+sync / +noprefetch add diagnostics)
#   OUT          results directory [bench/target/ddp-results-<date>]
#   SKIP_BUILD=1 use the jars already built;  SKIP_PYTHON=1 Java only
#   MVN_ARGS     extra Maven arguments, e.g. "-o -Dfetch.skip=true" for offline builds
#   JAVA_OPTS    extra JVM options for the driver
#   RAY_LIGHTNING_DATA  data directory holding fashion-mnist/ [data/]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROUNDS="${ROUNDS:-3}"
MLP_WARMUP="${MLP_WARMUP:-300}"
MLP_STEPS="${MLP_STEPS:-1500}"
CNN_WARMUP="${CNN_WARMUP:-30}"
CNN_STEPS="${CNN_STEPS:-200}"
WARM_FITS="${WARM_FITS:-2}"
LATENCY_STEPS="${LATENCY_STEPS:-5}"
RT_FITS="${RT_FITS:-1}"
VARIANTS="${VARIANTS:-single,ray1,ray2}"
MODELS="${MODELS:-mlp,cnn}"
BATCHES="${BATCHES:-64}"
OUT="${OUT:-$ROOT/bench/target/ddp-results-$(date +%Y%m%d-%H%M%S)}"
DATA="${RAY_LIGHTNING_DATA:-$ROOT/data}"

log() { echo "[ddp-bench] $*" >&2; }
now_ns() { date +%s%N; }
# seconds (three decimals) from nanoseconds, without bc
secs() { local ns=$1; printf '%d.%03d' "$(( ns / 1000000000 ))" "$(( ns / 1000000 % 1000 ))"; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building bench and what it needs"
  # shellcheck disable=SC2086  # MVN_ARGS is a list of flags
  mvn -B -q install -DskipTests -pl bench -am ${MVN_ARGS:-}
fi
[ -f "$DATA/fashion-mnist/train-images-idx3-ubyte.gz" ] || scripts/fetch-data.sh "$DATA"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
CP="$(bench_private_classpath "$ROOT" "$OUT/lib")"
bench_java_flags

PY=""
if [ "${SKIP_PYTHON:-0}" != 1 ]; then
  if PY="$(bench/python/setup-raytrain.sh | tail -n 1)" && [ -x "$PY" ]; then
    log "python: $PY"
  else
    log "WARNING: the Python venv (torch, lightning, ray) could not be set up; measuring Java only"
    PY=""
  fi
fi

RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpus: $(getconf _NPROCESSORS_ONLN) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "java: $(java -version 2>&1 | head -n 1)"
  [ -n "$PY" ] && echo "python: $("$PY" --version 2>&1), $("$PY" -c 'import torch, lightning, ray; print("torch", torch.__version__, "lightning", lightning.__version__, "ray", ray.__version__)' 2>/dev/null)"
  echo "rounds=$ROUNDS mlp=$MLP_WARMUP+$MLP_STEPS cnn=$CNN_WARMUP+$CNN_STEPS models=$MODELS batches=$BATCHES/worker warm_fits=$WARM_FITS rt_fits=$RT_FITS variants=$VARIANTS"
  echo "RAY_worker_niceness=${RAY_worker_niceness:-<Ray default>}"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# The machine is shared: note what else ran, every 15 s, to judge noisy rounds afterwards.
( while true; do date +%T; top -b -c -n 1 -w 200 | sed -n '7,13p'; sleep 15; done ) > "$OUT/load.log" 2>&1 &
SAMPLER=$!
trap 'kill "$SAMPLER" 2>/dev/null || true' EXIT

run_java() {
  local round=$1 peer=()
  [ -n "$PY" ] && peer=(--peer-python "$PY" --peer-log "$OUT/python.log")
  log "round $round: java (ring cost; first-step latency and throughput in one JVM, Lightning peers alongside)"
  java "${JAVA_FLAGS[@]}" -cp "$CP" dev.raylightning.bench.ddp.RingCost --round "$round" \
    --json-out "$RESULTS" >> "$OUT/java.log" 2>&1
  # shellcheck disable=SC2086  # JAVA_OPTS is a list of flags
  java "${JAVA_FLAGS[@]}" ${JAVA_OPTS:-} -cp "$CP" dev.raylightning.bench.ddp.DdpBench --round "$round" \
    --data "$DATA" --models "$MODELS" --batch-sizes "$BATCHES" --variants "$VARIANTS" --mlp-warmup "$MLP_WARMUP" --mlp-steps "$MLP_STEPS" \
    --cnn-warmup "$CNN_WARMUP" --cnn-steps "$CNN_STEPS" --warm-fits "$WARM_FITS" --latency-steps "$LATENCY_STEPS" \
    --dump-dir "$OUT/ranks" --json-out "$RESULTS" "${peer[@]}" >> "$OUT/java.log" 2>&1
}

run_python() {
  local round=$1 start line
  [ -n "$PY" ] && (( WARM_FITS >= 0 )) || return 0
  log "round $round: python (time to first step: Lightning DDP, Ray Train)"
  start="$(now_ns)"
  line="$(BENCH_LAUNCH_UNIX="$(secs "$start")" "$PY" bench/python/lightning_first_step.py --round "$round" --data "$DATA" --steps "$LATENCY_STEPS" \
    2>> "$OUT/python.log" | tail -n 1)"
  echo "$line" >> "$RESULTS"
  printf '{"framework": "lightning", "mode": "lightning-ddp-command", "round": %d, "wall_s": %s}\n' \
    "$round" "$(secs $(( $(now_ns) - start )))" >> "$RESULTS"
  log "round $round: python, ray train"
  "$PY" bench/python/raytrain_first_step.py --round "$round" --fits "$RT_FITS" --data "$DATA" \
    2>> "$OUT/python.log" >> "$RESULTS"
}

t0="$(now_ns)"
for (( r = 0; r < ROUNDS; r++ )); do
  if (( r % 2 == 0 )); then run_java "$r"; run_python "$r"; else run_python "$r"; run_java "$r"; fi
done
log "measured for $(( ($(now_ns) - t0) / 1000000000 )) s"

java -cp "$CP" dev.raylightning.bench.ddp.DdpSummary "$RESULTS" | tee "$OUT/summary.txt"
java -cp "$CP" dev.raylightning.bench.ddp.DdpSummary --markdown "$RESULTS" > "$OUT/summary.md"
log "results in $OUT (results.jsonl, summary.txt, summary.md, machine.txt, load.log, java.log, python.log, ranks/)"
