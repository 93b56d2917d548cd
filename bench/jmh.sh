#!/usr/bin/env bash
# Runs the JMH layer benchmarks (MixtureNorm vs DJL BatchNorm at cnn5's conv2 shape).
#   bench/jmh.sh                 # all benchmarks, JMH defaults set in the classes
#   bench/jmh.sh -p norm=bn,mn   # extra JMH arguments are passed through
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
./mvnw -B -q -DskipTests -pl mixnorm-bench -am package
export OPT_OUT_TRACKING=true
exec java -Dai.djl.offline=true -cp "mixnorm-bench/target/mixnorm-bench-0.1.0-SNAPSHOT.jar:mixnorm-bench/target/lib/*" \
  org.openjdk.jmh.Main "$@"
