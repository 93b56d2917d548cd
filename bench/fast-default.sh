#!/usr/bin/env bash
# The side-by-side table that opens docs/benchmarks.md (issue 14): mixnorm as launched vs PyTorch
# as installed and with the allocator tuned by hand, alternating in one script, each measurement
# in its own process.
#
#   bench/fast-default.sh [ROUNDS] [OUT_DIR]      (defaults: 2 rounds, a fresh temporary folder)
#
# Needs Debian's python3-torch (/usr/bin/python3, or PYTHON=...) and ../shared/tools/ for
# DenseNet-40 in plain PyTorch (TOOLS=... elsewhere); DenseNet-BC-100 and Inception-V3 in plain
# PyTorch are bench/pytorch_deep.py (same parameter counts as mixnorm's, which it prints). Run it on a quiet machine: every row is a
# speed. Raw JSON of every measurement stays in OUT_DIR; the table is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
out=${2:-$(mktemp -d)}
py=${PYTHON:-/usr/bin/python3}
tools=${TOOLS:-../shared/tools}
threads=2
mkdir -p "$out"
export OPT_OUT_TRACKING=true
tuned=(MALLOC_MMAP_THRESHOLD_=4000000000 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912)

m() { ./mixnorm "$@" --threads "$threads" --json 2>>"$out/stderr.log"; }
cnn5=(--batch-size 128 --warmup 5 --repeats 15)
evalb=(--batch-size 100 --warmup 5 --repeats 15)
dense=(--model densenet40 --optimizer sgd --nesterov --batch-size 64 --warmup 1 --repeats 4)
bc100=(--batch-size 64 --warmup 1 --repeats 5)
inception=(--batch-size 32 --warmup 1 --repeats 4)

./mixnorm summary > /dev/null # builds the launcher's jar first, outside the timings
for r in $(seq "$rounds"); do
  echo "round $r of $rounds, $(date -u +%T)" >&2
  m bench --variants bn,mn:conv2,mn:all "${cnn5[@]}" > "$out/r$r-m-cnn5-launched.json"
  env "${tuned[@]}" ./mixnorm bench --norm bn "${cnn5[@]}" --threads $threads --json \
    > "$out/r$r-m-cnn5-envtuned.json" 2>>"$out/stderr.log"
  MIXNORM_MALLOC_TUNING=0 ./mixnorm bench --norm bn "${cnn5[@]}" --threads $threads --json \
    > "$out/r$r-m-cnn5-off.json" 2>>"$out/stderr.log"
  MIXNORM_CHANNELS_LAST=0 ./mixnorm bench --norm bn "${cnn5[@]}" --threads $threads --json \
    > "$out/r$r-m-cnn5-nchw.json" 2>>"$out/stderr.log"
  "$py" bench/pytorch_cnn5.py --batch-size 128 --warmup 5 --repeats 15 --threads $threads --json \
    > "$out/r$r-p-cnn5-installed.json"
  env "${tuned[@]}" "$py" bench/pytorch_cnn5.py --batch-size 128 --warmup 5 --repeats 15 \
    --threads $threads --json > "$out/r$r-p-cnn5-tuned.json"
  env "${tuned[@]}" "$py" bench/pytorch_cnn5.py --batch-size 128 --warmup 5 --repeats 15 \
    --threads $threads --channels-last --json > "$out/r$r-p-cnn5-tuned-cl.json"
  m bench --mode eval --variants bn,mn:conv2 "${evalb[@]}" > "$out/r$r-m-eval-launched.json"
  "$py" bench/pytorch_cnn5.py --mode eval --batch-size 100 --warmup 5 --repeats 15 \
    --threads $threads --json > "$out/r$r-p-eval-installed.json"
  env "${tuned[@]}" "$py" bench/pytorch_cnn5.py --mode eval --batch-size 100 --warmup 5 \
    --repeats 15 --threads $threads --json > "$out/r$r-p-eval-tuned.json"
  m bench --variants bn,mn:first:1 "${dense[@]}" > "$out/r$r-m-densenet40-launched.json"
  MIXNORM_CHANNELS_LAST=0 ./mixnorm bench --norm bn "${dense[@]}" --threads $threads --json \
    > "$out/r$r-m-densenet40-nchw.json" 2>>"$out/stderr.log"
  "$py" "$tools/densenet40_torch_bench.py" 64 $threads 4 > "$out/r$r-p-densenet40-installed.json"
  env "${tuned[@]}" "$py" "$tools/densenet40_torch_bench.py" 64 $threads 4 \
    > "$out/r$r-p-densenet40-tuned.json"
  # train vs bench: the trainer's img/s counts training seconds only (no test pass).
  rm -rf "$out/train-run"
  ./mixnorm train --steps 200 --batch-size 128 --eval-every 200 --threads $threads --quiet \
    --out "$out/train-run" > /dev/null 2>>"$out/stderr.log"
  cp "$out/train-run/summary.json" "$out/r$r-m-train-launched.json"
  m bench --norm bn "${cnn5[@]}" > "$out/r$r-m-cnn5-beside-train.json"
  # the two slowest models last
  for spec in bc100:densenet-bc100 inception:inception-v3; do
    short=${spec%%:*}; model=${spec#*:}; declare -n args=$short
    m bench --model "$model" --optimizer sgd --nesterov --variants bn,mn:first:1 "${args[@]}" \
      > "$out/r$r-m-$short-launched.json"
    MIXNORM_CHANNELS_LAST=0 ./mixnorm bench --model "$model" --optimizer sgd --nesterov --norm bn \
      "${args[@]}" --threads $threads --json > "$out/r$r-m-$short-nchw.json" 2>>"$out/stderr.log"
    "$py" bench/pytorch_deep.py --model "$model" "${args[@]}" --threads $threads --json \
      > "$out/r$r-p-$short-installed.json"
    env "${tuned[@]}" "$py" bench/pytorch_deep.py --model "$model" "${args[@]}" \
      --threads $threads --json > "$out/r$r-p-$short-tuned.json"
  done
done
"$py" bench/fast_default_table.py "$out"
echo "raw results: $out" >&2
