#!/usr/bin/env bash
# Threads and libgomp's wait policy, quiet and under load, alternating in one script:
# `./mixnorm bench` (cnn5 BN, batch 128) with 2 threads as launched, 2 threads with
# OMP_WAIT_POLICY=PASSIVE, 2 threads with GOMP_SPINCOUNT=20000 (libgomp spins 300,000 rounds
# by default before it sleeps), and 1 thread; each once on the quiet machine and once beside LOAD
# busy loops (default 2: another job taking both cores, as in docs/reliability.md's 144-vs-29
# img/s table).
#   bench/wait-policy.sh [ROUNDS] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
out=${2:-$(mktemp -d)}
load=${LOAD:-2}
mkdir -p "$out"
export OPT_OUT_TRACKING=true
busy=()
stop_load() { for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done; busy=(); }
trap stop_load EXIT
./mixnorm summary > /dev/null
for round in $(seq "$rounds"); do
  for loaded in 0 "$load"; do
    for i in $(seq "$loaded"); do (while :; do :; done) & busy+=($!); done
    for cfg in "2 default" "2 PASSIVE" "2 spin20000" "1 default"; do
      set -- $cfg
      unset OMP_WAIT_POLICY GOMP_SPINCOUNT
      case "$2" in
        # libgomp's own default (300,000 rounds), set explicitly: the launcher would set 20,000
        default) export GOMP_SPINCOUNT=300000 ;;
        spin*) export GOMP_SPINCOUNT=${2#spin} ;;
        *) export OMP_WAIT_POLICY=$2 ;;
      esac
      f="$out/r$round-load$loaded-t$1-$2.json"
      ./mixnorm bench --norm bn --batch-size 128 --warmup 3 --repeats 8 --threads "$1" \
        --peak-gflops 1 --json > "$f" 2>/dev/null
      python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("round %s, %s busy loops, threads %s, wait %s: %.1f img/s (median step %.0f ms)" % (*sys.argv[2:], d["images_per_second"], d["step_ms_median"]))' \
        "$f" "$round" "$loaded" "$1" "$2"
    done
    stop_load
  done
done
