# Shared by the bench scripts (sourced, not run): the Java flags every benchmark JVM takes, and a
# private copy of a build's class path.

# Fills the array JAVA_FLAGS: one intra-op and one inter-op torch thread (OMP too, for anything
# that reads it), DJL offline, the stack Ray's runtime needs, and the openings Ray's Java runtime
# needs (see scripts/run-example.sh).
bench_java_flags() {
  export OMP_NUM_THREADS=1
  JAVA_FLAGS=(-Xss4m -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1)
  local pkg
  for pkg in java.lang java.util java.util.concurrent java.math java.net java.nio java.text java.time; do
    JAVA_FLAGS+=("--add-opens=java.base/${pkg}=ALL-UNNAMED")
  done
}

# bench_private_classpath SRC LIB: copies the bench jar of the source tree SRC and its class path
# into the folder LIB and prints the class path of the copies. Ray's worker JVMs load classes
# from there while a benchmark runs, so a rebuild meanwhile cannot swap jars under them.
bench_private_classpath() {
  local src=$1 lib=$2 cp="" entry
  mkdir -p "$lib"
  for entry in "$src"/bench/target/ray-lightning-bench-0.1.0-SNAPSHOT.jar $(tr ':' ' ' < "$src/bench/target/classpath.txt"); do
    cp "$entry" "$lib/"
    cp="${cp:+$cp:}$lib/$(basename "$entry")"
  done
  echo "$cp"
}

# The class path of this tree's bench build, used in place.
bench_classpath() {
  echo "$1/bench/target/ray-lightning-bench-0.1.0-SNAPSHOT.jar:$(cat "$1/bench/target/classpath.txt")"
}

# bench_setup NAME [MAVEN_FLAG...]: makes the results folder OUT (bench/target/NAME-<date> unless
# OUT is set), builds the bench module and what it needs unless SKIP_BUILD=1 (MVN_ARGS: extra
# Maven arguments, e.g. -o), then sets CP to this tree's bench class path and fills JAVA_FLAGS.
# Needs ROOT.
bench_setup() {
  local name=$1
  shift
  OUT="${OUT:-$ROOT/bench/target/$name-$(date +%Y%m%d-%H%M%S)}"
  mkdir -p "$OUT"
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    # shellcheck disable=SC2086  # MVN_ARGS is a list of flags
    mvn -B -q install -DskipTests -pl bench -am "$@" ${MVN_ARGS:-} >&2
  fi
  CP="$(bench_classpath "$ROOT")"
  bench_java_flags
}
