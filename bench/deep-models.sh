#!/usr/bin/env bash
# The deep models head to head (issue 14, item 5): mixnorm as launched against PyTorch 1.13 with the
# allocator tuned by hand, BN, training step with SGD-Nesterov, 2 threads, alternating model by
# model and round by round, each measurement in its own process; prints every round's img/s and
# ratio and the median ratio per model. fast-default.sh measures the same rows twice among many
# others; this script gives them the rounds a noisy machine needs.
#
#   bench/deep-models.sh [ROUNDS] [OUT_DIR]      (defaults: 4 rounds, a fresh temporary folder)
#
# Needs Debian's python3-torch (PYTHON=...) and ../shared/tools/ (TOOLS=...) as fast-default.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-4}
out=${2:-$(mktemp -d)}
py=${PYTHON:-/usr/bin/python3}
tools=${TOOLS:-../shared/tools}
mkdir -p "$out"
export OPT_OUT_TRACKING=true
tuned=(MALLOC_MMAP_THRESHOLD_=4000000000 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912)
./mixnorm summary > /dev/null # builds the launcher's jar first, outside the timings
for r in $(seq "$rounds"); do
  echo "round $r of $rounds, $(date -u +%T)" >&2
  ./mixnorm bench --model densenet40 --norm bn --optimizer sgd --nesterov --batch-size 64 --warmup 1 \
    --repeats 4 --threads 2 --json > "$out/r$r-m-densenet40.json" 2>>"$out/stderr.log"
  env "${tuned[@]}" "$py" "$tools/densenet40_torch_bench.py" 64 2 4 > "$out/r$r-p-densenet40.json"
  for spec in densenet-bc100:64:5 inception-v3:32:4; do
    IFS=: read -r model batch repeats <<< "$spec"
    ./mixnorm bench --model "$model" --norm bn --optimizer sgd --nesterov --batch-size "$batch" \
      --warmup 1 --repeats "$repeats" --threads 2 --json > "$out/r$r-m-$model.json" 2>>"$out/stderr.log"
    env "${tuned[@]}" "$py" bench/pytorch_deep.py --model "$model" --batch-size "$batch" --warmup 1 \
      --repeats "$repeats" --threads 2 --json > "$out/r$r-p-$model.json"
  done
done
"$py" - "$out" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
def ips(f):
    d = json.load(open(f))
    return (d["variants"][0] if "variants" in d else d)["images_per_second"]
print("| model | round | mixnorm img/s | PyTorch tuned img/s | ratio |")
print("|---|---|---|---|---|")
for model in ["densenet40", "densenet-bc100", "inception-v3"]:
    ratios = []
    for f in sorted(glob.glob(os.path.join(out, "r*-m-%s.json" % model))):
        r = os.path.basename(f).split("-")[0]
        mine, torch = ips(f), ips(os.path.join(out, "%s-p-%s.json" % (r, model)))
        ratios.append(mine / torch)
        print("| %s | %s | %.1f | %.1f | %.2f |" % (model, r[1:], mine, torch, mine / torch))
    print("| %s | median of %d | | | **%.2f** |" % (model, len(ratios), statistics.median(ratios)))
PY
echo "raw results: $out" >&2
