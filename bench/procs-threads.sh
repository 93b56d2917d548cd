#!/usr/bin/env bash
# Issue 14, threads: is a study faster as 2 processes x 1 PyTorch thread than as 1 process x 2
# threads? Whole runs (`train` with its evaluations and checkpoints, JVM start included), the two
# arms alternating, each arm training the same two runs (seeds 1 and 2) on the mini set.
#
#   bench/procs-threads.sh [ROUNDS] [STEPS] [OUT_DIR]   (defaults: 2 rounds, 120 steps, a temp dir)
#
# Prints per arm and round the wall seconds for both runs and each run's summary img/s (training
# seconds only). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
steps=${2:-120}
out=${3:-$(mktemp -d)}
mkdir -p "$out"
export OPT_OUT_TRACKING=true
./mixnorm summary > /dev/null # builds the launcher's jar first, outside the timings
run() { # seed threads dir
  ./mixnorm train --steps "$steps" --eval-every $((steps / 2)) --batch-size 128 --seed "$1" \
    --threads "$2" --quiet --out "$3" > /dev/null 2>> "$out/stderr.log"
}
ips() { python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["images_per_second"])' "$1/summary.json"; }
echo "arm round wall_s img_s_run1 img_s_run2"
for r in $(seq "$rounds"); do
  rm -rf "$out"/seq-* "$out"/par-*
  t0=$(date +%s.%N)
  run 1 2 "$out/seq-1"; run 2 2 "$out/seq-2"
  t1=$(date +%s.%N)
  echo "1proc-x-2threads $r $(echo "$t1 - $t0" | bc) $(ips "$out/seq-1") $(ips "$out/seq-2")"
  t0=$(date +%s.%N)
  run 1 1 "$out/par-1" & p1=$!
  run 2 1 "$out/par-2" & p2=$!
  wait $p1 $p2
  t1=$(date +%s.%N)
  echo "2procs-x-1thread $r $(echo "$t1 - $t0" | bc) $(ips "$out/par-1") $(ips "$out/par-2")"
done
