#!/usr/bin/env bash
# How well this machine runs two trainings at once, with nothing shared between them: one
# single-device fit alone, then two at once in two JVMs (the same model, batch and steps, no
# collective). Sum of the pair / (2 x alone) is the ceiling for the scaling efficiency of any
# 2-worker data-parallel run here: what is left below it is communication and synchronisation.
#
#   MODELS=cnn-s,cnn-m,cnn-l bench/run-machine-bound.sh
#
# Environment (defaults in brackets):
#   ROUNDS [2]  MODELS [cnn-m]  BATCHES [64]  CNN_WARMUP [30]  CNN_STEPS [300] (at batch 64)
#   OUT [bench/target/machine-bound-<date>]  SKIP_BUILD=1  MVN_ARGS (e.g. -o)
#   RAY_LIGHTNING_DATA  data directory holding fashion-mnist/ [data/]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS="${ROUNDS:-2}"
MODELS="${MODELS:-cnn-m}"
BATCHES="${BATCHES:-64}"
OUT="${OUT:-$ROOT/bench/target/machine-bound-$(date +%Y%m%d-%H%M%S)}"
DATA="${RAY_LIGHTNING_DATA:-$ROOT/data}"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # shellcheck disable=SC2086  # MVN_ARGS is a list of flags
  mvn -B -q install -DskipTests -pl bench -am ${MVN_ARGS:-}
fi
[ -f "$DATA/fashion-mnist/train-images-idx3-ubyte.gz" ] || scripts/fetch-data.sh "$DATA"
mkdir -p "$OUT"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
CP="$(bench_classpath "$ROOT")"
bench_java_flags

fit() { # round, results file
  java "${JAVA_FLAGS[@]}" -cp "$CP" dev.raylightning.bench.ddp.DdpBench --round "$1" --data "$DATA" \
    --models "$MODELS" --batch-sizes "$BATCHES" --variants single --warm-fits -1 \
    --cnn-warmup "${CNN_WARMUP:-30}" --cnn-steps "${CNN_STEPS:-300}" --json-out "$2" >> "$OUT/java.log" 2>&1
}

for (( r = 0; r < ROUNDS; r++ )); do
  echo "[machine-bound] round $r: alone, then two at once" >&2
  fit "$r" "$OUT/alone.jsonl"
  fit "$r" "$OUT/pair-a.jsonl" & a=$!
  fit "$r" "$OUT/pair-b.jsonl"
  wait "$a"
done

# per model, batch and round: the pair's sum over twice the fit alone
python3 - "$OUT" <<'PY' | tee "$OUT/summary.txt"
import json, statistics, sys
out = sys.argv[1]
def load(name):
    rows = {}
    for line in open(f"{out}/{name}.jsonl"):
        o = json.loads(line)
        rows[(o["model"], o["batch_size"], o["round"])] = o["samples_per_s"]
    return rows
alone, a, b = load("alone"), load("pair-a"), load("pair-b")
print("model    batch  round  alone  pair (sum)  bound = sum / (2 x alone)")
bounds = {}
for k in sorted(alone):
    s = a[k] + b[k]
    bounds.setdefault(k[:2], []).append(s / (2 * alone[k]))
    print(f"{k[0]:<8} {k[1]:>5} {k[2]:>6} {alone[k]:>6.0f} {s:>11.0f} {s / (2 * alone[k]):>9.3f}")
for k, v in bounds.items():
    print(f"{k[0]} b{k[1]}: median bound {statistics.median(v):.3f} over {len(v)} rounds")
PY
