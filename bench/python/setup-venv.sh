#!/usr/bin/env bash
# Creates (or reuses) the Python virtual environment used by the PyTorch
# Lightning peer benchmark (bench/python/lightning_mlp.py).
#
#   bench/python/setup-venv.sh            # create/refresh, print python path
#   PY=$(bench/python/setup-venv.sh | tail -n 1)
#
# Environment:
#   BENCH_VENV          venv directory
#                       (default ${RAY_LIGHTNING_HOME:-$HOME/.cache/ray-lightning}/bench-venv)
#   BENCH_PYTHON        interpreter used to create the venv (default: python3)
#   BENCH_TORCH_SPEC    torch requirement (default: torch==2.13.0+cpu)
#   BENCH_TORCH_INDEX   extra index URL for the "+cpu" torch build, e.g. the
#                       PyTorch CPU wheel index. Unset by default: where pip is
#                       configured with a local index/find-links that already
#                       carries the wheel, no extra network access is wanted.
#
# Idempotent: when the venv already holds the pinned versions it only prints
# the python path (no pip call), so callers may run it before every benchmark.
# All progress output goes to stderr; the last (only) stdout line is the path.
set -euo pipefail

HOME_DIR="${RAY_LIGHTNING_HOME:-$HOME/.cache/ray-lightning}"
VENV="${BENCH_VENV:-$HOME_DIR/bench-venv}"
BASE_PYTHON="${BENCH_PYTHON:-python3}"
TORCH_SPEC="${BENCH_TORCH_SPEC:-torch==2.13.0+cpu}"
LIGHTNING_SPEC="lightning==2.6.6"
NUMPY_SPEC="numpy"

# Versions the check below expects; derived from the specs so that an
# overridden BENCH_TORCH_SPEC does not trigger a reinstall on every call.
TORCH_WANT="${TORCH_SPEC#torch==}"
LIGHTNING_WANT="${LIGHTNING_SPEC#lightning==}"

log() { echo "[setup-venv] $*" >&2; }

PY="$VENV/bin/python"

# Returns 0 when the venv already has exactly the pinned torch and lightning.
venv_ready() {
  [ -x "$PY" ] || return 1
  "$PY" - "$TORCH_WANT" "$LIGHTNING_WANT" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    ok = (version("torch") == sys.argv[1]
          and version("lightning") == sys.argv[2]
          and version("numpy"))
except PackageNotFoundError:
    ok = False
sys.exit(0 if ok else 1)
EOF
}

if venv_ready; then
  log "venv up to date: $VENV"
  echo "$PY"
  exit 0
fi

if [ ! -x "$PY" ]; then
  log "creating venv at $VENV (with $BASE_PYTHON)"
  mkdir -p "$(dirname "$VENV")"
  "$BASE_PYTHON" -m venv "$VENV"
fi

# Short retries/timeouts: on offline machines an unreachable default index
# otherwise stalls every resolution for minutes before the local index wins.
PIP_ARGS=(--disable-pip-version-check --retries 0 --timeout 5)
if [ -n "${BENCH_TORCH_INDEX:-}" ]; then
  PIP_ARGS+=(--extra-index-url "$BENCH_TORCH_INDEX")
fi

log "installing $TORCH_SPEC $LIGHTNING_SPEC $NUMPY_SPEC"
# torch first and alone: the "+cpu" local version must win before lightning's
# plain "torch>=x" requirement could pull a (much larger) CUDA build.
if ! "$PY" -m pip install "${PIP_ARGS[@]}" "$TORCH_SPEC" >&2; then
  log "could not install $TORCH_SPEC; '+cpu' builds live on the PyTorch CPU wheel"
  log "index: set BENCH_TORCH_INDEX to it, or BENCH_TORCH_SPEC to another build"
  exit 1
fi
"$PY" -m pip install "${PIP_ARGS[@]}" "$TORCH_SPEC" "$LIGHTNING_SPEC" "$NUMPY_SPEC" >&2

if ! venv_ready; then
  log "venv at $VENV does not hold $TORCH_SPEC and $LIGHTNING_SPEC after install"
  exit 1
fi
log "ready: $("$PY" -c 'import torch, lightning; print("torch", torch.__version__, "lightning", lightning.__version__)')"
echo "$PY"
