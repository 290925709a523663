#!/usr/bin/env bash
# Adds Ray Train (ray[train]==2.58.0, the Ray version the Java side runs on) to the benchmark's
# Python venv, for bench/python/raytrain_first_step.py. Creates the venv first when needed.
#
#   PY=$(bench/python/setup-raytrain.sh | tail -n 1)
#
# Idempotent: when the venv already has ray 2.58.0 it only prints the python path. Progress goes
# to stderr; the last (only) stdout line is the interpreter's path.
set -euo pipefail

RAY_SPEC="${BENCH_RAY_SPEC:-ray[train]==2.58.0}"
RAY_WANT="2.58.0"

PY="$("$(dirname "${BASH_SOURCE[0]}")/setup-venv.sh" | tail -n 1)"

if "$PY" -c "import sys, ray, ray.train.torch; sys.exit(ray.__version__ != '$RAY_WANT')" >/dev/null 2>&1; then
  echo "[setup-raytrain] ray $RAY_WANT present" >&2
else
  echo "[setup-raytrain] installing $RAY_SPEC" >&2
  # short retries/timeouts: offline machines should fall through to a local index quickly
  "$PY" -m pip install --disable-pip-version-check --retries 0 --timeout 5 "$RAY_SPEC" >&2
  "$PY" -c "import ray, ray.train.torch; assert ray.__version__ == '$RAY_WANT', ray.__version__" >&2
fi
echo "$PY"
