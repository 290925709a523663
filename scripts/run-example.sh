#!/usr/bin/env bash
# Builds the project (fetching the datasets and Ray on first use) and runs the Fashion-MNIST
# example. Arguments go to the example; try --help.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q install -DskipTests
mvn -B -q -pl examples dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

# one torch thread: small models run fastest without intra-op parallelism
threads="${RAY_LIGHTNING_TORCH_THREADS:-1}"
exec java -Xss4m \
  -Dai.djl.offline=true \
  -Dai.djl.pytorch.num_threads="$threads" \
  -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "examples/target/classes:$(cat examples/target/classpath.txt)" \
  dev.raylightning.examples.FashionMnistExample "$@"
