#!/usr/bin/env bash
# Builds the project (fetching the datasets and Ray on first use) and runs the Fashion-MNIST
# example: by default on 2 Ray workers of a local cluster it starts and stops itself.
# With `tune` as the first argument it runs the hyper-parameter search example instead.
# Other arguments go to the example; try --help.
set -euo pipefail
cd "$(dirname "$0")/.."

main=dev.raylightning.examples.FashionMnistExample
if [[ "${1:-}" == "tune" ]]; then
  main=dev.raylightning.examples.FashionMnistTuneExample
  shift
fi

mvn -B -q install -DskipTests
mvn -B -q -pl examples dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

# one torch thread: small models run fastest without intra-op parallelism
threads="${RAY_LIGHTNING_TORCH_THREADS:-1}"
# Ray's Java runtime needs these openings on Java 17 (see RayDriver.ADD_OPENS)
add_opens=()
for pkg in java.lang java.util java.util.concurrent java.math java.net java.nio java.text java.time; do
  add_opens+=("--add-opens=java.base/${pkg}=ALL-UNNAMED")
done

exec java -Xss4m "${add_opens[@]}" \
  -Dai.djl.offline=true \
  -Dai.djl.pytorch.num_threads="$threads" \
  -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "examples/target/classes:$(cat examples/target/classpath.txt)" \
  "$main" "$@"
