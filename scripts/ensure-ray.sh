#!/usr/bin/env bash
# Ensures that a Python virtual environment with ray==2.58.0 exists and prints its path.
#
# Ray's Java runtime (ray/jars/ray_dist.jar) and its daemons (gcs_server, raylet, the `ray`
# CLI) ship only inside the `ray` Python wheel, so the Maven build and the library at run time
# both need such a venv. The script is idempotent: when the venv is complete it returns in
# about a second without touching the network.
#
# Usage: scripts/ensure-ray.sh [--properties FILE]
#   --properties FILE  also write ray.version, ray.venv, ray.bin and ray.dist.jar to FILE
#                      (a Java properties file; the Maven module ray-java reads it)
#
# Environment:
#   RAY_LIGHTNING_RAY_VENV  the venv to use (default:
#                           ${RAY_LIGHTNING_HOME:-$HOME/.cache/ray-lightning}/ray-2.58.0/venv)
#   RAY_LIGHTNING_PYTHON    the Python that creates the venv (default: python3); it must be
#                           a CPython version for which a ray 2.58.0 wheel exists
#   RAY_LIGHTNING_PIP_ARGS  extra pip arguments (default: "--retries 0 --timeout 10", so an
#                           unreachable package index fails fast instead of retrying for minutes;
#                           the index itself comes from the machine's pip configuration)
set -euo pipefail

readonly RAY_VERSION="2.58.0"
readonly SCRIPT="$(basename "$0")"

die() {
  echo "${SCRIPT}: error: $*" >&2
  exit 1
}

log() {
  echo "${SCRIPT}: $*" >&2
}

properties_file=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --properties)
      [[ $# -ge 2 ]] || die "--properties needs a file argument"
      properties_file="$2"
      shift 2
      ;;
    -h | --help)
      sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
done

lightning_home="${RAY_LIGHTNING_HOME:-${HOME:?HOME is not set}/.cache/ray-lightning}"
venv="${RAY_LIGHTNING_RAY_VENV:-${lightning_home}/ray-${RAY_VERSION}/venv}"
# Absolute, because the path is written into the build's output and used from other directories.
[[ "${venv}" == /* ]] || venv="${PWD}/${venv}"
python="${RAY_LIGHTNING_PYTHON:-python3}"
read -r -a pip_args <<<"${RAY_LIGHTNING_PIP_ARGS:---retries 0 --timeout 10}"

# Prints the path of ray_dist.jar inside the venv, or nothing when absent.
find_jar() {
  local jar
  for jar in "${venv}"/lib/python3*/site-packages/ray/jars/ray_dist.jar; do
    if [[ -f "${jar}" ]]; then
      echo "${jar}"
      return
    fi
  done
}

# True when the venv holds a working ray of the pinned version, its jar and its CLI.
is_complete() {
  [[ -x "${venv}/bin/ray" && -n "$(find_jar)" ]] || return 1
  local version
  version="$("${venv}/bin/ray" --version 2>/dev/null)" || return 1
  [[ "${version}" == *"version ${RAY_VERSION}"* ]]
}

install_ray() {
  command -v "${python}" >/dev/null 2>&1 \
    || die "'${python}' not found. Install Python 3 (e.g. apt-get install python3 python3-venv) or set RAY_LIGHTNING_PYTHON."
  "${python}" -c 'import venv, ensurepip' 2>/dev/null \
    || die "'${python}' cannot create virtual environments (no venv/ensurepip module). Install python3-venv (Debian/Ubuntu: apt-get install python3-venv) or set RAY_LIGHTNING_PYTHON."

  if [[ -e "${venv}" && ! -f "${venv}/pyvenv.cfg" && -n "$(ls -A "${venv}" 2>/dev/null)" ]]; then
    die "${venv} exists and is not a Python venv; remove it or set RAY_LIGHTNING_RAY_VENV."
  fi
  if [[ ! -x "${venv}/bin/python" ]]; then
    log "creating venv ${venv}"
    mkdir -p "$(dirname "${venv}")"
    # --clear: a half-created venv (interrupted earlier run) is rebuilt from scratch.
    "${python}" -m venv --clear "${venv}" || die "'${python} -m venv ${venv}' failed."
  fi
  "${venv}/bin/python" -m pip --version >/dev/null 2>&1 \
    || die "pip is missing in ${venv}; install python3-venv/python3-pip, remove ${venv} and retry."

  log "installing ray==${RAY_VERSION} into ${venv} (pip ${pip_args[*]})"
  "${venv}/bin/python" -m pip install --disable-pip-version-check --no-input "${pip_args[@]}" \
    "ray==${RAY_VERSION}" >&2 \
    || die "pip could not install ray==${RAY_VERSION}. pip needs a package index or wheel directory that holds it (pip config list) and a wheel for this Python version and platform ($("${venv}/bin/python" -V 2>&1))."
  is_complete || die "ray==${RAY_VERSION} was installed into ${venv} but its CLI or ray_dist.jar is missing."
}

if ! is_complete; then
  mkdir -p "$(dirname "${venv}")"
  # Two builds may run at once (CI, a developer's IDE): the first installs, the second waits.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"${venv}.lock"
    flock -w 900 9 || die "timed out waiting for the lock ${venv}.lock held by another install."
  fi
  # Re-check under the lock: another process may have finished the install meanwhile.
  is_complete || install_ray
fi

if [[ -n "${properties_file}" ]]; then
  mkdir -p "$(dirname "${properties_file}")"
  # Written to a temp file first so a reader never sees half a file.
  tmp="${properties_file}.tmp.$$"
  {
    echo "# Written by scripts/ensure-ray.sh; paths of the machine that ran the build."
    echo "ray.version=${RAY_VERSION}"
    echo "ray.venv=${venv}"
    echo "ray.bin=${venv}/bin/ray"
    echo "ray.dist.jar=$(find_jar)"
  } >"${tmp}"
  # Unchanged content keeps the old file (and its mtime), so Maven sees the jar as up to date.
  if cmp -s "${tmp}" "${properties_file}"; then
    rm -f "${tmp}"
  else
    mv -f "${tmp}" "${properties_file}"
  fi
fi

echo "${venv}"
