#!/usr/bin/env bash
# One command: the oneDNN convolution reproducer with oneDNN's version and the kernels it picked.
#   docs/upstream/onednn-conv-repro.sh      (from the repository root, after ./mvnw -q -DskipTests package)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
grep -m1 'model name' /proc/cpuinfo
grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep '^avx512' | tr '\n' ' '; echo
ONEDNN_VERBOSE=1 OPT_OUT_TRACKING=true java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "${MIXNORM_LIB:-mixnorm-lab/target/lib}/*" docs/upstream/OneDnnConvRepro.java 2>&1 \
  | awk -F, '/^onednn_verbose/ {
      key = $6 "," $7 "," $9 "," $12   # primitive, implementation, formats, shape (not the time)
      if ($0 ~ /info,oneDNN|info,cpu,isa/) print
      else if (($6 == "convolution" || ($6 == "reorder" && $9 ~ /ABcd/)) && !seen[key]++) print
      next } { print }'
