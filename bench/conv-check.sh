#!/usr/bin/env bash
# Compares PyTorch's oneDNN convolutions with ATen's own on this machine (docs/engine-workarounds.md).
#   bench/conv-check.sh                  # built-in shapes: DenseNet, DCGAN, cnn5, Inception-V3
#   bench/conv-check.sh 2 40 12 12 3 1   # one shape: N C HW F K PAD [STRIDE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
./mvnw -B -q -DskipTests -pl mixnorm-bench -am package
export OPT_OUT_TRACKING=true
exec java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "mixnorm-bench/target/mixnorm-bench-0.1.0-SNAPSHOT.jar:mixnorm-bench/target/lib/*" io.mixnorm.bench.ConvCheck "$@"
