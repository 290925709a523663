#!/usr/bin/env bash
# 2-worker RayDdpStrategy throughput of this checkout against another commit, in one invocation:
# both are built (the other one in a temporary git worktree), then every round runs the same
# DdpBench "ray2" fits (Fashion-MNIST MLP and CNN, batch 64 per worker, Adam, one torch thread
# per worker) from each build, one JVM after the other, alternating which goes first. It prints
# the global samples/s of both and the ratio this/base per model: median of the per-round
# ratios, and the ratio of the medians.
#
#   BASE_REF=<commit> bench/run-ab-ddp.sh
#
# Environment (defaults in brackets):
#   BASE_REF     the commit to compare against [HEAD~1]
#   ROUNDS [4]  MLP_WARMUP [300]  MLP_STEPS [1500]  CNN_WARMUP [30]  CNN_STEPS [200]
#   MODELS ["mlp,cnn"]  VARIANTS ["ray2"] (DdpBench variants: single, ray1, ray2)
#   OUT          results directory [bench/target/ab-results-<date>]
#   MVN_ARGS     extra Maven arguments, e.g. "-o -Dfetch.skip=true" for offline builds
#   RAY_LIGHTNING_DATA  data directory holding fashion-mnist/ [data/]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

BASE_REF="${BASE_REF:-HEAD~1}"
ROUNDS="${ROUNDS:-4}"
MLP_WARMUP="${MLP_WARMUP:-300}"
MLP_STEPS="${MLP_STEPS:-1500}"
CNN_WARMUP="${CNN_WARMUP:-30}"
CNN_STEPS="${CNN_STEPS:-200}"
MODELS="${MODELS:-mlp,cnn}"
VARIANTS="${VARIANTS:-ray2}"
OUT="${OUT:-$ROOT/bench/target/ab-results-$(date +%Y%m%d-%H%M%S)}"
DATA="${RAY_LIGHTNING_DATA:-$ROOT/data}"

log() { echo "[ab-bench] $*" >&2; }

mkdir -p "$OUT"
BASE_SRC="$OUT/base-src"
BASE_SHA="$(git rev-parse --verify "$BASE_REF^{commit}")"
git worktree add --detach "$BASE_SRC" "$BASE_SHA" >&2
cleanup() { git -C "$ROOT" worktree remove --force "$BASE_SRC" 2>/dev/null || true; }
trap cleanup EXIT

[ -f "$DATA/fashion-mnist/train-images-idx3-ubyte.gz" ] || scripts/fetch-data.sh "$DATA"

# Builds the bench module of a source tree without installing it (so the two builds never
# overwrite each other's artifacts), then copies its class path into a private directory: Ray's
# worker JVMs load classes from there while the benchmark runs.
build() {
  local src=$1 lib=$2
  log "building $src"
  # shellcheck disable=SC2086  # MVN_ARGS is a list of flags
  (cd "$src" && mvn -B -q package -DskipTests -Dfetch.skip=true -pl bench -am ${MVN_ARGS:-}) >&2
  bench_private_classpath "$src" "$lib"
}
HEAD_CP="$(build "$ROOT" "$OUT/head-lib")"
BASE_CP="$(build "$BASE_SRC" "$OUT/base-lib")"

bench_java_flags

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpus: $(getconf _NPROCESSORS_ONLN) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "this: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
  echo "base: $(git rev-parse --short "$BASE_SHA")"
  echo "rounds=$ROUNDS models=$MODELS variants=$VARIANTS mlp=$MLP_WARMUP+$MLP_STEPS cnn=$CNN_WARMUP+$CNN_STEPS"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

run() {
  local side=$1 cp=$2 round=$3
  log "round $round: $side"
  java "${JAVA_FLAGS[@]}" -cp "$cp" dev.raylightning.bench.ddp.DdpBench --round "$round" --data "$DATA" \
    --variants "$VARIANTS" --models "$MODELS" --warm-fits -1 --mlp-warmup "$MLP_WARMUP" --mlp-steps "$MLP_STEPS" \
    --cnn-warmup "$CNN_WARMUP" --cnn-steps "$CNN_STEPS" --json-out "$OUT/$side.jsonl" >> "$OUT/java.log" 2>&1
}

for (( r = 0; r < ROUNDS; r++ )); do
  if (( r % 2 == 0 )); then run this "$HEAD_CP" "$r"; run base "$BASE_CP" "$r"
  else run base "$BASE_CP" "$r"; run this "$HEAD_CP" "$r"; fi
done

python3 - "$OUT" <<'PY' | tee "$OUT/summary.txt"
import json, statistics, sys, pathlib
out = pathlib.Path(sys.argv[1])
def load(side):
    rows = {}
    for line in (out / f"{side}.jsonl").read_text().splitlines():
        o = json.loads(line)
        rows[(o["mode"], o["model"], o["round"])] = o["samples_per_s"]
    return rows
this, base = load("this"), load("base")
print("variant       model  round  this samples/s  base samples/s  this/base")
for v, model in sorted({k[:2] for k in this}):
    ratios = []
    for key in sorted(k for k in this if k[:2] == (v, model) and k in base):
        ratios.append(this[key] / base[key])
        print(f"{v:12}  {model:5}  {key[2]:5}  {this[key]:14.1f}  {base[key]:14.1f}  {ratios[-1]:9.3f}")
    t = statistics.median(x for k, x in this.items() if k[:2] == (v, model))
    b = statistics.median(x for k, x in base.items() if k[:2] == (v, model))
    print(f"{v} {model}: median this {t:.1f}, base {b:.1f} samples/s; ratio of medians {t / b:.3f}; "
          f"median of per-round ratios {statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f})")
PY
log "results in $OUT (this.jsonl, base.jsonl, summary.txt, machine.txt, java.log)"
